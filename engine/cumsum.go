package engine

import "fmt"

// cumsumOp is the inclusive cumulative sum along an axis, optionally reversed
// (summing from the end).
type cumsumOp struct {
	axis    int
	reverse bool
}

func (o cumsumOp) String() string { return fmt.Sprintf("cumsum(%d,%t)", o.axis, o.reverse) }

func (o cumsumOp) Shape(in []Shape) (Shape, error) { return in[0].Clone(), nil }

func (o cumsumOp) Kernel(spec KernelSpec) (Kernel, error) {
	outer, n, inner := blocks(spec.In[0], o.axis)
	return KernelFunc(func(out []float64, in [][]float64) error {
		x := in[0]
		for b := 0; b < outer; b++ {
			for k := 0; k < inner; k++ {
				s := 0.0
				for j := 0; j < n; j++ {
					jj := j
					if o.reverse {
						jj = n - 1 - j
					}
					i := (b*n+jj)*inner + k
					s += x[i]
					out[i] = s
				}
			}
		}
		return nil
	}), nil
}

func (o cumsumOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	return []*Node{g.Apply(cumsumOp{axis: o.axis, reverse: !o.reverse}, gout)}
}

// Cumsum returns the inclusive cumulative sum of x along axis.
func (g *Graph) Cumsum(x *Node, axis int) *Node {
	if !g.args("Cumsum", x) {
		return g.invalid()
	}
	a, ok := normAxis(axis, len(x.shape))
	if !ok {
		return g.fail(fmt.Errorf("%w: cumsum: axis %d for shape %v", ErrArgument, axis, x.shape))
	}
	return g.Apply(cumsumOp{axis: a}, x)
}
