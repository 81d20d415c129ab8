package nn_test

import (
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/nn"
)

// An amortized encoder q(z | x): an MLP maps each of a batch of inputs to
// the location and scale of a Gaussian over z. A batch of 5 inputs of
// size 4 gives 5 independent Gaussians over 2 dimensions.
func ExampleNewGaussianEncoder() {
	g := engine.NewGraph()
	enc := nn.NewGaussianEncoder(g, "enc", []int{4, 8, 2}, nn.ReLU, rand.New(rand.NewPCG(1, 2)))
	x := g.Constant(make([]float64, 5*4), 5, 4)
	qz := enc.Dist(x)
	if err := g.Err(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("batch", qz.BatchShape(), "event", qz.EventShape())
	// Output: batch [5] event [2]
}

// A dense layer's output at zero input is its bias, zero at the start.
func ExampleDense_Apply() {
	g := engine.NewGraph()
	layer := nn.NewDense(g, "layer", 3, 2, rand.New(rand.NewPCG(1, 2)))
	y := layer.Apply(g.Constant([]float64{0, 0, 0}, 3))
	prog, err := g.Compile([]*engine.Node{y})
	if err != nil {
		log.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("W", layer.W.Shape(), "output", prog.Value(y))
	// Output: W [3 2] output [0 0]
}

// A mean-field Gaussian posterior over a 3×2 weight matrix: all six
// dimensions are event dimensions of one distribution.
func ExampleNewMeanField() {
	g := engine.NewGraph()
	q := nn.NewMeanField(g, "w", []int{3, 2}, 0.1).Dist()
	if err := g.Err(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("batch", q.BatchShape(), "event", q.EventShape())
	// Output: batch [] event [3 2]
}
