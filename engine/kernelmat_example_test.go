package engine_test

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// Two RBF kernels with their own lengthscales over the same three points: the
// distances come out as a batch [2, 3, 3], and the gradient reaches each
// kernel's lengthscales.
func ExampleGraph_SqDist() {
	g := engine.NewGraph()
	x := g.Constant([]float64{0, 0, 1, 0, 0, 2}, 3, 2)
	ls := g.Param("lengthscale", []float64{1, 1, 2, 0.5}, 2, 2)
	k := g.Exp(g.Scale(g.SqDist(x, x, ls), -0.5))
	grad := g.Grad(g.Sum(k), ls)[0]
	prog, err := g.Compile([]*engine.Node{k, grad})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := prog.Run(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("K[0] row 0: %.4f\n", prog.Value(k)[:3])
	fmt.Printf("K[1] row 0: %.4f\n", prog.Value(k)[9:12])
	fmt.Printf("d sum(K)/d ls: %.4f\n", prog.Value(grad))
	// Output:
	// K[0] row 0: [1.0000 0.6065 0.1353]
	// K[1] row 0: [1.0000 0.8825 0.0003]
	// d sum(K)/d ls: [1.3772 1.7394 0.2207 0.0404]
}
