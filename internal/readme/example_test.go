package readme_test

import (
	"fmt"
	"log"

	"github.com/ignis-ppl/ignis/engine"
)

// Example_fitLine is the snippet in README.md, line for line: the test in
// readme_test.go fails if the two drift apart.
func Example_fitLine() {
	// Noise-free points on the line y = 2x + 1.
	g := engine.NewGraph()
	x := g.Constant([]float64{0, 1, 2, 3, 4}, 5)
	y := g.Constant([]float64{1, 3, 5, 7, 9}, 5)
	w := g.Param("w", []float64{0}) // a scalar parameter, initially 0
	b := g.Param("b", []float64{0})

	// Mean squared error of the line w·x + b, and its gradient.
	loss := g.Mean(g.Square(g.Sub(g.Add(g.Mul(w, x), b), y)))
	grad := g.Grad(loss, w, b)
	prog, err := g.Compile([]*engine.Node{loss, grad[0], grad[1]})
	if err != nil {
		log.Fatal(err)
	}

	// Gradient descent, updating the parameters in place.
	for range 1000 {
		if err := prog.Run(); err != nil {
			log.Fatal(err)
		}
		prog.Value(w)[0] -= 0.05 * prog.Scalar(grad[0])
		prog.Value(b)[0] -= 0.05 * prog.Scalar(grad[1])
	}
	fmt.Printf("w = %.3f, b = %.3f\n", prog.Scalar(w), prog.Scalar(b))
	// Output: w = 2.000, b = 1.000
}
