// Package nn holds the few network pieces that variational multitask models
// need, written directly on engine graphs: dense layers and small
// multilayer perceptrons, activations, amortized Gaussian encoders q(z | x),
// and mean-field Gaussian posteriors q(w). It is a toolbox, not a
// framework: every piece is a couple of parameter nodes and a function that
// adds ops to the graph, and errors land on the graph's sticky error like
// every other builder call.
//
//	g := engine.NewGraph()
//	rng := rand.New(rand.NewPCG(1, 2))
//	enc := nn.NewGaussianEncoder(g, "enc", []int{64, 32, 8}, nn.ReLU, rng)
//	x := g.Input("x", 20, 64)
//	qz := enc.Dist(x) // batch [20], event [8]
//	qw := nn.NewMeanField(g, "w", []int{8, 10}, 0.1).Dist() // event [8 10]
package nn
