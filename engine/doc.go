// Package engine is ignis's tensor engine: a graph builder over Gorgonia
// expression graphs, differentiable ops that Gorgonia lacks or gets wrong,
// symbolic gradients, a compiled executor that runs a graph many times with
// no allocation, optimizers, and the device interface through which the gpu
// build flavor supplies GPU versions of the heavy ops.
//
// Build a graph with the Graph's methods; they broadcast like NumPy and keep
// the first error (read it once with Err) so that model code reads like the
// math. Take gradients with Grad, compile the loss and gradients once with
// Compile, and run the program as often as needed:
//
//	g := engine.NewGraph()
//	w := g.Param("w", []float64{0}, 1)
//	x := g.Input("x", 3, 1)
//	y := g.Input("y", 3)
//	resid := g.Sub(g.MatVec(x, w), y)
//	loss := g.Sum(g.Square(resid))
//	grad := g.Grad(loss, w)[0]
//	prog, err := g.Compile([]*engine.Node{loss, grad})
//
// Compile folds the ops whose inputs are all constants and fuses chains of
// element-wise ops over the same elements into loops over short tiles,
// together with the products X·b that feed them and the sums and products
// Xᵀ·v that they feed, so that a likelihood built on a linear predictor
// and its gradient read the data once per run. Large loops split into
// chunks fixed by the shapes and run on a worker pool shared by all
// programs; partial sums are combined in chunk order, so results do not
// depend on GOMAXPROCS. Program.Describe lists what was fused;
// WithFusion(false) turns fusion off.
//
// Every node is a Gorgonia node too (Node.Gorgonia), so a graph can be run on
// Gorgonia's own VMs, and Gorgonia nodes can be imported (Graph.Import).
package engine
