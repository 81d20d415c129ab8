package gp_test

import (
	"fmt"
	"log"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
)

// Two independent GPs with their own lengthscales on the same three points:
// the marginal log-likelihood of each and its gradient in both lengthscales.
func Example() {
	g := engine.NewGraph()
	x := g.Constant([]float64{0, 1, 2}, 3, 1)                 // shared points [N, D]
	y := g.Constant([]float64{0.1, 0.9, 0.2, 1, 0, -1}, 2, 3) // targets [B, N]
	ls := g.Param("lengthscale", []float64{0.5, 2}, 2, 1)     // [B, D]
	p := gp.Prior{Kernel: gp.RBF{Lengthscale: ls}, Noise: g.Fill(0.1, 2)}
	mll := gp.MarginalLogLikelihood(g, p, x, y)
	grad := g.Grad(g.Sum(mll.Value), ls)[0]
	prog, err := g.Compile([]*engine.Node{mll.Value, grad})
	if err != nil {
		log.Fatal(err)
	}
	if err := (gp.JitterPolicy{}).Run(prog, mll.Jitter); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("mll %.4f, d/dℓ %.4f\n", prog.Value(mll.Value), prog.Value(grad))
	// Output: mll [-3.2563 -3.8598], d/dℓ [0.3140 -0.8508]
}
