package nn_test

import (
	"fmt"
	"log"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/nn"
	"github.com/ignis-ppl/ignis/probgraph"
)

// A Bayesian MLP is a model whose weights are latent variables: tracing it
// shows a sample site per weight tensor and no parameters.
func ExampleBayesian() {
	net := nn.Bayesian(nn.MLP{Name: "f", Sizes: []int{1, 4, 1}, Act: nn.Tanh}, nn.NormalPrior(1))
	g := engine.NewGraph()
	tr, err := probgraph.TraceModel(g, func(m *probgraph.Ctx) {
		net.Apply(m, m.Graph().Constant([]float64{-1, 0, 1}, 3, 1))
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range tr.Sites() {
		fmt.Println(s.Kind, s.Name, s.Value.Shape())
	}
	// Output:
	// sample f.0.weight [1 4]
	// sample f.0.bias [4]
	// sample f.1.weight [4 1]
	// sample f.1.bias [1]
}

// A module's weights are parameters named after it; Sequential composes
// modules, activations among them.
func ExampleSequential() {
	net := nn.Sequential{
		nn.Conv2D{Name: "conv", In: 1, Out: 4, Size: [2]int{3, 3}, Config: engine.Conv2DConfig{Padding: [2]int{1, 1}}},
		nn.ReLU,
		nn.Flatten,
		nn.Linear{Name: "out", In: 4 * 8 * 8, Out: 10},
	}
	g := engine.NewGraph()
	var y *engine.Node
	tr, err := probgraph.TraceModel(g, func(m *probgraph.Ctx) {
		y = net.Apply(m, m.Graph().Fill(0, 2, 1, 8, 8))
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range tr.Sites() {
		fmt.Println(s.Kind, s.Name, s.Value.Shape())
	}
	fmt.Println("output", y.Shape())
	// Output:
	// param conv.weight [4 1 3 3]
	// param conv.bias [4]
	// param out.weight [256 10]
	// param out.bias [10]
	// output [2 10]
}
