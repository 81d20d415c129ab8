package gp_test

import (
	"fmt"
	"log"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
)

// E[log σ(f)] and E[f²] for f ~ N(1, 1) by 20-point Gauss–Hermite
// quadrature, with the derivative of the first in the mean (SciPy's adaptive
// quadrature gives −0.4068563 and 0.3032653).
func ExampleGaussHermite_Expect() {
	q, err := gp.NewGaussHermite(20)
	if err != nil {
		log.Fatal(err)
	}
	g := engine.NewGraph()
	mean := g.Param("mean", []float64{1})
	variance := g.Constant([]float64{1}, 1)
	logSig := q.Expect(g, mean, variance, g.LogSigmoid)
	sq := q.Expect(g, mean, variance, g.Square)
	grad := g.Grad(g.Sum(logSig), mean)[0]
	prog, err := g.Compile([]*engine.Node{logSig, sq, grad})
	if err != nil {
		log.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("E[log σ(f)] = %.6f, d/dmean = %.6f, E[f²] = %.6f\n",
		prog.Value(logSig)[0], prog.Value(grad)[0], prog.Value(sq)[0])
	// Output: E[log σ(f)] = -0.406856, d/dmean = 0.303265, E[f²] = 2.000000
}
