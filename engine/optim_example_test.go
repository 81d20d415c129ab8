package engine_test

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// Adam fits the minimum of (x − 3)² by stepping on the live buffers of a
// compiled program: the parameter's value and its gradient.
func ExampleAdam() {
	g := engine.NewGraph()
	x := g.Param("x", []float64{0})
	loss := g.Square(g.AddScalar(x, -3))
	dx := g.Grad(loss, x)[0]
	prog, err := g.Compile([]*engine.Node{loss, dx})
	if err != nil {
		fmt.Println(err)
		return
	}
	opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.1})
	if err != nil {
		fmt.Println(err)
		return
	}
	params, grads := [][]float64{prog.Value(x)}, [][]float64{prog.Value(dx)}
	for range 500 {
		if err := prog.Run(); err != nil {
			fmt.Println(err)
			return
		}
		if err := opt.Step(params, grads); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Printf("x = %.6f after %d steps\n", prog.Scalar(x), opt.StepCount())
	// Output: x = 3.000000 after 500 steps
}
