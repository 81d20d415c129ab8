// Package engine is ignis's tensor engine: a graph builder whose graphs
// translate to and from Gorgonia expression graphs, differentiable ops that
// Gorgonia lacks or gets wrong, symbolic gradients, a compiled executor
// that runs a graph many times with no allocation, optimizers, and the device interface through which the gpu
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
// Recurrences — time-series likelihoods, the forward algorithm of a hidden
// Markov model — are written with Scan, which runs a body graph over the
// leading axis of its sequences: the graph stays the same size whatever the
// length, and bodies of single numbers run with only the recurrence itself
// step by step.
//
// Graphs are ignis's own: building, differentiating and compiling take time
// linear in the number of nodes, and no Gorgonia node is made unless asked
// for. Graph.Gorgonia gives a Gorgonia expression graph of the same
// computation (Node.Gorgonia its nodes), to run on Gorgonia's VMs or to mix
// in Gorgonia's own ops; Graph.Import brings Gorgonia nodes in — from that
// graph or from a model written with Gorgonia's API — translating
// Gorgonia's standard ops into native ops that run on the compiled executor
// (see the Graph.Import example). Ops without a translation run through
// Gorgonia's own Do.
//
// Programs run their heavy ops (Cholesky, triangular solves, distances) on
// the CPU unless the application picks a device: WithDevice for one
// program, SetDefaultDevice for every program compiled afterwards. The gpu
// build flavor's package cuda supplies a GPU device; importing it changes
// nothing until the application passes its device to one of these.
package engine
