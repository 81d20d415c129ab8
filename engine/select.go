package engine

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/internal/vmath"
)

// whereOp picks a where cond is non-zero and b elsewhere, broadcasting all three.
type whereOp struct{}

func (whereOp) String() string     { return "where" }
func (whereOp) nonDiff(i int) bool { return i == 0 }

func (whereOp) Shape(in []Shape) (Shape, error) {
	s, ok := BroadcastShapes(in...)
	if !ok {
		return nil, fmt.Errorf("%w: cannot broadcast %v", ErrShape, in)
	}
	return s, nil
}

func (whereOp) Kernel(spec KernelSpec) (Kernel, error) {
	out := spec.Out
	if n := out.Size(); spec.In[0].Size() == n && spec.In[1].Size() == n && spec.In[2].Size() == n {
		return KernelFunc(func(z []float64, in [][]float64) error {
			if len(z) < vecMin {
				c, a, b := in[0][:len(z)], in[1][:len(z)], in[2][:len(z)]
				for i, ci := range c {
					if ci != 0 {
						z[i] = a[i]
					} else {
						z[i] = b[i]
					}
				}
				return nil
			}
			vmath.Where(z, in[0], in[1], in[2])
			return nil
		}), nil
	}
	r := newRows(out, out.strides(), broadcastStrides(spec.In[0], out),
		broadcastStrides(spec.In[1], out), broadcastStrides(spec.In[2], out))
	n, _ := r.inner(0)
	_, sc := r.inner(1)
	_, sa := r.inner(2)
	_, sb := r.inner(3)
	var c, a, b, z []float64
	row := func(off []int) {
		for k := 0; k < n; k++ {
			if c[off[1]+k*sc] != 0 {
				z[off[0]+k] = a[off[2]+k*sa]
			} else {
				z[off[0]+k] = b[off[3]+k*sb]
			}
		}
	}
	return KernelFunc(func(outBuf []float64, in [][]float64) error {
		c, a, b, z = in[0], in[1], in[2], outBuf
		r.each(row)
		return nil
	}), nil
}

func (whereOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	zero := g.ZerosLike(gout)
	return []*Node{nil,
		g.SumTo(g.Where(in[0], gout, zero), in[1].shape),
		g.SumTo(g.Where(in[0], zero, gout), in[2].shape)}
}

// index converts an index held as a float64 and reports whether it is a
// whole number in [0, n) (NaN and ±Inf are not).
func index(v float64, n int) (int, bool) {
	i := int(v)
	return i, float64(i) == v && uint(i) < uint(n)
}

// Elementwise is true: with its operands expanded, where picks element by
// element.
func (whereOp) Elementwise() bool { return true }

// Where returns a where cond is non-zero and b elsewhere, with broadcasting.
// No gradient flows into cond.
func (g *Graph) Where(cond, a, b *Node) *Node { return g.call("Where", whereOp{}, cond, a, b) }

// Clamp limits x to [lo, hi]; the gradient is passed where lo ≤ x ≤ hi.
// Use math.Inf for a one-sided clamp.
func (g *Graph) Clamp(x *Node, lo, hi float64) *Node {
	if !g.args("Clamp", x) {
		return g.invalid()
	}
	if math.IsNaN(lo) || math.IsNaN(hi) || lo > hi {
		return g.fail(fmt.Errorf("%w: clamp: bounds [%v, %v]", ErrArgument, lo, hi))
	}
	y := x
	if !math.IsInf(lo, -1) {
		y = g.Maximum(y, g.Scalar(lo))
	}
	if !math.IsInf(hi, 1) {
		y = g.Minimum(y, g.Scalar(hi))
	}
	return y
}

// takeOp selects entries along an axis by integer indices held in a node
// (NumPy's take): out shape = x[:axis] + idx + x[axis+1:].
type takeOp struct{ axis int }

func (o takeOp) String() string     { return fmt.Sprintf("take(%d)", o.axis) }
func (o takeOp) nonDiff(i int) bool { return i == 1 }

func (o takeOp) Shape(in []Shape) (Shape, error) {
	x, idx := in[0], in[1]
	out := append(append(x[:o.axis:o.axis], idx...), x[o.axis+1:]...)
	return out.Clone(), nil
}

func (o takeOp) Kernel(spec KernelSpec) (Kernel, error) {
	outer, n, inner := blocks(spec.In[0], o.axis)
	m := spec.In[1].Size()
	ix := newIndexCache(spec, 1, m)
	return KernelFunc(func(out []float64, in [][]float64) error {
		x := in[0]
		idx, err := ix.get(in[1], n, "take")
		if err != nil {
			return err
		}
		if inner == 1 { // one value per index: a plain gather
			for b := 0; b < outer; b++ {
				xb, ob := x[b*n:(b+1)*n], out[b*m:(b+1)*m]
				for j, i := range idx {
					ob[j] = xb[i]
				}
			}
			return nil
		}
		for b := 0; b < outer; b++ {
			for j, i := range idx {
				src := (b*n + int(i)) * inner
				dst := (b*m + j) * inner
				copy(out[dst:dst+inner], x[src:src+inner])
			}
		}
		return nil
	}), nil
}

// indexCache turns indices held as float64 into ints, checking each is a
// whole number in range: on every run, or once when the indices are
// constant (group labels of data, as a varying-intercept model has).
type indexCache struct {
	ints  []int32
	fixed bool // the indices never change
	ready bool
}

func newIndexCache(spec KernelSpec, input, m int) *indexCache {
	return &indexCache{ints: make([]int32, m), fixed: spec.Const != nil && spec.Const[input]}
}

func (c *indexCache) get(v []float64, n int, op string) ([]int32, error) {
	if c.fixed && c.ready {
		return c.ints, nil
	}
	for j, x := range v {
		i, ok := index(x, n)
		if !ok {
			return nil, fmt.Errorf("%w: %s: index %v at %d out of range [0, %d)", ErrArgument, op, x, j, n)
		}
		c.ints[j] = int32(i)
	}
	c.ready = true
	return c.ints, nil
}

func (o takeOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	return []*Node{g.Apply(scatterAddOp{axis: o.axis, size: in[0].shape[o.axis], idxRank: len(in[1].shape)}, gout, in[1]), nil}
}

// scatterAddOp is the adjoint of takeOp: it adds slices of its first input
// into a zero tensor at the indexed positions.
type scatterAddOp struct{ axis, size, idxRank int }

func (o scatterAddOp) String() string {
	return fmt.Sprintf("scatter_add(%d,%d,%d)", o.axis, o.size, o.idxRank)
}
func (o scatterAddOp) nonDiff(i int) bool { return i == 1 }

func (o scatterAddOp) Shape(in []Shape) (Shape, error) {
	src := in[0]
	out := append(append(src[:o.axis:o.axis], o.size), src[o.axis+o.idxRank:]...)
	return out.Clone(), nil
}

func (o scatterAddOp) Kernel(spec KernelSpec) (Kernel, error) {
	outer, n, inner := blocks(spec.Out, o.axis)
	m := spec.In[1].Size()
	ix := newIndexCache(spec, 1, m)
	return KernelFunc(func(out []float64, in [][]float64) error {
		src := in[0]
		idx, err := ix.get(in[1], n, "scatter_add")
		if err != nil {
			return err
		}
		clear(out)
		for b := 0; b < outer; b++ {
			if inner == 1 {
				sb, ob := src[b*m:(b+1)*m], out[b*n:(b+1)*n]
				for j, i := range idx {
					ob[i] += sb[j]
				}
				continue
			}
			for j, i := range idx {
				dst := (b*n + int(i)) * inner
				s := (b*m + j) * inner
				for k := 0; k < inner; k++ {
					out[dst+k] += src[s+k]
				}
			}
		}
		return nil
	}), nil
}

func (o scatterAddOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	return []*Node{g.Take(gout, o.axis, in[1]), nil}
}

// Take selects entries of x along axis at the integer positions held in idx
// (any shape; values are whole numbers stored as float64). The result has
// shape x[:axis] + idx + x[axis+1:]. Indices out of range are a run-time
// error. The gradient with respect to x adds back into the taken positions.
func (g *Graph) Take(x *Node, axis int, idx *Node) *Node {
	if !g.args("Take", x) || !g.argsAt("Take", 3, idx) {
		return g.invalid()
	}
	a, ok := normAxis(axis, len(x.shape))
	if !ok {
		return g.fail(fmt.Errorf("%w: take: axis %d for shape %v", ErrArgument, axis, x.shape))
	}
	return g.Apply(takeOp{axis: a}, x, idx)
}

// diagOp extracts the diagonal of the trailing matrices.
type diagOp struct{}

func (diagOp) String() string { return "diag" }

func (diagOp) Shape(in []Shape) (Shape, error) {
	s := in[0]
	if len(s) < 2 || s[len(s)-1] != s[len(s)-2] {
		return nil, fmt.Errorf("%w: diag needs square trailing matrices, got %v", ErrShape, s)
	}
	return s[:len(s)-1].Clone(), nil
}

func (diagOp) Kernel(spec KernelSpec) (Kernel, error) {
	n := spec.Out[len(spec.Out)-1]
	return KernelFunc(func(out []float64, in [][]float64) error {
		for b := 0; b < len(out)/n; b++ {
			for i := 0; i < n; i++ {
				out[b*n+i] = in[0][b*n*n+i*n+i]
			}
		}
		return nil
	}), nil
}

func (diagOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	return []*Node{g.DiagEmbed(gout)}
}

// Diag returns the diagonals [..., N] of the matrices x [..., N, N].
func (g *Graph) Diag(x *Node) *Node { return g.call("Diag", diagOp{}, x) }

// diagEmbedOp builds diagonal matrices from vectors.
type diagEmbedOp struct{}

func (diagEmbedOp) String() string { return "diag_embed" }

func (diagEmbedOp) Shape(in []Shape) (Shape, error) {
	s := in[0]
	if len(s) < 1 {
		return nil, fmt.Errorf("%w: diag_embed needs rank ≥ 1", ErrShape)
	}
	return append(s.Clone(), s[len(s)-1]), nil
}

func (diagEmbedOp) Kernel(spec KernelSpec) (Kernel, error) {
	n := spec.In[0][len(spec.In[0])-1]
	return KernelFunc(func(out []float64, in [][]float64) error {
		clear(out)
		for b := 0; b < len(in[0])/n; b++ {
			for i := 0; i < n; i++ {
				out[b*n*n+i*n+i] = in[0][b*n+i]
			}
		}
		return nil
	}), nil
}

func (diagEmbedOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	return []*Node{g.Diag(gout)}
}

// DiagEmbed returns matrices [..., N, N] with v [..., N] on the diagonal.
func (g *Graph) DiagEmbed(v *Node) *Node { return g.call("DiagEmbed", diagEmbedOp{}, v) }

// Eye returns the N×N identity as a constant.
func (g *Graph) Eye(n int) *Node {
	if !g.check("eye") {
		return &Node{g: g}
	}
	if n <= 0 {
		return g.fail(fmt.Errorf("%w: eye: size %d", ErrArgument, n))
	}
	if (Shape{n, n}).tooLarge() {
		return g.fail(fmt.Errorf("%w: eye: size %d holds more than %d elements", ErrArgument, n, MaxElements))
	}
	v := make([]float64, n*n)
	for i := 0; i < n; i++ {
		v[i*n+i] = 1
	}
	return g.Constant(v, n, n)
}
