package readme_test

import (
	"context"
	"fmt"
	"log"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// Example_betaBernoulli is the model snippet in README.md, line for line.
func Example_betaBernoulli() {
	flips := []float64{1, 1, 0, 1, 0, 1, 1, 1, 0, 1} // 7 heads in 10

	// The model: a coin's bias p ~ Beta(1, 1); each flip ~ Bernoulli(p).
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		p := m.Sample("p", dist.Beta(g.Scalar(1), g.Scalar(1)))
		m.Plate("flips", len(flips)).Observe("x", dist.Bernoulli(p), g.Constant(flips, len(flips)))
	}
	// The guide: a Beta with learnable positive parameters.
	guide := func(m *probgraph.Ctx) {
		a := m.Param("a", probgraph.Scalar(1), probgraph.Constrained(dist.Positive()))
		b := m.Param("b", probgraph.Scalar(1), probgraph.Constrained(dist.Positive()))
		m.Sample("p", dist.Beta(a, b))
	}

	// Stochastic variational inference: traced once, compiled once.
	opt, err := engine.NewAdam(engine.AdamOptions{Schedule: engine.ExponentialLR{Initial: 0.05, Gamma: 0.999}})
	if err != nil {
		log.Fatal(err)
	}
	svi, err := infer.NewSVI(model, guide, opt, infer.TraceELBO{NumParticles: 16})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := svi.Run(context.Background(), 2000, nil); err != nil {
		log.Fatal(err)
	}
	a, b := svi.Param("a")[0], svi.Param("b")[0]
	fmt.Printf("posterior mean of p: %.1f (exact: 8/12)\n", a/(a+b))
	// Output: posterior mean of p: 0.7 (exact: 8/12)
}
