package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ignis-ppl/ignis/engine"
)

// Dense is an affine layer x·W + b from In to Out features whose parameters
// sit directly on a graph: for code that builds its graph without a model
// context (vmtl's learner). Models and guides use Linear, whose parameters
// live in the inference's parameter store.
type Dense struct {
	W, B    *engine.Node // [In, Out] and [Out]
	In, Out int
	g       *engine.Graph
}

// NewDense adds the parameters of a dense layer: W with Glorot-uniform
// initial values drawn from rng, b zero. The parameters are named name+".W"
// and name+".b".
func NewDense(g *engine.Graph, name string, in, out int, rng *rand.Rand) *Dense {
	d := &Dense{In: in, Out: out, g: g}
	if g == nil {
		return d
	}
	if in < 1 || out < 1 || rng == nil {
		d.W = g.Fail(fmt.Errorf("%w: dense %q: sizes %d→%d must be positive and rng non-nil", ErrArgument, name, in, out))
		d.B = d.W
		return d
	}
	lim := math.Sqrt(6 / float64(in+out))
	w := make([]float64, in*out)
	for i := range w {
		w[i] = lim * (2*rng.Float64() - 1)
	}
	d.W = g.Param(name+".W", w, in, out)
	d.B = g.Param(name+".b", nil, out)
	return d
}

// Apply maps x [..., In] to x·W + b [..., Out].
func (d *Dense) Apply(x *engine.Node) *engine.Node {
	g := d.g
	if g == nil {
		return nilGraph("dense")
	}
	if !g.Ok("dense", x, d.W, d.B) {
		return g.Fail(fmt.Errorf("%w: dense: invalid input or layer", ErrArgument))
	}
	s := x.Shape()
	if len(s) == 0 || s[len(s)-1] != d.In {
		return g.Fail(fmt.Errorf("%w: dense %d→%d: input shape %v", engine.ErrShape, d.In, d.Out, s))
	}
	if len(s) == 1 {
		return g.Add(g.Reshape(g.MatMul(g.Reshape(x, 1, d.In), d.W), d.Out), d.B)
	}
	return g.Add(g.MatMul(x, d.W), d.B)
}

// DenseStack is a stack of dense layers on a graph with an activation
// between them (none after the last): the graph-level counterpart of MLP.
type DenseStack struct {
	Layers []*Dense
	Act    Activation
	g      *engine.Graph
}

// NewDenseStack adds a stack whose layer sizes are sizes (at least two:
// input and output); layer i is named name+".i".
func NewDenseStack(g *engine.Graph, name string, sizes []int, act Activation, rng *rand.Rand) *DenseStack {
	m := &DenseStack{Act: act, g: g}
	if g == nil {
		return m
	}
	if len(sizes) < 2 || act == nil {
		g.Fail(fmt.Errorf("%w: dense stack %q: needs at least two sizes and an activation, got %v", ErrArgument, name, sizes))
		return m
	}
	for i := range len(sizes) - 1 {
		m.Layers = append(m.Layers, NewDense(g, fmt.Sprintf("%s.%d", name, i), sizes[i], sizes[i+1], rng))
	}
	return m
}

// Apply runs x [..., sizes[0]] through the layers.
func (m *DenseStack) Apply(x *engine.Node) *engine.Node {
	if m.g == nil {
		return nilGraph("dense stack")
	}
	if len(m.Layers) == 0 {
		return m.g.Fail(fmt.Errorf("%w: dense stack has no layers", ErrArgument))
	}
	for i, d := range m.Layers {
		x = d.Apply(x)
		if i < len(m.Layers)-1 {
			x = m.Act(m.g, x)
		}
	}
	return x
}

// nilGraph returns an invalid node carrying the error of a piece built on a
// nil graph.
func nilGraph(what string) *engine.Node {
	g := engine.NewGraph()
	return g.Fail(fmt.Errorf("%w: %s built on a nil graph", ErrArgument, what))
}
