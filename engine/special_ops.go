package engine

import "fmt"

// binaryFn is an element-wise function of two broadcast operands whose
// partial derivatives are graph expressions (so they differentiate again).
type binaryFn struct {
	name string
	f    func(a, b float64) float64
	// grad returns ∂out/∂a and ∂out/∂b; each may have any shape that
	// broadcasts to out's.
	grad func(g *Graph, a, b, out *Node) (da, db *Node)
}

// binaryFnOp applies a binaryFn with NumPy broadcasting.
type binaryFnOp struct{ fn *binaryFn }

func (o binaryFnOp) String() string { return o.fn.name }

func (o binaryFnOp) Shape(in []Shape) (Shape, error) {
	s, ok := BroadcastShapes(in[0], in[1])
	if !ok {
		return nil, fmt.Errorf("%w: cannot broadcast %v with %v", ErrShape, in[0], in[1])
	}
	return s, nil
}

func (o binaryFnOp) Kernel(spec KernelSpec) (Kernel, error) {
	return broadcastKernel(spec.In[0], spec.In[1], spec.Out, o.fn.f), nil
}

func (o binaryFnOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	a, b := in[0], in[1]
	da, db := o.fn.grad(g, a, b, out)
	return []*Node{g.SumTo(g.Mul(gout, da), a.shape), g.SumTo(g.Mul(gout, db), b.shape)}
}

// broadcastKernel computes out = f(a, b) element-wise with NumPy broadcasting;
// equal shapes and scalar operands skip the stride walk.
func broadcastKernel(a, b, out Shape, f func(a, b float64) float64) Kernel {
	switch {
	case a.Size() == out.Size() && b.Size() == out.Size():
		return KernelFunc(func(out []float64, in [][]float64) error {
			x, y := in[0], in[1][:len(in[0])]
			for i := range x {
				out[i] = f(x[i], y[i])
			}
			return nil
		})
	case b.Size() == 1:
		return KernelFunc(func(out []float64, in [][]float64) error {
			y := in[1][0]
			for i, x := range in[0] {
				out[i] = f(x, y)
			}
			return nil
		})
	case a.Size() == 1:
		return KernelFunc(func(out []float64, in [][]float64) error {
			x := in[0][0]
			for i, y := range in[1] {
				out[i] = f(x, y)
			}
			return nil
		})
	}
	r := newRows(out, out.strides(), broadcastStrides(a, out), broadcastStrides(b, out))
	n, _ := r.inner(0)
	_, sa := r.inner(1)
	_, sb := r.inner(2)
	var x, y, z []float64
	row := func(off []int) {
		o, ia, ib := off[0], off[1], off[2]
		for k := 0; k < n; k++ {
			z[o+k] = f(x[ia+k*sa], y[ib+k*sb])
		}
	}
	return KernelFunc(func(out []float64, in [][]float64) error {
		x, y, z = in[0], in[1], out
		r.each(row)
		return nil
	})
}

// The binary functions; assigned in init because their gradients refer to the
// graph methods that refer to them.
var fnXlogy, fnLogAddExp, fnLbeta *binaryFn

func init() {
	fnXlogy = &binaryFn{name: "xlogy", f: Xlogy,
		grad: func(g *Graph, x, y, out *Node) (*Node, *Node) {
			// Where x == 0 the value is 0 for every y, so ∂/∂y is exactly 0
			// there; ∂/∂x (log y) is taken as 0 too, as PyTorch does, so that
			// xlogy(0, 0) has a finite gradient.
			isZero := g.Equal(x, g.Scalar(0))
			nonZero := g.Sub(g.Scalar(1), isZero)
			dx := g.Xlogy(nonZero, y)
			dy := g.Where(isZero, g.Scalar(0), g.Div(x, y))
			return dx, dy
		}}
	fnLogAddExp = &binaryFn{name: "logaddexp", f: LogAddExp,
		grad: func(g *Graph, a, b, out *Node) (*Node, *Node) {
			return g.Exp(g.Sub(a, out)), g.Exp(g.Sub(b, out))
		}}
	fnLbeta = &binaryFn{name: "lbeta", f: Lbeta,
		grad: func(g *Graph, a, b, out *Node) (*Node, *Node) {
			dab := g.Digamma(g.Add(a, b))
			return g.Sub(g.Digamma(a), dab), g.Sub(g.Digamma(b), dab)
		}}
}

// Xlogy returns x·log y with broadcasting, and 0 where x == 0 (see the
// scalar Xlogy). Where x == 0 both partial derivatives are taken as 0.
func (g *Graph) Xlogy(x, y *Node) *Node { return g.call("Xlogy", binaryFnOp{fnXlogy}, x, y) }

// LogAddExp returns log(eᵃ + eᵇ) with broadcasting, without overflow. Its
// gradient is NaN where a = b = −Inf.
func (g *Graph) LogAddExp(a, b *Node) *Node {
	return g.call("LogAddExp", binaryFnOp{fnLogAddExp}, a, b)
}

// Lbeta returns log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a+b) with
// broadcasting, accurate for large arguments (see the scalar Lbeta). The
// gradient is ψ(a) − ψ(a+b) and ψ(b) − ψ(a+b); when one argument is much
// larger than the other, that difference loses relative accuracy (about
// ε·ψ(a+b)/|ψ(a) − ψ(a+b)|).
func (g *Graph) Lbeta(a, b *Node) *Node { return g.call("Lbeta", binaryFnOp{fnLbeta}, a, b) }

// Log1mExp returns log(1 − eˣ) for x ≤ 0, stably (see the scalar Log1mExp).
func (g *Graph) Log1mExp(x *Node) *Node { return g.unary("Log1mExp", fnLog1mExp, x, 0) }

// Ndtr returns Φ(x), the standard normal distribution function.
func (g *Graph) Ndtr(x *Node) *Node { return g.unary("Ndtr", fnNdtr, x, 0) }

// LogNdtr returns log Φ(x), stable for very negative x. Its gradient φ(x)/Φ(x)
// is computed directly, so it stays accurate (≈ −x) far in the left tail.
func (g *Graph) LogNdtr(x *Node) *Node { return g.unary("LogNdtr", fnLogNdtr, x, 0) }

// Elementwise is true, as for binaryOp.
func (o binaryFnOp) Elementwise() bool { return true }
