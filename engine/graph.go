package engine

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Kind tells what a node is: the result of an op or one of the leaf kinds.
type Kind uint8

// Node kinds.
const (
	KindOp       Kind = iota // computed by an op from other nodes
	KindConstant             // a fixed value, set when the graph is built
	KindInput                // data fed to the program before each run
	KindParam                // a parameter: initial value in the graph, updated in place by optimizers
	KindNoise                // standard noise drawn by the program before each run
	KindForeign              // a Gorgonia op ignis has no translation for, run through its own Do
)

func (k Kind) String() string {
	return [...]string{"op", "constant", "input", "param", "noise", "gorgonia"}[k]
}

// Noise is the distribution of a noise input.
type Noise uint8

// Noise distributions. Reparameterized samplers transform these.
const (
	StdNormal Noise = iota // N(0, 1)
	Uniform01              // U(0, 1), never exactly 0 or 1
	StdGumbel              // Gumbel(0, 1)
)

func (n Noise) String() string {
	return [...]string{"normal", "uniform", "gumbel"}[n]
}

// Node is a tensor-valued vertex of a graph. Nodes are created by the Graph's
// methods and are immutable.
type Node struct {
	g     *Graph
	ok    bool // built without error
	id    int
	kind  Kind
	shape Shape
	op    Op
	in    []*Node
	value []float64 // constants: the value; params: the initial value
	noise Noise
	name  string
	fop   G.Op    // foreign nodes: the Gorgonia op
	gn    *G.Node // nodes imported from the graph's own Gorgonia mirror: that node
}

// Shape returns the node's shape (a copy).
func (n *Node) Shape() Shape {
	if n == nil {
		return nil
	}
	return n.shape.Clone()
}

// Kind returns what the node is.
func (n *Node) Kind() Kind { return n.kind }

// Name returns the name given to a leaf (empty for op nodes).
func (n *Node) Name() string { return n.name }

// Op returns the op that computes the node, or nil for a leaf.
func (n *Node) Op() Op { return n.op }

// Inputs returns the node's inputs (nil for a leaf).
func (n *Node) Inputs() []*Node { return append([]*Node(nil), n.in...) }

// Graph returns the graph the node belongs to, and nil for a nil node, so
// that a function given nodes can find their graph and report a nil one
// there (Graph.Ok).
func (n *Node) Graph() *Graph {
	if n == nil {
		return nil
	}
	return n.g
}

// Gorgonia returns the node's counterpart in the graph's Gorgonia mirror
// (see Graph.Gorgonia), building the mirror up to this node if needed. It is
// nil for an invalid node or when the mirror could not be built (the reason
// is the graph's error).
func (n *Node) Gorgonia() *G.Node {
	if !n.Valid() {
		return nil
	}
	return n.g.mirrorUpTo(n.id)
}

// Valid reports whether the node was built without error.
func (n *Node) Valid() bool { return n != nil && n.ok }

func (n *Node) String() string {
	if !n.Valid() {
		return "<invalid node>"
	}
	if n.kind == KindOp {
		return fmt.Sprintf("%v%v", n.op, n.shape)
	}
	return fmt.Sprintf("%s %q%v", n.kind, n.name, n.shape)
}

// Graph builds an expression graph. Every builder method follows one rule: the
// first error is kept, the node it returns is invalid, and every later call
// returns an invalid node without doing anything until Err is read. Model code
// therefore reads like the math and checks Err once.
//
// A graph is ignis's own: nodes are values with identities of their own,
// and building, differentiating and compiling take time linear in the
// number of nodes. A Gorgonia expression graph of the same computation is
// built only when asked for (Gorgonia).
//
// A Graph is not safe for concurrent building; programs compiled from it are
// independent of each other and of the graph.
type Graph struct {
	err      error
	nodes    []*Node
	mirror   *mirror
	imported map[*G.Node]*Node // nodes of other Gorgonia graphs, as imported
}

// NewGraph returns an empty graph.
func NewGraph() *Graph { return &Graph{} }

// Err returns the first error met since Err was last called, and clears it.
func (g *Graph) Err() error {
	err := g.err
	g.err = nil
	return err
}

// Nodes returns all nodes in creation order, which is a topological order.
func (g *Graph) Nodes() []*Node { return append([]*Node(nil), g.nodes...) }

// fail records err if it is the first error and returns an invalid node.
func (g *Graph) fail(err error) *Node {
	if g.err == nil {
		g.err = err
	}
	return &Node{g: g}
}

// check validates the inputs of a builder call; it returns false (and records
// an error when none is recorded yet) if the call must not proceed.
func (g *Graph) check(op string, in ...*Node) bool {
	return g.checkNamed(func() string { return op }, in...)
}

// checkNamed is check with the op's name computed only for an error. It
// numbers the inputs from 0, as Op.Shape sees them.
func (g *Graph) checkNamed(name func() string, in ...*Node) bool {
	return g.checkNodes(name, func(i int) string { return fmt.Sprintf("input %d", i) }, in)
}

// args validates the node arguments of the Graph method named method, which
// come first in its parameter list: a nil node, another graph's node and a
// node from a failed op are reported at the call, as "Method: argument N is
// nil" with N counting the method's parameters from 1.
func (g *Graph) args(method string, in ...*Node) bool { return g.argsAt(method, 1, in...) }

// argsAt is args for node arguments that start at parameter position first.
func (g *Graph) argsAt(method string, first int, in ...*Node) bool {
	return g.checkNodes(func() string { return method },
		func(i int) string { return fmt.Sprintf("argument %d", first+i) }, in)
}

// checkNodes reports the first of in that is nil, of another graph or from
// a failed op, as "name: label is nil"; both strings are made only then.
func (g *Graph) checkNodes(name func() string, label func(i int) string, in []*Node) bool {
	if g.err != nil {
		return false
	}
	for i, n := range in {
		if n != nil && n.g == g && n.ok {
			continue
		}
		op, what := name(), label(i)
		switch {
		case n == nil:
			g.err = fmt.Errorf("%w: %s: %s is nil", ErrInvalidNode, op, what)
		case n.g != g:
			g.err = fmt.Errorf("%w: %s: %s belongs to another graph", ErrInvalidNode, op, what)
		default:
			g.err = fmt.Errorf("%w: %s: %s comes from an op that failed", ErrInvalidNode, op, what)
		}
		return false
	}
	return true
}

// call is the body of a Graph method named method that applies op to its
// node arguments: they are checked first, so that a bad one is reported by
// the method the caller used.
func (g *Graph) call(method string, op Op, in ...*Node) *Node {
	if !g.args(method, in...) {
		return g.invalid()
	}
	return g.Apply(op, in...)
}

// invalid returns an invalid node of g, for a builder that must not proceed.
func (g *Graph) invalid() *Node { return &Node{g: g} }

func (g *Graph) register(n *Node) *Node {
	n.ok = true
	n.id = len(g.nodes)
	g.nodes = append(g.nodes, n)
	return n
}

func (g *Graph) leaf(kind Kind, name string, shape Shape, value []float64) *Node {
	if !shape.valid() {
		return g.fail(fmt.Errorf("%w: %s %q: dimensions must be positive, got %v", ErrArgument, kind, name, shape))
	}
	if shape.tooLarge() {
		return g.fail(fmt.Errorf("%w: %s %q: shape %v holds more than %d elements", ErrArgument, kind, name, shape, MaxElements))
	}
	if value != nil && len(value) != shape.Size() {
		return g.fail(fmt.Errorf("%w: %s %q: %d values for shape %v", ErrShape, kind, name, len(value), shape))
	}
	return g.register(&Node{g: g, kind: kind, shape: shape.Clone(), value: value, name: name})
}

// Constant returns a node holding a copy of value with the given shape.
func (g *Graph) Constant(value []float64, shape ...int) *Node {
	if !g.check("constant") {
		return &Node{g: g}
	}
	return g.leaf(KindConstant, "", shape, append([]float64(nil), value...))
}

// Scalar returns a scalar constant.
func (g *Graph) Scalar(v float64) *Node { return g.Constant([]float64{v}) }

// Fill returns a constant of the given shape with every element v.
func (g *Graph) Fill(v float64, shape ...int) *Node {
	if !g.check("fill") {
		return &Node{g: g}
	}
	if !Shape(shape).valid() {
		return g.fail(fmt.Errorf("%w: fill: dimensions must be positive, got %v", ErrArgument, shape))
	}
	if Shape(shape).tooLarge() {
		return g.fail(fmt.Errorf("%w: fill: shape %v holds more than %d elements", ErrArgument, shape, MaxElements))
	}
	vals := make([]float64, Shape(shape).Size())
	for i := range vals {
		vals[i] = v
	}
	return g.leaf(KindConstant, "", shape, vals)
}

// Input returns a data input: its value is set on the program before a run.
func (g *Graph) Input(name string, shape ...int) *Node {
	if !g.check("input") {
		return &Node{g: g}
	}
	return g.leaf(KindInput, name, shape, nil)
}

// Param returns a parameter with an initial value (copied). Programs hold the
// current value; optimizers update it in place.
func (g *Graph) Param(name string, init []float64, shape ...int) *Node {
	if !g.check("param") {
		return &Node{g: g}
	}
	if init == nil {
		if !Shape(shape).valid() || Shape(shape).tooLarge() {
			return g.leaf(KindParam, name, shape, nil) // reports the shape
		}
		init = make([]float64, Shape(shape).Size())
	}
	return g.leaf(KindParam, name, shape, append([]float64(nil), init...))
}

// Noise returns a noise input: the program draws fresh standard noise of the
// given distribution into it before every run.
func (g *Graph) Noise(kind Noise, shape ...int) *Node {
	if !g.check("noise") {
		return &Node{g: g}
	}
	if kind > StdGumbel {
		return g.fail(fmt.Errorf("%w: noise: unknown distribution %d", ErrArgument, kind))
	}
	n := g.leaf(KindNoise, kind.String(), shape, nil)
	n.noise = kind
	return n
}

// Apply adds a node computing op on the inputs. It is how ops outside engine
// (a distribution's sampler, a GPU-only fused term) join a graph.
func (g *Graph) Apply(op Op, in ...*Node) *Node {
	if op == nil {
		return g.fail(fmt.Errorf("%w: apply: nil op", ErrArgument))
	}
	if !g.checkNamed(op.String, in...) {
		return &Node{g: g}
	}
	shapes := make([]Shape, len(in))
	for i, n := range in {
		shapes[i] = n.shape
	}
	out, err := op.Shape(shapes)
	if err != nil {
		return g.fail(fmt.Errorf("engine: %s of shapes %v: %w", op, shapes, err))
	}
	if out.tooLarge() {
		return g.fail(fmt.Errorf("%w: %s of shapes %v: the result %v holds more than %d elements", ErrArgument, op, shapes, out, MaxElements))
	}
	return g.register(&Node{g: g, kind: KindOp, shape: out, op: op, in: append([]*Node(nil), in...)})
}

// ConstantTensor returns a constant holding a copy of a Gorgonia tensor, which
// must be float64.
func (g *Graph) ConstantTensor(t tensor.Tensor) *Node {
	if !g.check("constant") {
		return &Node{g: g}
	}
	if t == nil {
		return g.fail(fmt.Errorf("%w: constant: nil tensor", ErrArgument))
	}
	data, err := valueData(t)
	if err != nil {
		return g.fail(fmt.Errorf("constant: %w", err))
	}
	return g.leaf(KindConstant, "", Shape(t.Shape()), append([]float64(nil), data...))
}

// Fail records err as the graph's error (unless one is already recorded) and
// returns an invalid node. Packages that build on engine (distributions,
// models) use it to report their own argument errors through the same sticky
// error as the ops.
func (g *Graph) Fail(err error) *Node {
	if err == nil {
		err = fmt.Errorf("%w: Fail called with a nil error", ErrArgument)
	}
	return g.fail(err)
}

// Ok reports whether building may proceed: no error is recorded and every
// node given is a valid node of this graph. When a node is invalid it records
// an error naming op and the node's position among nodes, counted from 1
// ("Normal: argument 1 is nil"), and returns false. Functions that build on
// engine call it first, so that a bad argument is reported where it is
// passed.
func (g *Graph) Ok(op string, nodes ...*Node) bool { return g.args(op, nodes...) }

// ConstValue returns a copy of a constant's value, and false for other nodes.
// Constructors use it to validate arguments that are known while the graph is
// built.
func (n *Node) ConstValue() ([]float64, bool) {
	if n == nil || n.kind != KindConstant {
		return nil, false
	}
	return append([]float64(nil), n.value...), true
}

// InitValue returns a copy of a parameter's initial value (the value it starts
// with in every new program), and false for other nodes.
func (n *Node) InitValue() ([]float64, bool) {
	if n == nil || n.kind != KindParam {
		return nil, false
	}
	return append([]float64(nil), n.value...), true
}
