package engine

import (
	"fmt"
	"hash"
	"hash/fnv"
	"strconv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gorgoniaOp presents an ignis Op to Gorgonia. Types and shapes are concrete:
// an ignis op is applied to inputs of known shapes, so its Gorgonia type is the
// function from those tensor types to the output's. The node's id is part of
// its hash, so Gorgonia never merges two ignis nodes.
type gorgoniaOp struct {
	op  Op
	g   *Graph
	id  int
	in  []Shape
	out Shape
}

func typeOfShape(s Shape) hm.Type {
	if len(s) == 0 {
		return G.Float64
	}
	return G.TensorType{Dims: len(s), Of: G.Float64}
}

func (o *gorgoniaOp) Arity() int { return len(o.in) }

func (o *gorgoniaOp) Type() hm.Type {
	ts := make([]hm.Type, 0, len(o.in)+1)
	for _, s := range o.in {
		ts = append(ts, typeOfShape(s))
	}
	ts = append(ts, typeOfShape(o.out))
	if len(ts) == 1 {
		return ts[0]
	}
	return hm.NewFnType(ts...)
}

func (o *gorgoniaOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape(o.out.Clone()), nil
}

func (o *gorgoniaOp) ReturnsPtr() bool     { return false }
func (o *gorgoniaOp) CallsExtern() bool    { return false }
func (o *gorgoniaOp) OverwritesInput() int { return -1 }
func (o *gorgoniaOp) String() string       { return o.op.String() }
func (o *gorgoniaOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "ignis #%d %s %v -> %v", o.id, o.op, o.in, o.out)
}

func (o *gorgoniaOp) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}

// Do runs the op the way Gorgonia's VMs expect: a fresh output per call.
func (o *gorgoniaOp) Do(vals ...G.Value) (G.Value, error) {
	in := make([][]float64, len(vals))
	for i, v := range vals {
		data, err := valueData(v)
		if err != nil {
			return nil, fmt.Errorf("%s: input %d: %w", o.op, i, err)
		}
		in[i] = data
	}
	k, err := o.op.Kernel(KernelSpec{In: o.in, Out: o.out, Device: CPU()})
	if err != nil {
		return nil, err
	}
	out := make([]float64, o.out.Size())
	if a, ok := o.op.(aliasOp); ok {
		copy(out, in[a.aliasOf()])
	} else if err := k.Run(out, in); err != nil {
		return nil, err
	}
	if len(o.out) == 0 {
		return G.NewF64(out[0]), nil
	}
	return tensor.New(tensor.WithShape(o.out.Clone()...), tensor.WithBacking(out)), nil
}

func valueData(v G.Value) ([]float64, error) {
	switch v := v.(type) {
	case *G.F64:
		return []float64{float64(*v)}, nil
	case tensor.Tensor:
		if v.Dtype() != tensor.Float64 {
			return nil, fmt.Errorf("%w: %v", ErrDType, v.Dtype())
		}
		d, ok := v.Data().([]float64)
		if !ok {
			if f, ok := v.Data().(float64); ok {
				return []float64{f}, nil
			}
			return nil, fmt.Errorf("%w: %T", ErrDType, v.Data())
		}
		return d, nil
	default:
		return nil, fmt.Errorf("%w: value of type %T", ErrDType, v)
	}
}

// DiffWRT reports which inputs the op is differentiable in.
func (o *gorgoniaOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	nd, _ := o.op.(nonDiffOp)
	for i := range d {
		d[i] = nd == nil || !nd.nonDiff(i)
	}
	return d
}

// SymDiff lets Gorgonia's Grad differentiate the mirror of an ignis graph:
// it maps the nodes to ignis nodes and asks the op for its vector-Jacobian
// product, whose nodes join the mirror.
func (o *gorgoniaOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	g := o.g
	in := make([]*Node, len(inputs))
	for i, c := range inputs {
		in[i] = g.Import(c)
	}
	out, gout := g.Import(output), g.Import(grad)
	if err := g.Err(); err != nil {
		return nil, err
	}
	grads := o.op.Grad(g, in, out, gout)
	if err := g.Err(); err != nil {
		return nil, err
	}
	res := make(G.Nodes, len(inputs))
	for i, gr := range grads {
		if gr == nil {
			gr = g.ZerosLike(in[i])
		}
		res[i] = gr.Gorgonia()
	}
	if err := g.Err(); err != nil {
		return nil, err
	}
	return res, nil
}

// mirror is a Gorgonia expression graph of an ignis graph, built on demand
// and extended as the graph grows: leaves become Gorgonia leaves (constants
// and parameters with their values bound), ignis ops become gorgoniaOps,
// foreign nodes their own Gorgonia ops.
type mirror struct {
	eg    *G.ExprGraph
	nodes []*G.Node         // by ignis node id, for the nodes mirrored so far
	byG   map[*G.Node]*Node // the reverse, and nodes imported from eg
}

// Gorgonia returns a Gorgonia expression graph computing what this graph
// computes, for running it on Gorgonia's VMs or mixing in Gorgonia's own
// ops (build them on Node.Gorgonia values, bring the results back with
// Import). It is built when first asked for, node by node, and kept up to
// date by later calls; graphs that never ask pay nothing for it. Constants
// and parameters (at their initial values) are bound; inputs and noise are
// bound by the caller with gorgonia.Let. Nil if the mirror could not be
// built (the graph's error says why).
func (g *Graph) Gorgonia() *G.ExprGraph {
	if len(g.nodes) > 0 && g.mirrorUpTo(len(g.nodes)-1) == nil {
		return nil
	}
	return g.ensureMirror().eg
}

func (g *Graph) ensureMirror() *mirror {
	if g.mirror == nil {
		g.mirror = &mirror{eg: G.NewGraph(), byG: make(map[*G.Node]*Node)}
	}
	return g.mirror
}

// mirrorUpTo extends the mirror through node id and returns its
// counterpart, or nil after recording the error that stopped it.
func (g *Graph) mirrorUpTo(id int) *G.Node {
	m := g.ensureMirror()
	for len(m.nodes) <= id {
		n := g.nodes[len(m.nodes)]
		gn, err := g.mirrorNode(m, n)
		if err != nil {
			g.fail(fmt.Errorf("engine: gorgonia mirror of %v: %w", n, err))
			return nil
		}
		m.nodes = append(m.nodes, gn)
		m.byG[gn] = n
	}
	return m.nodes[id]
}

func (g *Graph) mirrorNode(m *mirror, n *Node) (*G.Node, error) {
	if n.gn != nil {
		return n.gn, nil
	}
	switch n.kind {
	case KindOp, KindForeign:
		in := make(G.Nodes, len(n.in))
		shapes := make([]Shape, len(n.in))
		for i, c := range n.in {
			in[i], shapes[i] = m.nodes[c.id], c.shape
		}
		var op G.Op = n.fop
		if n.kind == KindOp {
			op = &gorgoniaOp{op: n.op, g: g, id: n.id, in: shapes, out: n.shape}
		}
		return G.ApplyOp(op, in...)
	}
	// Gorgonia merges leaves by name, so every leaf gets a unique one.
	name := n.kind.String() + "#" + strconv.Itoa(n.id)
	if n.name != "" {
		name += ":" + n.name
	}
	opts := []G.NodeConsOpt{G.WithName(name)}
	if n.value != nil {
		opts = append(opts, G.WithValue(tensorValue(n.shape, append([]float64(nil), n.value...))))
	}
	if len(n.shape) == 0 {
		return G.NewScalar(m.eg, G.Float64, opts...), nil
	}
	return G.NewTensor(m.eg, G.Float64, len(n.shape), append(opts, G.WithShape(n.shape...))...), nil
}

// tensorValue wraps data of shape s as a Gorgonia value.
func tensorValue(s Shape, data []float64) G.Value {
	if len(s) == 0 {
		f := G.F64(data[0])
		return &f
	}
	return tensor.New(tensor.WithShape(s.Clone()...), tensor.WithBacking(data))
}

// Import brings a node built with Gorgonia's own API into the graph, with
// everything it is computed from. The node may come from the graph's mirror
// (Gorgonia ops applied to Node.Gorgonia values) or from a Gorgonia graph of
// the user's own. In the latter, leaves become ignis leaves named as in
// Gorgonia: a leaf with a value bound becomes a parameter starting at that
// value, one without an input, a Gorgonia constant a constant; importing a
// leaf again returns the same node, so the parameters of an imported model
// are found with Import too.
//
// Gorgonia's standard ops (arithmetic, matrix products, exp, log, tanh,
// sigmoid and the like, sums and means, softmax, reshape, transpose and
// broadcasts) become native ignis ops that compile into the executor; an op
// without a translation runs through Gorgonia's own Do, which allocates, and
// is differentiated through its SymDiff.
func (g *Graph) Import(gn *G.Node) *Node {
	if !g.check("import") {
		return &Node{g: g}
	}
	if gn == nil {
		return g.fail(fmt.Errorf("%w: import: nil gorgonia node", ErrInvalidNode))
	}
	if g.mirror != nil && gn.Graph() == g.mirror.eg {
		return (&importer{g: g, known: g.mirror.byG, own: true}).node(gn)
	}
	if g.imported == nil {
		g.imported = make(map[*G.Node]*Node)
	}
	return (&importer{g: g, known: g.imported}).node(gn)
}

// importer maps the nodes of one Gorgonia graph to ignis nodes.
type importer struct {
	g     *Graph
	known map[*G.Node]*Node
	own   bool // the graph is the mirror: its leaves must be ignis nodes
}

func (im *importer) node(gn *G.Node) *Node {
	g := im.g
	if n, ok := im.known[gn]; ok {
		return n
	}
	if g.err != nil {
		return &Node{g: g}
	}
	if gn.Dtype() != G.Float64 {
		return g.fail(fmt.Errorf("%w: import: node %v is %v, not float64", ErrDType, gn, gn.Dtype()))
	}
	kids := children(gn)
	var n *Node
	switch {
	case gn.Op() == nil && im.own:
		return g.fail(fmt.Errorf("%w: import: gorgonia input nodes of this graph must be created with Graph.Input", ErrInvalidNode))
	case gn.Op() == nil:
		n = im.leaf(gn)
	case len(kids) == 0 && isGorgoniaConstant(gn.Op()):
		data, err := valueData(gn.Value())
		if err != nil {
			return g.fail(fmt.Errorf("import: constant %v: %w", gn, err))
		}
		n = g.Constant(data, gn.Shape()...)
	default:
		if t, ok := im.translate(gn, kids); ok {
			n = t
			break
		}
		in := make([]*Node, len(kids))
		for i, c := range kids {
			if in[i] = im.node(c); !in[i].Valid() {
				return in[i]
			}
		}
		n = g.register(&Node{g: g, kind: KindForeign, shape: Shape(gn.Shape().Clone()), fop: gn.Op(), in: in})
	}
	if !n.Valid() {
		return n
	}
	if im.own && n.gn == nil && n.id >= len(g.mirror.nodes) {
		n.gn = gn // the mirror reuses the node it came from
	}
	im.known[gn] = n
	return n
}

// leaf imports a Gorgonia leaf of a user's graph.
func (im *importer) leaf(gn *G.Node) *Node {
	g := im.g
	shape := Shape(gn.Shape().Clone())
	if v := gn.Value(); v != nil {
		data, err := valueData(v)
		if err != nil {
			return g.fail(fmt.Errorf("import: leaf %q: %w", gn.Name(), err))
		}
		return g.Param(gn.Name(), data, shape...)
	}
	return g.Input(gn.Name(), shape...)
}

// isGorgoniaConstant reports whether op is the op Gorgonia gives constants.
func isGorgoniaConstant(op G.Op) bool {
	switch fmt.Sprintf("%T", op) {
	case "gorgonia.constantScalar", "gorgonia.constantTensor":
		return true
	}
	return false
}

// foreignGrad differentiates a foreign node through its op's SymDiff, on a
// scratch Gorgonia graph whose leaves stand for the node's inputs, output
// and incoming gradient; the resulting expressions are imported.
func (g *Graph) foreignGrad(n *Node, gout *Node) []*Node {
	sd, ok := n.fop.(G.SDOp)
	if !ok {
		g.fail(fmt.Errorf("%w: gorgonia op %v has no symbolic derivative", ErrNotDifferentiable, n.fop))
		return nil
	}
	sg := G.NewGraph()
	known := make(map[*G.Node]*Node)
	leaf := func(s Shape, name string, stands *Node) *G.Node {
		var l *G.Node
		if len(s) == 0 {
			l = G.NewScalar(sg, G.Float64, G.WithName(name))
		} else {
			l = G.NewTensor(sg, G.Float64, len(s), G.WithShape(s...), G.WithName(name))
		}
		known[l] = stands
		return l
	}
	ins := make(G.Nodes, len(n.in))
	for i, c := range n.in {
		ins[i] = leaf(c.shape, "in"+strconv.Itoa(i), c)
	}
	out, err := G.ApplyOp(n.fop, ins...)
	if err != nil {
		g.fail(fmt.Errorf("%w: gorgonia op %v: %w", ErrNotDifferentiable, n.fop, err))
		return nil
	}
	known[out] = n
	gs, err := sd.SymDiff(ins, out, leaf(gout.shape, "grad", gout))
	if err != nil {
		g.fail(fmt.Errorf("%w: gorgonia op %v: %w", ErrNotDifferentiable, n.fop, err))
		return nil
	}
	im := &importer{g: g, known: known}
	res := make([]*Node, len(gs))
	for i, c := range gs {
		if c != nil {
			res[i] = im.node(c)
		}
	}
	return res
}

// children returns a Gorgonia node's inputs in order (Gorgonia keeps them
// unexported; its graph's From lists them in order).
func children(n *G.Node) G.Nodes {
	eg := n.Graph()
	if eg == nil {
		return nil
	}
	it := eg.From(n.ID())
	if it == nil {
		return nil
	}
	var out G.Nodes
	for it.Next() {
		out = append(out, it.Node().(*G.Node))
	}
	return out
}
