package nn

import (
	"errors"
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
)

// ErrArgument reports an invalid size, name, initialiser or module.
var ErrArgument = errors.New("nn: invalid argument")

// Module is a piece of a network used inside a model or a guide. Apply adds
// the module's computation on x to the graph the context builds, declaring
// its weights through the context on every run: as parameters (m.Param),
// which then live in the inference's parameter store and its checkpoints,
// or, for a Bayesian module, as sample sites with priors. A module is a
// plain value holding names and sizes; it holds no tensors, so the same
// module serves SVI, NUTS and Predictive, each on its own graph.
type Module interface {
	Apply(m *probgraph.Ctx, x *engine.Node) *engine.Node
}

// ModuleFunc adapts a function to the Module interface. It has no weights
// of its own (Bayesian leaves it as it is).
type ModuleFunc func(m *probgraph.Ctx, x *engine.Node) *engine.Node

// Apply calls f.
func (f ModuleFunc) Apply(m *probgraph.Ctx, x *engine.Node) *engine.Node { return f(m, x) }

// Activation is an element-wise non-linearity added to a graph. It is a
// Module without weights, so it can stand in a Sequential.
type Activation func(g *engine.Graph, x *engine.Node) *engine.Node

// Apply adds the activation to the context's graph.
func (a Activation) Apply(m *probgraph.Ctx, x *engine.Node) *engine.Node { return a(m.Graph(), x) }

// Activations.
var (
	// ReLU is max(x, 0).
	ReLU Activation = func(g *engine.Graph, x *engine.Node) *engine.Node { return g.Maximum(x, g.Scalar(0)) }
	// Tanh is the hyperbolic tangent.
	Tanh Activation = func(g *engine.Graph, x *engine.Node) *engine.Node { return g.Tanh(x) }
	// Sigmoid is 1/(1 + e^−x).
	Sigmoid Activation = func(g *engine.Graph, x *engine.Node) *engine.Node { return g.Sigmoid(x) }
	// Softplus is log(1 + e^x).
	Softplus Activation = func(g *engine.Graph, x *engine.Node) *engine.Node { return g.Softplus(x) }
	// ELU is x for x > 0 and e^x − 1 otherwise.
	ELU Activation = func(g *engine.Graph, x *engine.Node) *engine.Node {
		return g.Where(g.Greater(x, g.Scalar(0)), x, g.Expm1(g.Minimum(x, g.Scalar(0))))
	}
)

// Sequential applies its modules in order, each to the previous one's
// output.
type Sequential []Module

// Apply runs x through the modules.
func (s Sequential) Apply(m *probgraph.Ctx, x *engine.Node) *engine.Node {
	if len(s) == 0 {
		return m.Graph().Fail(fmt.Errorf("%w: empty sequential", ErrArgument))
	}
	for i, mod := range s {
		if mod == nil {
			return m.Graph().Fail(fmt.Errorf("%w: sequential: module %d is nil", ErrArgument, i))
		}
		x = mod.Apply(m, x)
	}
	return x
}

// WithPrior returns a copy whose modules have the prior (see Bayesian).
func (s Sequential) WithPrior(p Prior) Module {
	out := make(Sequential, len(s))
	for i, mod := range s {
		out[i] = Bayesian(mod, p)
	}
	return out
}

// Flatten reshapes x [N, d1, d2, …] to [N, d1·d2·…]: between convolutions
// and dense layers.
var Flatten Module = ModuleFunc(func(m *probgraph.Ctx, x *engine.Node) *engine.Node {
	g := m.Graph()
	if !g.Ok("flatten", x) {
		return x
	}
	s := x.Shape()
	if len(s) < 1 {
		return g.Fail(fmt.Errorf("%w: flatten needs a batch dimension, got shape %v", engine.ErrShape, s))
	}
	return g.Reshape(x, s[0], engine.Shape(s[1:]).Size())
})
