package engine

// stopGradientOp passes its input through and blocks gradients: the
// surrogate objectives of score-function estimators need values that count in
// the loss but not in its derivative.
type stopGradientOp struct{}

func (stopGradientOp) String() string                  { return "stop_gradient" }
func (stopGradientOp) Shape(in []Shape) (Shape, error) { return in[0].Clone(), nil }
func (stopGradientOp) nonDiff(int) bool                { return true }
func (stopGradientOp) aliasOf() int                    { return 0 }

func (stopGradientOp) Kernel(KernelSpec) (Kernel, error) {
	return KernelFunc(func(out []float64, in [][]float64) error { copy(out, in[0]); return nil }), nil
}

func (stopGradientOp) Grad(*Graph, []*Node, *Node, *Node) []*Node { return []*Node{nil} }

// StopGradient returns x's value with no gradient flowing back through it.
func (g *Graph) StopGradient(x *Node) *Node { return g.call("StopGradient", stopGradientOp{}, x) }
