package engine

import (
	"fmt"
	"slices"
)

// reshapeOp views its input with another shape; programs alias the buffer.
type reshapeOp struct{ to Shape }

func (o reshapeOp) String() string { return fmt.Sprintf("reshape%v", o.to) }
func (o reshapeOp) aliasOf() int   { return 0 }

func (o reshapeOp) Shape(in []Shape) (Shape, error) {
	if in[0].Size() != o.to.Size() {
		return nil, fmt.Errorf("%w: cannot reshape %v (%d elements) to %v", ErrShape, in[0], in[0].Size(), o.to)
	}
	return o.to.Clone(), nil
}

func (o reshapeOp) Kernel(KernelSpec) (Kernel, error) {
	return KernelFunc(func(out []float64, in [][]float64) error { copy(out, in[0]); return nil }), nil
}

func (o reshapeOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	return []*Node{g.Reshape(gout, in[0].shape...)}
}

// Reshape returns x with a new shape of the same size; one dimension may be
// −1 and is then inferred. It costs nothing at run time.
func (g *Graph) Reshape(x *Node, shape ...int) *Node {
	if !g.args("Reshape", x) {
		return g.invalid()
	}
	to := Shape(shape).Clone()
	infer := -1
	known := 1
	for i, d := range to {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d <= 0:
			return g.fail(fmt.Errorf("%w: reshape %v to %v: bad dimension %d", ErrArgument, x.shape, shape, d))
		case known > x.shape.Size()/d:
			// more elements than x has (and, unchecked, the product
			// could overflow)
			return g.fail(fmt.Errorf("%w: reshape %v (%d elements) to %v", ErrShape, x.shape, x.shape.Size(), shape))
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if x.shape.Size()%known != 0 {
			return g.fail(fmt.Errorf("%w: reshape %v to %v", ErrShape, x.shape, shape))
		}
		to[infer] = x.shape.Size() / known
	}
	if to.Equal(x.shape) {
		return x
	}
	return g.Apply(reshapeOp{to: to}, x)
}

// Unsqueeze inserts a dimension of size 1 at axis (negative counts from the end
// of the result).
func (g *Graph) Unsqueeze(x *Node, axis int) *Node {
	if !g.args("Unsqueeze", x) {
		return g.invalid()
	}
	a, ok := normAxis(axis, len(x.shape)+1)
	if !ok {
		return g.fail(fmt.Errorf("%w: unsqueeze: axis %d for shape %v", ErrArgument, axis, x.shape))
	}
	return g.Reshape(x, slices.Insert(x.shape.Clone(), a, 1)...)
}

// transposeOp permutes dimensions.
type transposeOp struct{ perm []int }

func (o transposeOp) String() string { return fmt.Sprintf("transpose%v", o.perm) }

func (o transposeOp) Shape(in []Shape) (Shape, error) {
	if len(o.perm) != len(in[0]) {
		return nil, fmt.Errorf("%w: permutation %v for rank %d", ErrArgument, o.perm, len(in[0]))
	}
	out := make(Shape, len(o.perm))
	for i, p := range o.perm {
		out[i] = in[0][p]
	}
	return out, nil
}

func (o transposeOp) Kernel(spec KernelSpec) (Kernel, error) {
	inSt := spec.In[0].strides()
	st := make([]int, len(o.perm))
	for i, p := range o.perm {
		st[i] = inSt[p]
	}
	r := newRows(spec.Out, spec.Out.strides(), st)
	n, _ := r.inner(0)
	_, si := r.inner(1)
	var x, z []float64
	row := func(off []int) {
		for k := 0; k < n; k++ {
			z[off[0]+k] = x[off[1]+k*si]
		}
	}
	return KernelFunc(func(out []float64, in [][]float64) error {
		x, z = in[0], out
		r.each(row)
		return nil
	}), nil
}

func (o transposeOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	inv := make([]int, len(o.perm))
	for i, p := range o.perm {
		inv[p] = i
	}
	return []*Node{g.Transpose(gout, inv...)}
}

// Transpose permutes the dimensions of x; with no permutation it reverses them.
func (g *Graph) Transpose(x *Node, perm ...int) *Node {
	if !g.args("Transpose", x) {
		return g.invalid()
	}
	r := len(x.shape)
	if len(perm) == 0 {
		for i := r - 1; i >= 0; i-- {
			perm = append(perm, i)
		}
	}
	seen := make([]bool, r)
	if len(perm) != r {
		return g.fail(fmt.Errorf("%w: transpose: permutation %v for shape %v", ErrArgument, perm, x.shape))
	}
	p := make([]int, r)
	for i, a := range perm {
		n, ok := normAxis(a, r)
		if !ok || seen[n] {
			return g.fail(fmt.Errorf("%w: transpose: permutation %v for shape %v", ErrArgument, perm, x.shape))
		}
		seen[n] = true
		p[i] = n
	}
	identity := true
	for i, a := range p {
		identity = identity && i == a
	}
	if identity {
		return x
	}
	return g.Apply(transposeOp{perm: p}, x)
}

// MT swaps the last two dimensions (the matrix transpose of a batch).
func (g *Graph) MT(x *Node) *Node {
	if !g.args("MT", x) {
		return g.invalid()
	}
	r := len(x.shape)
	if r < 2 {
		return g.fail(fmt.Errorf("%w: mT needs rank ≥ 2, got %v", ErrShape, x.shape))
	}
	perm := make([]int, r)
	for i := range perm {
		perm[i] = i
	}
	perm[r-2], perm[r-1] = r-1, r-2
	return g.Transpose(x, perm...)
}

// blocks describes a tensor as outer × axis × inner for ops along one axis.
func blocks(s Shape, axis int) (outer, n, inner int) {
	outer, inner = 1, 1
	for _, d := range s[:axis] {
		outer *= d
	}
	for _, d := range s[axis+1:] {
		inner *= d
	}
	return outer, s[axis], inner
}

// sliceOp takes [start, end) along one axis.
type sliceOp struct{ axis, start, end int }

func (o sliceOp) String() string { return fmt.Sprintf("slice(%d,%d:%d)", o.axis, o.start, o.end) }

func (o sliceOp) Shape(in []Shape) (Shape, error) {
	s := in[0].Clone()
	s[o.axis] = o.end - o.start
	return s, nil
}

func (o sliceOp) Kernel(spec KernelSpec) (Kernel, error) {
	outer, n, inner := blocks(spec.In[0], o.axis)
	w := (o.end - o.start) * inner
	return KernelFunc(func(out []float64, in [][]float64) error {
		for b := 0; b < outer; b++ {
			copy(out[b*w:(b+1)*w], in[0][b*n*inner+o.start*inner:])
		}
		return nil
	}), nil
}

func (o sliceOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	return []*Node{g.Apply(padOp{axis: o.axis, start: o.start, size: in[0].shape[o.axis]}, gout)}
}

// padOp places its input at [start, start+len) of a zero tensor along an axis:
// the adjoint of sliceOp.
type padOp struct{ axis, start, size int }

func (o padOp) String() string { return fmt.Sprintf("pad(%d,%d,%d)", o.axis, o.start, o.size) }

func (o padOp) Shape(in []Shape) (Shape, error) {
	s := in[0].Clone()
	if o.start+s[o.axis] > o.size {
		return nil, fmt.Errorf("%w: pad beyond %d", ErrShape, o.size)
	}
	s[o.axis] = o.size
	return s, nil
}

func (o padOp) Kernel(spec KernelSpec) (Kernel, error) {
	outer, m, inner := blocks(spec.In[0], o.axis)
	w := m * inner
	return KernelFunc(func(out []float64, in [][]float64) error {
		clear(out)
		for b := 0; b < outer; b++ {
			copy(out[b*o.size*inner+o.start*inner:], in[0][b*w:(b+1)*w])
		}
		return nil
	}), nil
}

func (o padOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	return []*Node{g.Slice(gout, o.axis, o.start, o.start+in[0].shape[o.axis])}
}

// Slice returns the elements [start, end) of x along axis.
func (g *Graph) Slice(x *Node, axis, start, end int) *Node {
	if !g.args("Slice", x) {
		return g.invalid()
	}
	a, ok := normAxis(axis, len(x.shape))
	if !ok || start < 0 || end <= start || end > x.shape[a] {
		return g.fail(fmt.Errorf("%w: slice(%d, %d:%d) of shape %v", ErrArgument, axis, start, end, x.shape))
	}
	if start == 0 && end == x.shape[a] {
		return x
	}
	return g.Apply(sliceOp{axis: a, start: start, end: end}, x)
}

// concatOp joins tensors along an axis.
type concatOp struct{ axis int }

func (o concatOp) String() string { return fmt.Sprintf("concat(%d)", o.axis) }

func (o concatOp) Shape(in []Shape) (Shape, error) {
	out := in[0].Clone()
	if o.axis >= len(out) {
		return nil, fmt.Errorf("%w: axis %d for rank %d", ErrArgument, o.axis, len(out))
	}
	for _, s := range in[1:] {
		if len(s) != len(out) {
			return nil, fmt.Errorf("%w: ranks differ", ErrShape)
		}
		for i := range s {
			if i != o.axis && s[i] != out[i] {
				return nil, fmt.Errorf("%w: dimension %d differs", ErrShape, i)
			}
		}
		out[o.axis] += s[o.axis]
	}
	return out, nil
}

func (o concatOp) Kernel(spec KernelSpec) (Kernel, error) {
	outer, total, inner := blocks(spec.Out, o.axis)
	widths := make([]int, len(spec.In))
	for i, s := range spec.In {
		widths[i] = s[o.axis] * inner
	}
	return KernelFunc(func(out []float64, in [][]float64) error {
		pos := 0
		for b := 0; b < outer; b++ {
			for i, w := range widths {
				copy(out[pos:pos+w], in[i][b*w:(b+1)*w])
				pos += w
			}
		}
		_ = total
		return nil
	}), nil
}

func (o concatOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	res := make([]*Node, len(in))
	start := 0
	for i, x := range in {
		end := start + x.shape[o.axis]
		res[i] = g.Slice(gout, o.axis, start, end)
		start = end
	}
	return res
}

// Concat joins tensors of equal shape except along axis.
func (g *Graph) Concat(axis int, xs ...*Node) *Node {
	if !g.argsAt("Concat", 2, xs...) {
		return g.invalid()
	}
	if len(xs) == 0 {
		return g.fail(fmt.Errorf("%w: concat of nothing", ErrArgument))
	}
	if len(xs) == 1 {
		return xs[0]
	}
	a, ok := normAxis(axis, len(xs[0].shape))
	if !ok {
		return g.fail(fmt.Errorf("%w: concat: axis %d for shape %v", ErrArgument, axis, xs[0].shape))
	}
	return g.Apply(concatOp{axis: a}, xs...)
}

// Stack joins tensors of equal shape along a new axis.
func (g *Graph) Stack(axis int, xs ...*Node) *Node {
	if !g.argsAt("Stack", 2, xs...) {
		return g.invalid()
	}
	if len(xs) == 0 {
		return g.fail(fmt.Errorf("%w: stack of nothing", ErrArgument))
	}
	ys := make([]*Node, len(xs))
	for i, x := range xs {
		ys[i] = g.Unsqueeze(x, axis)
	}
	if len(ys) == 1 {
		return ys[0]
	}
	return g.Concat(axis, ys...)
}
