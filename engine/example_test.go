package engine_test

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// Fit y = w·x by gradient descent on a compiled program.
func Example() {
	g := engine.NewGraph()
	w := g.Param("w", []float64{0}, 1)
	x := g.Input("x", 3, 1)
	y := g.Input("y", 3)
	loss := g.Sum(g.Square(g.Sub(g.MatVec(x, w), y)))
	grad := g.Grad(loss, w)[0]
	prog, err := g.Compile([]*engine.Node{loss, grad})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = prog.Set(x, []float64{1, 2, 3})
	_ = prog.Set(y, []float64{2, 4, 6})
	for range 100 {
		if err := prog.Run(); err != nil {
			fmt.Println(err)
			return
		}
		prog.Value(w)[0] -= 0.05 * prog.Value(grad)[0]
	}
	fmt.Printf("w = %.4f\n", prog.Value(w)[0])
	// Output: w = 2.0000
}

// Builder errors are kept until Err is read; they name the op and the shapes.
func ExampleGraph_Err() {
	g := engine.NewGraph()
	a := g.Fill(1, 2, 3)
	b := g.Fill(1, 4)
	c := g.Exp(g.Add(a, b)) // Add fails; Exp is skipped
	fmt.Println(c.Valid())
	fmt.Println(g.Err())
	// Output:
	// false
	// engine: add of shapes [[2 3] [4]]: engine: shape mismatch: cannot broadcast [2 3] with [4]
}
