package engine

import (
	"fmt"
	"strings"
)

// ScanBody builds one step of a scan on the body graph b: from the carried
// state, the step's slices of the sequences and the constants, the next
// state (one node per carry, each of its carry's shape) and the step's
// outputs. It is called once, when the scan is built, whatever the length
// of the sequences.
type ScanBody func(b *Graph, carry, x, consts []*Node) (next, y []*Node)

// Scan runs body over the leading axis of the sequences xs with a carried
// state, as jax.lax.scan does: carry₀ = init, and for t = 0 … T−1,
// (carry_{t+1}, y_t) = body(carry_t, xs[t], consts). It returns the final
// state and the step outputs stacked along a new leading axis of length T.
//
// The body is a graph of its own, built once and run T times by one op, so
// the graph's size does not grow with T; its gradient is a reverse scan
// over the stored states. Everything the body reads from this graph comes
// in through init, xs or consts (parameters, data that does not vary with
// t); its own graph may hold constants but no parameters or noise. Every
// sequence must have the same leading length T ≥ 1. Scans are
// differentiable once: the gradient of a scan's gradient is not provided.
func (g *Graph) Scan(body ScanBody, init, xs, consts []*Node) (final, ys []*Node) {
	fail := func(err error) ([]*Node, []*Node) {
		g.fail(err)
		final = make([]*Node, len(init))
		for i := range final {
			final[i] = &Node{g: g}
		}
		return final, nil
	}
	if g.err != nil {
		return fail(g.err)
	}
	for _, a := range [...]struct {
		name string
		ns   []*Node
	}{{"init", init}, {"xs", xs}, {"consts", consts}} {
		if !g.checkNodes(func() string { return "Scan" }, func(i int) string { return fmt.Sprintf("%s[%d]", a.name, i) }, a.ns) {
			return fail(g.err)
		}
	}
	if body == nil {
		return fail(fmt.Errorf("%w: scan: nil body", ErrArgument))
	}
	if len(xs) == 0 {
		return fail(fmt.Errorf("%w: scan: no sequence to scan over", ErrArgument))
	}
	T := 0
	for j, x := range xs {
		if len(x.shape) == 0 {
			return fail(fmt.Errorf("%w: scan: sequence %d is a scalar, it needs a leading axis", ErrShape, j))
		}
		if j == 0 {
			T = x.shape[0]
		} else if x.shape[0] != T {
			return fail(fmt.Errorf("%w: scan: sequence %d has length %d, sequence 0 has %d", ErrShape, j, x.shape[0], T))
		}
	}
	sb, err := newScanBody(body, init, xs, consts)
	if err != nil {
		return fail(err)
	}
	op := &scanOp{body: sb, T: T}
	op.layout()
	out := g.Apply(op, append(append(append([]*Node(nil), init...), xs...), consts...)...)
	if !out.Valid() {
		return fail(g.err)
	}
	final = make([]*Node, len(init))
	for i := range init {
		final[i] = op.part(g, out, op.histOff[i]+T*sb.carry[i].shape.Size(), sb.carry[i].shape)
	}
	ys = make([]*Node, len(sb.y))
	for j, y := range sb.y {
		ys[j] = op.part(g, out, op.yOff[j], append(Shape{T}, y.shape...))
	}
	return final, ys
}

// scanBody is the body graph with its inputs and outputs; the nodes of its
// reverse step are added when the scan is first differentiated.
type scanBody struct {
	g                *Graph
	carry, x, consts []*Node // inputs
	next, y          []*Node // outputs
	// the reverse step: cotangents in, gradients out
	lam, gy             []*Node
	dcarry, dx, dconsts []*Node
}

func newScanBody(body ScanBody, init, xs, consts []*Node) (*scanBody, error) {
	b := NewGraph()
	sb := &scanBody{g: b}
	for i, c := range init {
		sb.carry = append(sb.carry, b.Input(fmt.Sprintf("carry%d", i), c.shape...))
	}
	for j, x := range xs {
		sb.x = append(sb.x, b.Input(fmt.Sprintf("x%d", j), x.shape[1:]...))
	}
	for k, c := range consts {
		sb.consts = append(sb.consts, b.Input(fmt.Sprintf("const%d", k), c.shape...))
	}
	sb.next, sb.y = body(b, sb.carry, sb.x, sb.consts)
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("scan body: %w", err)
	}
	if len(sb.next) != len(init) {
		return nil, fmt.Errorf("%w: scan body returned %d next states for %d carries", ErrArgument, len(sb.next), len(init))
	}
	if !b.check("scan body outputs", append(append([]*Node(nil), sb.next...), sb.y...)...) {
		return nil, fmt.Errorf("scan body: %w", b.Err())
	}
	for i, n := range sb.next {
		if !n.shape.Equal(init[i].shape) {
			return nil, fmt.Errorf("%w: scan body: next state %d has shape %v, its carry %v", ErrShape, i, n.shape, init[i].shape)
		}
	}
	for _, n := range b.nodes {
		if n.kind == KindParam || n.kind == KindNoise {
			return nil, fmt.Errorf("%w: scan body holds %v: parameters and noise come in through the scan's constants", ErrArgument, n)
		}
	}
	return sb, nil
}

// reverse adds the reverse step to the body graph: from the cotangents λ of
// the next state and gy of the step outputs, the gradients in the carry,
// the step's slices and the constants.
func (sb *scanBody) reverse() error {
	if sb.dcarry != nil || len(sb.carry)+len(sb.x)+len(sb.consts) == 0 {
		return nil
	}
	b := sb.g
	var terms []*Node
	for i, n := range sb.next {
		l := b.Input(fmt.Sprintf("lambda%d", i), n.shape...)
		sb.lam = append(sb.lam, l)
		terms = append(terms, b.Sum(b.Mul(n, l)))
	}
	for j, n := range sb.y {
		l := b.Input(fmt.Sprintf("gy%d", j), n.shape...)
		sb.gy = append(sb.gy, l)
		terms = append(terms, b.Sum(b.Mul(n, l)))
	}
	if len(terms) == 0 {
		return fmt.Errorf("%w: scan body has no outputs", ErrArgument)
	}
	loss := terms[0]
	for _, t := range terms[1:] {
		loss = b.Add(loss, t)
	}
	wrt := append(append(append([]*Node(nil), sb.carry...), sb.x...), sb.consts...)
	grads := b.Grad(loss, wrt...)
	if err := b.Err(); err != nil {
		return fmt.Errorf("scan body: %w", err)
	}
	sb.dcarry = grads[:len(sb.carry)]
	sb.dx = grads[len(sb.carry) : len(sb.carry)+len(sb.x)]
	sb.dconsts = grads[len(sb.carry)+len(sb.x):]
	return nil
}

// scanOp runs the body over the sequences. Its inputs are init, xs and
// consts; its output packs, one after another, each carry's history (T + 1
// states, the initial one first) and each step output stacked over t. The
// history is what the reverse scan reads.
type scanOp struct {
	body    *scanBody
	T       int
	histOff []int // offset of each carry's history
	yOff    []int // offset of each stacked step output
	size    int
}

func (o *scanOp) layout() {
	off := 0
	for _, c := range o.body.carry {
		o.histOff = append(o.histOff, off)
		off += (o.T + 1) * c.shape.Size()
	}
	for _, y := range o.body.y {
		o.yOff = append(o.yOff, off)
		off += o.T * y.shape.Size()
	}
	o.size = off
}

// part is the packed elements [off, off + size of shape) as a node of that
// shape.
func (o *scanOp) part(g *Graph, out *Node, off int, shape Shape) *Node {
	return g.Reshape(g.Slice(out, 0, off, off+shape.Size()), shape...)
}

func (o *scanOp) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "scan(T=%d, %d carries, %d outputs, body of %d nodes)", o.T, len(o.body.carry), len(o.body.y), len(o.body.g.nodes))
	return b.String()
}

func (o *scanOp) Shape(in []Shape) (Shape, error) {
	sb := o.body
	want := len(sb.carry) + len(sb.x) + len(sb.consts)
	if len(in) != want {
		return nil, fmt.Errorf("%w: scan takes %d inputs, got %d", ErrArgument, want, len(in))
	}
	for i, c := range sb.carry {
		if !in[i].Equal(c.shape) {
			return nil, fmt.Errorf("%w: scan: initial state %d has shape %v, the body's carry %v", ErrShape, i, in[i], c.shape)
		}
	}
	for j, x := range sb.x {
		s := in[len(sb.carry)+j]
		if len(s) == 0 || s[0] != o.T || !Shape(s[1:]).Equal(x.shape) {
			return nil, fmt.Errorf("%w: scan: sequence %d has shape %v, want [%d]+%v", ErrShape, j, s, o.T, x.shape)
		}
	}
	for k, c := range sb.consts {
		if s := in[len(sb.carry)+len(sb.x)+k]; !s.Equal(c.shape) {
			return nil, fmt.Errorf("%w: scan: constant %d has shape %v, the body's %v", ErrShape, k, s, c.shape)
		}
	}
	return Shape{o.size}, nil
}

// Grad is the reverse scan, one op whose output packs the gradients in
// init, xs and consts, in that order.
func (o *scanOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	if err := o.body.reverse(); err != nil {
		g.fail(err)
		return nil
	}
	gin := append([]*Node{out}, in[len(o.body.carry):]...)
	packed := g.Apply(&scanGradOp{fwd: o}, append(gin, gout)...)
	res := make([]*Node, len(in))
	off := 0
	for i, x := range in {
		res[i] = o.part(g, packed, off, x.shape)
		off += x.shape.Size()
	}
	return res
}

// bodyRunner is a compiled body, with its scalar tape when every value is
// one number (the scan then runs as a scanPlan, see scan_scalar.go).
type bodyRunner struct {
	p    *Program
	tape *scalarTape
}

func (sb *scanBody) compile(outputs []*Node) (*bodyRunner, error) {
	p, err := sb.g.Compile(outputs, WithDevice(CPU()))
	if err != nil {
		return nil, fmt.Errorf("scan body: %w", err)
	}
	r := &bodyRunner{p: p}
	r.tape, _ = newScalarTape(p)
	return r, nil
}

func (r *bodyRunner) run() error { return r.p.Replay() }

// views returns each node's buffer in the program (nil where the body does
// not hold it).
func (r *bodyRunner) views(groups ...[]*Node) [][][]float64 {
	out := make([][][]float64, len(groups))
	for i, nodes := range groups {
		out[i] = make([][]float64, len(nodes))
		for j, n := range nodes {
			out[i][j] = r.p.Value(n)
		}
	}
	return out
}

func (o *scanOp) Kernel(KernelSpec) (Kernel, error) {
	sb := o.body
	r, err := sb.compile(append(append([]*Node(nil), sb.next...), sb.y...))
	if err != nil {
		return nil, err
	}
	if r.tape != nil {
		return newScalarScanKernel(o, r), nil
	}
	v := r.views(sb.carry, sb.x, sb.consts, sb.next, sb.y)
	return &scanKernel{op: o, r: r, carry: v[0], x: v[1], consts: v[2], next: v[3], y: v[4]}, nil
}

type scanKernel struct {
	op                        *scanOp
	r                         *bodyRunner
	carry, x, consts, next, y [][]float64
}

// copyIn copies src into dst unless the body does not read it (dst nil).
func copyIn(dst, src []float64) {
	if dst != nil {
		copy(dst, src)
	}
}

func (k *scanKernel) Run(out []float64, in [][]float64) error {
	o, sb := k.op, k.op.body
	nc, nx := len(sb.carry), len(sb.x)
	for kk, c := range k.consts {
		copyIn(c, in[nc+nx+kk])
	}
	for i := range k.carry {
		copy(out[o.histOff[i]:], in[i])
	}
	for t := 0; t < o.T; t++ {
		for i, c := range k.carry {
			n := len(in[i])
			copyIn(c, out[o.histOff[i]+t*n:][:n])
		}
		for j, x := range k.x {
			n := sb.x[j].shape.Size()
			copyIn(x, in[nc+j][t*n:][:n])
		}
		if err := k.r.run(); err != nil {
			return fmt.Errorf("scan step %d: %w", t, err)
		}
		for i, v := range k.next {
			copy(out[o.histOff[i]+(t+1)*len(v):], v)
		}
		for j, v := range k.y {
			copy(out[o.yOff[j]+t*len(v):], v)
		}
	}
	return nil
}

// scanGradOp is the reverse scan. Its inputs are the forward scan's packed
// output, xs, consts and the packed output's gradient; its output packs the
// gradients in init, xs and consts.
type scanGradOp struct{ fwd *scanOp }

func (r *scanGradOp) String() string { return "reverse " + r.fwd.String() }

func (r *scanGradOp) Shape(in []Shape) (Shape, error) {
	sb := r.fwd.body
	if len(in) != 2+len(sb.x)+len(sb.consts) {
		return nil, fmt.Errorf("%w: reverse scan: %d inputs", ErrArgument, len(in))
	}
	n := 0
	for _, c := range sb.carry {
		n += c.shape.Size()
	}
	for j := range sb.x {
		n += in[1+j].Size()
	}
	for _, c := range sb.consts {
		n += c.shape.Size()
	}
	return Shape{n}, nil
}

func (r *scanGradOp) Grad(g *Graph, _ []*Node, _, _ *Node) []*Node {
	g.fail(fmt.Errorf("%w: the gradient of a scan's gradient", ErrNotDifferentiable))
	return nil
}

// nonDiff: the reverse scan is not differentiated.
func (r *scanGradOp) nonDiff(int) bool { return true }

func (r *scanGradOp) Kernel(KernelSpec) (Kernel, error) {
	sb := r.fwd.body
	outs := append(append(append([]*Node(nil), sb.dcarry...), sb.dx...), sb.dconsts...)
	run, err := sb.compile(outs)
	if err != nil {
		return nil, err
	}
	if run.tape != nil {
		return newScalarScanGradKernel(r.fwd, run), nil
	}
	v := run.views(sb.carry, sb.x, sb.consts, sb.lam, sb.gy, sb.dcarry, sb.dx, sb.dconsts)
	k := &scanGradKernel{op: r.fwd, r: run, carry: v[0], x: v[1], consts: v[2],
		lam: v[3], gy: v[4], dcarry: v[5], dx: v[6], dconsts: v[7]}
	for _, c := range sb.carry {
		k.lamAcc = append(k.lamAcc, make([]float64, c.shape.Size()))
	}
	return k, nil
}

type scanGradKernel struct {
	op                        *scanOp
	r                         *bodyRunner
	carry, x, consts, lam, gy [][]float64
	dcarry, dx, dconsts       [][]float64
	lamAcc                    [][]float64 // λ_t, the gradient in the state at t
}

func (k *scanGradKernel) Run(out []float64, in [][]float64) error {
	o, sb := k.op, k.op.body
	T := o.T
	nx := len(sb.x)
	fwd, gout := in[0], in[len(in)-1]
	for kk, c := range k.consts {
		copyIn(c, in[1+nx+kk])
	}
	// out holds the gradients in init from 0, in xs from gx, in consts
	// from gc
	off := 0
	for _, c := range sb.carry {
		off += c.shape.Size()
	}
	gx := off
	for j := range sb.x {
		off += len(in[1+j])
	}
	gc := off
	clear(out[gc:])
	for i, l := range k.lamAcc {
		n := len(l)
		copy(l, gout[o.histOff[i]+T*n:][:n])
	}
	for t := T - 1; t >= 0; t-- {
		for i, c := range k.carry {
			n := len(k.lamAcc[i])
			copyIn(c, fwd[o.histOff[i]+t*n:][:n])
			copyIn(k.lam[i], k.lamAcc[i])
		}
		for j, x := range k.x {
			n := sb.x[j].shape.Size()
			copyIn(x, in[1+j][t*n:][:n])
		}
		for j, v := range k.gy {
			n := sb.y[j].shape.Size()
			copyIn(v, gout[o.yOff[j]+t*n:][:n])
		}
		if err := k.r.run(); err != nil {
			return fmt.Errorf("reverse scan step %d: %w", t, err)
		}
		xo := gx
		for j, d := range k.dx {
			n := len(in[1+j]) / T
			copy(out[xo+t*n:][:n], d)
			xo += len(in[1+j])
		}
		co := gc
		for _, d := range k.dconsts {
			dst := out[co:][:len(d)]
			for e, v := range d {
				dst[e] += v
			}
			co += len(d)
		}
		for i, d := range k.dcarry {
			n := len(d)
			l := k.lamAcc[i]
			g := gout[o.histOff[i]+t*n:][:n]
			for e := range l {
				l[e] = d[e] + g[e]
			}
		}
	}
	io := 0
	for _, l := range k.lamAcc {
		copy(out[io:], l)
		io += len(l)
	}
	return nil
}
