package dist_test

import (
	"fmt"
	"log"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// Stan's ordered[3] from an unconstrained vector: the first element, then
// steps of exp(x) added one after the other; log|det J| is the sum of the
// exponents.
func ExampleOrderedTransform() {
	g := engine.NewGraph()
	t, err := dist.BijectTo(dist.OrderedVector())
	if err != nil {
		log.Fatal(err)
	}
	x := g.Constant([]float64{-1, 0, math.Log(2)}, 3)
	y := t.Forward(x)
	ladj := t.LogAbsDetJacobian(x, y)
	prog, err := g.Compile([]*engine.Node{y, ladj})
	if err != nil {
		log.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("y = %.4g, log|det J| = %.4f\n", prog.Value(y), prog.Scalar(ladj))
	// Output: y = [-1 0 2], log|det J| = 0.6931
}

// A normal truncated below at 0 (Stan's normal(1, 2) T[0, ]), scored at
// three points: the density is renormalized by P(X > 0) and is zero below 0
// (SciPy's truncnorm gives the same values).
func ExampleTruncatedNormal() {
	g := engine.NewGraph()
	d := dist.TruncatedNormal(g.Scalar(1), g.Scalar(2), g.Scalar(0), nil)
	lp := d.LogProb(g.Constant([]float64{-0.5, 0.5, 3}, 3))
	prog, err := g.Compile([]*engine.Node{lp})
	if err != nil {
		log.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("support %v, log density %.4f\n", d.Support(), prog.Value(lp))
	// Output: support greater_than(0), log density [-Inf -1.2744 -1.7431]
}
