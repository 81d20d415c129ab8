package engine

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/internal/vmath"
)

type binKind uint8

const (
	binAdd binKind = iota
	binSub
	binMul
	binDiv
	binPow
	binMax
	binMin
	binGreater
	binGreaterEq
	binLess
	binLessEq
	binEqual
)

var binNames = [...]string{"add", "sub", "mul", "div", "pow", "maximum", "minimum",
	"greater", "greater_equal", "less", "less_equal", "equal"}

var binFuncs = [...]func(a, b float64) float64{
	func(a, b float64) float64 { return a + b },
	func(a, b float64) float64 { return a - b },
	func(a, b float64) float64 { return a * b },
	func(a, b float64) float64 { return a / b },
	math.Pow,
	func(a, b float64) float64 {
		if a >= b || math.IsNaN(a) {
			return a
		}
		return b
	},
	func(a, b float64) float64 {
		if a <= b || math.IsNaN(a) {
			return a
		}
		return b
	},
	func(a, b float64) float64 { return b2f(a > b) },
	func(a, b float64) float64 { return b2f(a >= b) },
	func(a, b float64) float64 { return b2f(a < b) },
	func(a, b float64) float64 { return b2f(a <= b) },
	func(a, b float64) float64 { return b2f(a == b) },
}

// vecMin is the length below which the element-wise arithmetic kernels loop
// in Go: a call into internal/vmath costs about as much as a dozen scalar
// operations, and scalar models are made of short vectors. The two give the
// same bits.
const vecMin = 16

// vectorBinary holds the slice versions of the binary ops (pow has none).
var vectorBinary = [...]func(dst, a, b []float64){
	binAdd: vmath.Add, binSub: vmath.Sub, binMul: vmath.Mul, binDiv: vmath.Div,
	binMax: vmath.Max, binMin: vmath.Min, binGreater: vmath.Greater, binGreaterEq: vmath.GreaterEqual,
	binLess: vmath.Less, binLessEq: vmath.LessEqual, binEqual: vmath.Equal,
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// binaryOp is an element-wise op of two operands with NumPy broadcasting.
type binaryOp struct{ kind binKind }

func (o binaryOp) String() string { return binNames[o.kind] }

func (o binaryOp) Shape(in []Shape) (Shape, error) {
	s, ok := BroadcastShapes(in[0], in[1])
	if !ok {
		return nil, fmt.Errorf("%w: cannot broadcast %v with %v", ErrShape, in[0], in[1])
	}
	return s, nil
}

func (o binaryOp) nonDiff(int) bool { return o.kind >= binGreater }

func (o binaryOp) Kernel(spec KernelSpec) (Kernel, error) {
	a, b, out := spec.In[0], spec.In[1], spec.Out
	kind := o.kind
	// The arithmetic ops get loops without a function call per element;
	// everything else goes through the shared broadcasting kernel.
	// Equal shapes run over whole slices, four elements per instruction
	// where the processor allows (internal/vmath, the same bits as the
	// scalar expressions); a scalar second operand of + and × likewise.
	switch {
	case a.Size() == out.Size() && b.Size() == out.Size() && vectorBinary[kind] != nil:
		f, g := vectorBinary[kind], binFuncs[kind]
		return KernelFunc(func(out []float64, in [][]float64) error {
			if len(out) >= vecMin {
				f(out, in[0], in[1])
				return nil
			}
			x, y := in[0][:len(out)], in[1][:len(out)]
			switch kind {
			case binAdd:
				for i := range out {
					out[i] = x[i] + y[i]
				}
			case binSub:
				for i := range out {
					out[i] = x[i] - y[i]
				}
			case binMul:
				for i := range out {
					out[i] = x[i] * y[i]
				}
			case binDiv:
				for i := range out {
					out[i] = x[i] / y[i]
				}
			default:
				for i := range out {
					out[i] = g(x[i], y[i])
				}
			}
			return nil
		}), nil
	case b.Size() == 1 && a.Size() == out.Size() && (kind == binAdd || kind == binMul):
		return KernelFunc(func(out []float64, in [][]float64) error {
			c := in[1][0]
			switch {
			case len(out) < vecMin && kind == binAdd:
				for i, x := range in[0][:len(out)] {
					out[i] = x + c
				}
			case len(out) < vecMin:
				for i, x := range in[0][:len(out)] {
					out[i] = x * c
				}
			case kind == binAdd:
				vmath.Shift(out, in[0], c)
			default:
				vmath.Scale(out, in[0], c)
			}
			return nil
		}), nil
	}
	return broadcastKernel(a, b, out, binFuncs[kind]), nil
}

func (o binaryOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	a, b := in[0], in[1]
	var ga, gb *Node
	switch o.kind {
	case binAdd:
		ga, gb = gout, gout
	case binSub:
		ga, gb = gout, g.Neg(gout)
	case binMul:
		ga, gb = g.Mul(gout, b), g.Mul(gout, a)
	case binDiv:
		ga = g.Div(gout, b)
		gb = g.Neg(g.Mul(ga, out))
	case binPow:
		ga = g.Mul(gout, g.Mul(b, g.Pow(a, g.AddScalar(b, -1))))
		gb = g.Mul(gout, g.Mul(out, g.Log(a)))
	case binMax:
		ga = g.Mul(gout, g.GreaterEqual(a, b))
		gb = g.Mul(gout, g.Less(a, b))
	case binMin:
		ga = g.Mul(gout, g.LessEqual(a, b))
		gb = g.Mul(gout, g.Greater(a, b))
	default:
		return []*Node{nil, nil}
	}
	return []*Node{g.SumTo(ga, a.shape), g.SumTo(gb, b.shape)}
}

// binary is the Graph method named method: the element-wise op k.
func (g *Graph) binary(method string, k binKind, a, b *Node) *Node {
	return g.call(method, binaryOp{kind: k}, a, b)
}

// Add returns a + b with broadcasting.
func (g *Graph) Add(a, b *Node) *Node { return g.binary("Add", binAdd, a, b) }

// Sub returns a − b with broadcasting.
func (g *Graph) Sub(a, b *Node) *Node { return g.binary("Sub", binSub, a, b) }

// Mul returns the element-wise product a·b with broadcasting.
func (g *Graph) Mul(a, b *Node) *Node { return g.binary("Mul", binMul, a, b) }

// Div returns a / b with broadcasting.
func (g *Graph) Div(a, b *Node) *Node { return g.binary("Div", binDiv, a, b) }

// Pow returns a^b with broadcasting. The gradient in b uses log a, so it is
// finite only where a > 0.
func (g *Graph) Pow(a, b *Node) *Node { return g.binary("Pow", binPow, a, b) }

// Maximum returns the element-wise maximum; ties send the gradient to a.
func (g *Graph) Maximum(a, b *Node) *Node { return g.binary("Maximum", binMax, a, b) }

// Minimum returns the element-wise minimum; ties send the gradient to a.
func (g *Graph) Minimum(a, b *Node) *Node { return g.binary("Minimum", binMin, a, b) }

// Greater returns 1 where a > b and 0 elsewhere (not differentiable).
func (g *Graph) Greater(a, b *Node) *Node { return g.binary("Greater", binGreater, a, b) }

// GreaterEqual returns 1 where a ≥ b and 0 elsewhere (not differentiable).
func (g *Graph) GreaterEqual(a, b *Node) *Node { return g.binary("GreaterEqual", binGreaterEq, a, b) }

// Less returns 1 where a < b and 0 elsewhere (not differentiable).
func (g *Graph) Less(a, b *Node) *Node { return g.binary("Less", binLess, a, b) }

// LessEqual returns 1 where a ≤ b and 0 elsewhere (not differentiable).
func (g *Graph) LessEqual(a, b *Node) *Node { return g.binary("LessEqual", binLessEq, a, b) }

// Equal returns 1 where a == b and 0 elsewhere (not differentiable).
func (g *Graph) Equal(a, b *Node) *Node { return g.binary("Equal", binEqual, a, b) }

// Elementwise is true: with broadcast operands expanded, element i of the
// result depends on element i of each operand.
func (o binaryOp) Elementwise() bool { return true }
