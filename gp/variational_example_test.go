package gp_test

import (
	"context"
	"fmt"
	"log"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// A sparse variational GP regression written as an ordinary model and guide:
// four inducing points for eight observations, the lengthscale learned with
// q by SVI, then the predictive mean of f at x = 1 with its 95% half-width.
func ExampleVariationalGP() {
	xs := []float64{0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5}
	ys := []float64{0.05, 0.46, 0.86, 1, 0.9, 0.6, 0.12, -0.35} // about sin(x)
	vgp := func(g *engine.Graph, ls *engine.Node) gp.VariationalGP {
		var k gp.Kernel
		if ls != nil {
			k = gp.RBF{Lengthscale: ls}
		}
		return gp.VariationalGP{Name: "u", Kernel: k, Points: g.Constant([]float64{0, 1.2, 2.4, 3.6}, 4, 1), Functions: 1}
	}
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		ls := m.Param("lengthscale", probgraph.Vector(1), probgraph.Constrained(dist.Positive()))
		f := vgp(g, ls).Model(m, g.Constant(xs, 8, 1))
		gp.Gaussian{Name: "y", Noise: g.Scalar(0.01)}.Model(m, m.Plate("data", 8), f, g.Constant(ys, 8))
	}
	guide := func(m *probgraph.Ctx) { vgp(m.Graph(), nil).Guide(m) }

	opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.05})
	if err != nil {
		log.Fatal(err)
	}
	svi, err := infer.NewSVI(model, guide, opt, infer.TraceMeanFieldELBO{})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := svi.Run(context.Background(), 1000, nil); err != nil {
		log.Fatal(err)
	}

	g := engine.NewGraph()
	q := vgp(g, g.Constant(svi.Param("lengthscale"), 1)).Predict(g, g.Constant([]float64{1}, 1, 1),
		g.Constant(svi.Param("u_loc"), 1, 4), g.Constant(svi.Param("u_scale_tril"), 1, 4, 4))
	sd := g.Sqrt(q.Var)
	prog, err := g.Compile([]*engine.Node{q.Mean, sd})
	if err != nil {
		log.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("f(1) = %.2f ± %.2f (95%%)\n", prog.Scalar(q.Mean), 1.96*prog.Scalar(sd))
	// Output: f(1) = 0.83 ± 0.13 (95%)
}
