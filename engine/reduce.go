package engine

import (
	"fmt"
	"math"
	"slices"
)

type redKind uint8

const (
	redSum redKind = iota
	redMean
	redMax
	redMin
	redLSE
)

var redNames = [...]string{"sum", "mean", "max", "min", "logsumexp"}

// reduceOp reduces over a sorted set of axes, dropping them.
type reduceOp struct {
	kind redKind
	axes []int
}

func (o reduceOp) String() string { return fmt.Sprintf("%s%v", redNames[o.kind], o.axes) }

func keepShape(in Shape, axes []int) Shape {
	k := in.Clone()
	for _, a := range axes {
		k[a] = 1
	}
	return k
}

func dropAxes(in Shape, axes []int) Shape {
	out := Shape{}
	for i, d := range in {
		if !slices.Contains(axes, i) {
			out = append(out, d)
		}
	}
	return out
}

func (o reduceOp) Shape(in []Shape) (Shape, error) {
	for _, a := range o.axes {
		if a >= len(in[0]) {
			return nil, fmt.Errorf("%w: axis %d out of range for rank %d", ErrArgument, a, len(in[0]))
		}
	}
	return dropAxes(in[0], o.axes), nil
}

func (o reduceOp) Kernel(spec KernelSpec) (Kernel, error) {
	in := spec.In[0]
	count := float64(in.Size() / max(spec.Out.Size(), 1))
	// Iterate over the input; the output is read through strides that are 0
	// along reduced axes.
	r := newRows(in, in.strides(), broadcastStrides(keepShape(in, o.axes), in))
	n, _ := r.inner(0)
	_, so := r.inner(1)
	var x, z []float64
	kind := o.kind
	// maxFind keeps in z the largest element (or a NaN) of each output's
	// inputs: Max's accumulation and logsumexp's first pass.
	maxFind := func(off []int) {
		i, j := off[0], off[1]
		for k := 0; k < n; k++ {
			if v := x[i+k]; v > z[j+k*so] || math.IsNaN(v) {
				z[j+k*so] = v
			}
		}
	}
	var accumulate func(off []int)
	switch kind {
	case redSum, redMean, redLSE:
		accumulate = func(off []int) { addRow(z, x, off[0], off[1], n, so) }
	case redMax:
		accumulate = maxFind
	case redMin:
		accumulate = func(off []int) {
			i, j := off[0], off[1]
			for k := 0; k < n; k++ {
				if v := x[i+k]; v < z[j+k*so] || math.IsNaN(v) {
					z[j+k*so] = v
				}
			}
		}
	}
	// logsumexp: max first, then the sum of exp(x − max) into scratch.
	var maxes []float64
	var sumExp func(off []int)
	if kind == redLSE {
		maxes = make([]float64, spec.Out.Size())
		sumExp = func(off []int) {
			i, j := off[0], off[1]
			for k := 0; k < n; k++ {
				m := maxes[j+k*so]
				if !math.IsInf(m, 0) {
					z[j+k*so] += math.Exp(x[i+k] - m)
				}
			}
		}
	}
	return KernelFunc(func(out []float64, ins [][]float64) error {
		x = ins[0]
		switch kind {
		case redSum, redMean:
			z = out
			clear(out)
			r.each(accumulate)
			if kind == redMean {
				for i := range out {
					out[i] /= count
				}
			}
		case redMax, redMin:
			z = out
			init := math.Inf(-1)
			if kind == redMin {
				init = math.Inf(1)
			}
			for i := range out {
				out[i] = init
			}
			r.each(accumulate)
		case redLSE:
			z = maxes
			for i := range maxes {
				maxes[i] = math.Inf(-1)
			}
			r.each(maxFind)
			z = out
			clear(out)
			r.each(sumExp)
			for i, m := range maxes {
				if math.IsInf(m, 0) || math.IsNaN(m) {
					out[i] = m // all −Inf gives −Inf; any +Inf gives +Inf
					continue
				}
				out[i] = m + math.Log(out[i])
			}
		}
		return nil
	}), nil
}

// addRow adds the n elements of x from i into z from j with stride so; with
// so 0 it adds their sum (rowSum) to z[j].
func addRow(z, x []float64, i, j, n, so int) {
	if so == 0 {
		var lanes lanes4
		addLanes(&lanes, x[i:i+n], 0)
		z[j] += lanes.sum()
		return
	}
	for k := 0; k < n; k++ {
		z[j+k*so] += x[i+k]
	}
}

func (o reduceOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	x := in[0]
	keep := keepShape(x.shape, o.axes)
	gk := g.BroadcastTo(g.Reshape(gout, keep...), x.shape...)
	switch o.kind {
	case redSum:
		return []*Node{gk}
	case redMean:
		return []*Node{g.Scale(gk, float64(out.shape.Size())/float64(x.shape.Size()))}
	case redLSE:
		return []*Node{g.Mul(gk, g.Exp(g.Sub(x, g.Reshape(out, keep...))))}
	default: // max, min: split the gradient evenly between tied extremes
		mask := g.Equal(x, g.Reshape(out, keep...))
		count := g.Reshape(g.Sum(mask, o.axes...), keep...)
		return []*Node{g.Div(g.Mul(gk, mask), count)}
	}
}

// reduce is the Graph method named method: the reduction k over axes.
func (g *Graph) reduce(method string, k redKind, x *Node, axes []int) *Node {
	if !g.args(method, x) {
		return g.invalid()
	}
	ax, ok := normAxes(axes, len(x.shape))
	if !ok {
		return g.fail(fmt.Errorf("%w: %s: axes %v invalid for shape %v", ErrArgument, redNames[k], axes, x.shape))
	}
	if len(ax) == 0 { // reducing a scalar over no axes is the identity
		return x
	}
	return g.Apply(reduceOp{kind: k, axes: ax}, x)
}

// Sum sums over the given axes (all axes when none are given), dropping them.
// Negative axes count from the end.
func (g *Graph) Sum(x *Node, axes ...int) *Node { return g.reduce("Sum", redSum, x, axes) }

// Mean averages over the given axes (all when none are given).
func (g *Graph) Mean(x *Node, axes ...int) *Node { return g.reduce("Mean", redMean, x, axes) }

// Max takes the maximum over the given axes (all when none are given).
func (g *Graph) Max(x *Node, axes ...int) *Node { return g.reduce("Max", redMax, x, axes) }

// Min takes the minimum over the given axes (all when none are given).
func (g *Graph) Min(x *Node, axes ...int) *Node { return g.reduce("Min", redMin, x, axes) }

// LogSumExp computes log Σ exp(x) over the given axes (all when none are
// given), stably: the maximum is subtracted before exponentiating.
func (g *Graph) LogSumExp(x *Node, axes ...int) *Node { return g.reduce("LogSumExp", redLSE, x, axes) }

// SoftMax normalizes exp(x) along one axis.
func (g *Graph) SoftMax(x *Node, axis int) *Node {
	if !g.args("SoftMax", x) {
		return g.invalid()
	}
	return g.Exp(g.LogSoftMax(x, axis))
}

// LogSoftMax returns x − logsumexp(x) along one axis.
func (g *Graph) LogSoftMax(x *Node, axis int) *Node {
	if !g.args("LogSoftMax", x) {
		return g.invalid()
	}
	a, ok := normAxis(axis, len(x.shape))
	if !ok {
		return g.fail(fmt.Errorf("%w: logsoftmax: axis %d invalid for shape %v", ErrArgument, axis, x.shape))
	}
	return g.Sub(x, g.Reshape(g.LogSumExp(x, a), keepShape(x.shape, []int{a})...))
}

// sumToOp sums a tensor down to a shape that broadcasts to it: the reverse
// of broadcasting, used for gradients.
type sumToOp struct{ to Shape }

func (o sumToOp) String() string { return fmt.Sprintf("sum_to%v", o.to) }

func (o sumToOp) Shape(in []Shape) (Shape, error) {
	if s, ok := BroadcastShapes(o.to, in[0]); !ok || !s.Equal(in[0]) {
		return nil, fmt.Errorf("%w: %v does not broadcast to %v", ErrShape, o.to, in[0])
	}
	return o.to.Clone(), nil
}

func (o sumToOp) Kernel(spec KernelSpec) (Kernel, error) {
	in := spec.In[0]
	r := newRows(in, in.strides(), broadcastStrides(o.to, in))
	n, _ := r.inner(0)
	_, so := r.inner(1)
	var x, z []float64
	row := func(off []int) { addRow(z, x, off[0], off[1], n, so) }
	return KernelFunc(func(out []float64, ins [][]float64) error {
		x, z = ins[0], out
		clear(out)
		r.each(row)
		return nil
	}), nil
}

func (o sumToOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	return []*Node{g.BroadcastTo(gout, in[0].shape...)}
}

// SumTo sums x over its broadcast dimensions so that the result has the given
// shape, which must broadcast to x's shape. It returns x itself when the shapes
// are equal.
func (g *Graph) SumTo(x *Node, shape Shape) *Node {
	if !g.args("SumTo", x) {
		return g.invalid()
	}
	if x.shape.Equal(shape) {
		return x
	}
	return g.Apply(sumToOp{to: shape.Clone()}, x)
}

// Expand is BroadcastTo under Pyro's name.
func (g *Graph) Expand(x *Node, shape ...int) *Node {
	if !g.args("Expand", x) {
		return g.invalid()
	}
	return g.BroadcastTo(x, shape...)
}

// broadcastOp expands a tensor to a larger shape by NumPy broadcasting.
type broadcastOp struct{ to Shape }

func (o broadcastOp) String() string { return fmt.Sprintf("broadcast_to%v", o.to) }

func (o broadcastOp) Shape(in []Shape) (Shape, error) {
	if s, ok := BroadcastShapes(in[0], o.to); !ok || !s.Equal(o.to) {
		return nil, fmt.Errorf("%w: %v does not broadcast to %v", ErrShape, in[0], o.to)
	}
	return o.to.Clone(), nil
}

func (o broadcastOp) Kernel(spec KernelSpec) (Kernel, error) {
	in, out := spec.In[0], spec.Out
	if in.Size() == 1 {
		return KernelFunc(func(out []float64, ins [][]float64) error {
			v := ins[0][0]
			for i := range out {
				out[i] = v
			}
			return nil
		}), nil
	}
	r := newRows(out, out.strides(), broadcastStrides(in, out))
	n, _ := r.inner(0)
	_, si := r.inner(1)
	var x, z []float64
	row := func(off []int) {
		o, i := off[0], off[1]
		for k := 0; k < n; k++ {
			z[o+k] = x[i+k*si]
		}
	}
	return KernelFunc(func(out []float64, ins [][]float64) error {
		x, z = ins[0], out
		r.each(row)
		return nil
	}), nil
}

func (o broadcastOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	return []*Node{g.SumTo(gout, in[0].shape)}
}

// BroadcastTo expands x to shape by NumPy broadcasting (Pyro's expand). It
// returns x itself when the shapes are equal.
func (g *Graph) BroadcastTo(x *Node, shape ...int) *Node {
	if !g.args("BroadcastTo", x) {
		return g.invalid()
	}
	if x.shape.Equal(shape) {
		return x
	}
	return g.Apply(broadcastOp{to: Shape(shape).Clone()}, x)
}

// lanes4 holds the running sums of a row's elements by position modulo 4.
// A row is summed in four interleaved parts, combined as (l₀ + l₁) + (l₂ + l₃):
// four independent additions per step instead of one long chain, and the
// same order however the row is cut into pieces (fused loops add a row tile
// by tile), so every sum of a row gives the same bits.
type lanes4 [4]float64

// sum combines the lanes.
func (l *lanes4) sum() float64 { return (l[0] + l[1]) + (l[2] + l[3]) }

// addLanes adds v, whose first element is at position off of its row, to
// the lane sums.
func addLanes(l *lanes4, v []float64, off int) {
	i := 0
	for ; i < len(v) && (off+i)&3 != 0; i++ {
		l[(off+i)&3] += v[i]
	}
	a0, a1, a2, a3 := l[0], l[1], l[2], l[3]
	for ; i+4 <= len(v); i += 4 {
		w := v[i : i+4 : i+4]
		a0 += w[0]
		a1 += w[1]
		a2 += w[2]
		a3 += w[3]
	}
	l[0], l[1], l[2], l[3] = a0, a1, a2, a3
	for ; i < len(v); i++ {
		l[(off+i)&3] += v[i]
	}
}
