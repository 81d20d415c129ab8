package dist_test

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// The log density of a correlated 2-D normal at its mean, and the
// covariance its Cholesky factor stands for.
func ExampleMultivariateNormal() {
	g := engine.NewGraph()
	d := dist.MultivariateNormal(g.Constant([]float64{0, 1}, 2), g.Constant([]float64{1, 0, 0.5, 2}, 2, 2))
	lp := d.LogProb(g.Constant([]float64{0, 1}, 2))
	cov := d.Covariance()
	prog, err := g.Compile([]*engine.Node{lp, cov})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := prog.Run(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("log p(mean) = %.6f\ncovariance = %v\n", prog.Scalar(lp), prog.Value(cov))
	// Output:
	// log p(mean) = -2.531024
	// covariance = [1 0.5 0.5 4.25]
}
