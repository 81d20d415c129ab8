package nn

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
)

// Linear is an affine layer x·W + b from In to Out features, with weights
// named Name+".weight" [In, Out] and Name+".bias" [Out].
type Linear struct {
	Name    string
	In, Out int
	// NoBias leaves out b.
	NoBias bool
	// Init and BiasInit initialise W and b as parameters (defaults
	// GlorotUniform and Zeros).
	Init, BiasInit Init
	// Prior, when set, makes the weights sample sites (see Bayesian).
	Prior Prior
}

// WithPrior returns a copy of l whose weights are drawn from p.
func (l Linear) WithPrior(p Prior) Module { l.Prior = p; return l }

// Apply maps x [..., In] to [..., Out]. Weights with leading batch
// dimensions (a Bayesian layer under Predictive or several ELBO particles,
// W [B..., In, Out]) act on each input vector with the batch dimensions of
// x's leading dimensions and W's broadcast together, as plates align them.
func (l Linear) Apply(m *probgraph.Ctx, x *engine.Node) *engine.Node {
	g := m.Graph()
	if l.In < 1 || l.Out < 1 || l.Name == "" {
		return g.Fail(fmt.Errorf("%w: linear %q: sizes %d→%d must be positive and the name non-empty", ErrArgument, l.Name, l.In, l.Out))
	}
	if !g.Ok("linear "+l.Name, x) {
		return x
	}
	s := x.Shape()
	if len(s) == 0 || s[len(s)-1] != l.In {
		return g.Fail(fmt.Errorf("%w: linear %q %d→%d: input shape %v", engine.ErrShape, l.Name, l.In, l.Out, s))
	}
	w := declare(m, Weight{Name: l.Name + ".weight", Role: Kernel, Shape: engine.Shape{l.In, l.Out}, FanIn: l.In, FanOut: l.Out},
		l.Init, GlorotUniform, l.Prior)
	y := affine(g, x, w)
	if l.NoBias {
		return y
	}
	b := declare(m, Weight{Name: l.Name + ".bias", Role: Bias, Shape: engine.Shape{l.Out}, FanIn: l.In, FanOut: l.Out},
		l.BiasInit, Zeros, l.Prior)
	// A batched b [B..., Out] has the batch dimensions of W, which y's
	// leading dimensions already line up with.
	return g.Add(y, b)
}

// affine returns x·w for x [..., In] and w [B..., In, Out].
func affine(g *engine.Graph, x, w *engine.Node) *engine.Node {
	if !g.Ok("linear", w) {
		return w
	}
	s, ws := x.Shape(), w.Shape()
	in, out := ws[len(ws)-2], ws[len(ws)-1]
	switch {
	case len(ws) == 2 && len(s) == 1:
		return g.Reshape(g.MatMul(g.Reshape(x, 1, in), w), out)
	case len(ws) == 2:
		return g.MatMul(x, w)
	}
	// Each input vector is a 1×In matrix; the product's leading dimensions
	// are the broadcast of x's and w's batch dimensions.
	y := g.MatMul(g.Unsqueeze(x, -2), w)
	if !g.Ok("linear", y) {
		return y
	}
	ys := y.Shape()
	return g.Reshape(y, append(ys[:len(ys)-2:len(ys)-2], out)...)
}

// MLP is a multilayer perceptron: Linear layers of the given sizes (at
// least two: input and output) named Name+".0", Name+".1", …, with Act
// between them and none after the last.
type MLP struct {
	Name  string
	Sizes []int
	Act   Activation
	// Init, BiasInit and Prior apply to every layer (see Linear).
	Init, BiasInit Init
	Prior          Prior
}

// WithPrior returns a copy of n whose layers' weights are drawn from p.
func (n MLP) WithPrior(p Prior) Module { n.Prior = p; return n }

// Layers returns the MLP as a Sequential of its layers and activations.
func (n MLP) Layers() Sequential {
	var s Sequential
	for i := range len(n.Sizes) - 1 {
		if i > 0 {
			s = append(s, n.Act)
		}
		s = append(s, Linear{Name: fmt.Sprintf("%s.%d", n.Name, i), In: n.Sizes[i], Out: n.Sizes[i+1],
			Init: n.Init, BiasInit: n.BiasInit, Prior: n.Prior})
	}
	return s
}

// Apply runs x [..., Sizes[0]] through the layers.
func (n MLP) Apply(m *probgraph.Ctx, x *engine.Node) *engine.Node {
	if len(n.Sizes) < 2 || n.Act == nil {
		return m.Graph().Fail(fmt.Errorf("%w: mlp %q: needs at least two sizes and an activation, got %v", ErrArgument, n.Name, n.Sizes))
	}
	return n.Layers().Apply(m, x)
}
