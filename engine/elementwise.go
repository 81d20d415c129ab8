package engine

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/internal/vmath"
)

// unaryFn describes an element-wise function: its value and its derivative
// expressed with graph ops (so gradients are themselves differentiable).
type unaryFn struct {
	name string
	f    func(x, c float64) float64
	// grad returns d out/d x given x, out and the op's parameter.
	grad func(g *Graph, x, y *Node, c float64) *Node
}

type unaryOp struct {
	fn *unaryFn
	c  float64 // parameter (scale factor, shift, polygamma order)
}

func (o unaryOp) String() string {
	if o.fn == fnScale || o.fn == fnShift || o.fn == fnPolygamma || o.fn == fnPowC {
		return fmt.Sprintf("%s(%v)", o.fn.name, o.c)
	}
	return o.fn.name
}

func (o unaryOp) Shape(in []Shape) (Shape, error) { return in[0].Clone(), nil }

func (o unaryOp) Kernel(KernelSpec) (Kernel, error) {
	f, c := o.fn.f, o.c
	// The arithmetic and the transcendental functions run over whole
	// slices, four elements per instruction where the processor allows
	// (internal/vmath); the others element by element.
	// Short vectors of the exact arithmetic loop in Go (the same bits, less
	// call overhead; see vecMin).
	exact := o.fn == fnScale || o.fn == fnShift || exactUnary[o.fn.name]
	scalar := KernelFunc(func(out []float64, in [][]float64) error {
		for i, x := range in[0][:len(out)] {
			out[i] = f(x, c)
		}
		return nil
	})
	switch o.fn {
	case fnScale:
		return KernelFunc(func(out []float64, in [][]float64) error {
			if len(out) < vecMin {
				return scalar(out, in)
			}
			vmath.Scale(out, in[0], c)
			return nil
		}), nil
	case fnShift:
		return KernelFunc(func(out []float64, in [][]float64) error {
			if len(out) < vecMin {
				return scalar(out, in)
			}
			vmath.Shift(out, in[0], c)
			return nil
		}), nil
	}
	if v := vectorized[o.fn.name]; v != nil {
		return KernelFunc(func(out []float64, in [][]float64) error {
			if exact && len(out) < vecMin {
				return scalar(out, in)
			}
			v(out, in[0])
			return nil
		}), nil
	}
	return KernelFunc(func(out []float64, in [][]float64) error {
		for i, x := range in[0] {
			out[i] = f(x, c)
		}
		return nil
	}), nil
}

func (o unaryOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	if o.fn.grad == nil {
		return []*Node{nil}
	}
	return []*Node{g.Mul(gout, o.fn.grad(g, in[0], out, o.c))}
}

func (o unaryOp) nonDiff(int) bool { return o.fn.grad == nil }

// The element-wise functions; assigned in init because their gradients
// refer to each other.
var fnNeg, fnScale, fnShift, fnExp, fnLog, fnLog1p, fnExpm1, fnSqrt, fnSquare, fnPowC, fnReciprocal, fnAbs, fnSign, fnTanh, fnSigmoid, fnSoftplus, fnLogSigmoid, fnSin, fnCos, fnErf, fnLgamma, fnDigamma, fnPolygamma, fnLog1mExp, fnNdtr, fnLogNdtr, fnNdtrRatio *unaryFn

func init() {
	fnNeg = &unaryFn{name: "neg", f: func(x, _ float64) float64 { return -x },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Fill(-1, x.shape...) }}
	fnScale = &unaryFn{name: "scale", f: func(x, c float64) float64 { return c * x },
		grad: func(g *Graph, x, y *Node, c float64) *Node { return g.Fill(c, x.shape...) }}
	fnShift = &unaryFn{name: "shift", f: func(x, c float64) float64 { return x + c },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Fill(1, x.shape...) }}
	fnExp = &unaryFn{name: "exp", f: func(x, _ float64) float64 { return math.Exp(x) },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return y }}
	fnLog = &unaryFn{name: "log", f: func(x, _ float64) float64 { return math.Log(x) },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Reciprocal(x) }}
	fnLog1p = &unaryFn{name: "log1p", f: func(x, _ float64) float64 { return math.Log1p(x) },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Reciprocal(g.AddScalar(x, 1)) }}
	fnExpm1 = &unaryFn{name: "expm1", f: func(x, _ float64) float64 { return math.Expm1(x) },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Exp(x) }}
	fnSqrt = &unaryFn{name: "sqrt", f: func(x, _ float64) float64 { return math.Sqrt(x) },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Reciprocal(g.Scale(y, 2)) }}
	fnSquare = &unaryFn{name: "square", f: func(x, _ float64) float64 { return x * x },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Scale(x, 2) }}
	fnPowC = &unaryFn{name: "powc", f: func(x, c float64) float64 { return math.Pow(x, c) },
		grad: func(g *Graph, x, y *Node, c float64) *Node { return g.Scale(g.PowScalar(x, c-1), c) }}
	fnReciprocal = &unaryFn{name: "reciprocal", f: func(x, _ float64) float64 { return 1 / x },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Neg(g.Square(y)) }}
	fnAbs = &unaryFn{name: "abs", f: func(x, _ float64) float64 { return math.Abs(x) },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Sign(x) }}
	fnSign = &unaryFn{name: "sign", f: func(x, _ float64) float64 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return x // 0 or NaN
	}}
	fnTanh = &unaryFn{name: "tanh", f: func(x, _ float64) float64 { return math.Tanh(x) },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Neg(g.AddScalar(g.Square(y), -1)) }}
	fnSigmoid = &unaryFn{name: "sigmoid", f: func(x, _ float64) float64 { return sigmoid(x) },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Mul(y, g.Neg(g.AddScalar(y, -1))) }}
	fnSoftplus = &unaryFn{name: "softplus", f: func(x, _ float64) float64 { return softplus(x) },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Sigmoid(x) }}
	fnLogSigmoid = &unaryFn{name: "logsigmoid", f: func(x, _ float64) float64 { return -softplus(-x) },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Sigmoid(g.Neg(x)) }}
	fnSin = &unaryFn{name: "sin", f: func(x, _ float64) float64 { return math.Sin(x) },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Cos(x) }}
	fnCos = &unaryFn{name: "cos", f: func(x, _ float64) float64 { return math.Cos(x) },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Neg(g.Sin(x)) }}
	fnErf = &unaryFn{name: "erf", f: func(x, _ float64) float64 { return math.Erf(x) },
		grad: func(g *Graph, x, y *Node, _ float64) *Node {
			return g.Scale(g.Exp(g.Neg(g.Square(x))), 2/math.Sqrt(math.Pi))
		}}
	fnLgamma = &unaryFn{name: "lgamma", f: func(x, _ float64) float64 { v, _ := math.Lgamma(x); return v },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Digamma(x) }}
	fnDigamma = &unaryFn{name: "digamma", f: func(x, _ float64) float64 { return Digamma(x) },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Polygamma(1, x) }}
	fnPolygamma = &unaryFn{name: "polygamma", f: func(x, c float64) float64 { return Polygamma(int(c), x) },
		grad: func(g *Graph, x, y *Node, c float64) *Node { return g.Polygamma(int(c)+1, x) }}
	fnLog1mExp = &unaryFn{name: "log1mexp", f: func(x, _ float64) float64 { return Log1mExp(x) },
		// d/dx log(1 − eˣ) = −1/(e⁻ˣ − 1), finite and accurate for every x < 0
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Neg(g.Reciprocal(g.Expm1(g.Neg(x)))) }}
	fnNdtr = &unaryFn{name: "ndtr", f: func(x, _ float64) float64 { return Ndtr(x) },
		grad: func(g *Graph, x, y *Node, _ float64) *Node {
			return g.Scale(g.Exp(g.Scale(g.Square(x), -0.5)), 1/math.Sqrt(2*math.Pi))
		}}
	fnLogNdtr = &unaryFn{name: "log_ndtr", f: func(x, _ float64) float64 { return LogNdtr(x) },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Apply(unaryOp{fn: fnNdtrRatio}, x) }}
	// φ(x)/Φ(x), whose derivative is −r(x + r)
	fnNdtrRatio = &unaryFn{name: "ndtr_ratio", f: func(x, _ float64) float64 { return ndtrRatio(x) },
		grad: func(g *Graph, x, y *Node, _ float64) *Node { return g.Neg(g.Mul(y, g.Add(x, y))) }}
}

// vectorized maps the unary functions that internal/vmath evaluates over
// slices to its routines: the transcendental ones within 2 ulp of the
// scalar functions above, the arithmetic ones bit for bit.
var vectorized = map[string]func(dst, x []float64){
	"exp": vmath.Exp, "log": vmath.Log, "log1p": vmath.Log1p, "expm1": vmath.Expm1,
	"tanh": vmath.Tanh, "sigmoid": vmath.Sigmoid, "softplus": vmath.Softplus, "logsigmoid": vmath.LogSigmoid,
	"neg": vmath.Neg, "square": vmath.Square, "reciprocal": vmath.Reciprocal, "abs": vmath.Abs, "sqrt": vmath.Sqrt,
}

// exactUnary names the functions whose slice versions give the scalar
// functions' bits (correctly rounded arithmetic).
var exactUnary = map[string]bool{"neg": true, "square": true, "reciprocal": true, "abs": true, "sqrt": true}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// softplus is log(1 + exp(x)) without overflow for large x or loss of
// precision for very negative x.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// unary is the Graph method named method: fn with parameter c applied to x.
func (g *Graph) unary(method string, fn *unaryFn, x *Node, c float64) *Node {
	return g.call(method, unaryOp{fn: fn, c: c}, x)
}

// Neg returns -x.
func (g *Graph) Neg(x *Node) *Node { return g.unary("Neg", fnNeg, x, 0) }

// Scale returns c·x for a constant c.
func (g *Graph) Scale(x *Node, c float64) *Node { return g.unary("Scale", fnScale, x, c) }

// AddScalar returns x + c for a constant c.
func (g *Graph) AddScalar(x *Node, c float64) *Node { return g.unary("AddScalar", fnShift, x, c) }

// PowScalar returns x^c for a constant c.
func (g *Graph) PowScalar(x *Node, c float64) *Node { return g.unary("PowScalar", fnPowC, x, c) }

// Exp returns e^x.
func (g *Graph) Exp(x *Node) *Node { return g.unary("Exp", fnExp, x, 0) }

// Log returns the natural logarithm. The log of an exponential is its
// argument: exact, and finite where the exponential overflows.
func (g *Graph) Log(x *Node) *Node {
	if !g.args("Log", x) {
		return g.invalid()
	}
	if a := x.Exponent(); a != nil && x.g == g {
		return a
	}
	return g.Apply(unaryOp{fn: fnLog}, x)
}

// Log1p returns log(1+x), accurate for small x.
func (g *Graph) Log1p(x *Node) *Node { return g.unary("Log1p", fnLog1p, x, 0) }

// Exponent returns x when n was built as Exp(x), and nil otherwise.
// Distributions with a log link use it to work with x itself: exact, and
// free of the exponential's overflow.
func (n *Node) Exponent() *Node {
	if n == nil || n.kind != KindOp {
		return nil
	}
	if u, ok := n.op.(unaryOp); ok && u.fn == fnExp {
		return n.in[0]
	}
	return nil
}

// Expm1 returns e^x − 1, accurate for small x.
func (g *Graph) Expm1(x *Node) *Node { return g.unary("Expm1", fnExpm1, x, 0) }

// Sqrt returns the square root.
func (g *Graph) Sqrt(x *Node) *Node { return g.unary("Sqrt", fnSqrt, x, 0) }

// Square returns x².
func (g *Graph) Square(x *Node) *Node { return g.unary("Square", fnSquare, x, 0) }

// Reciprocal returns 1/x.
func (g *Graph) Reciprocal(x *Node) *Node { return g.unary("Reciprocal", fnReciprocal, x, 0) }

// Abs returns |x|; its gradient at 0 is 0.
func (g *Graph) Abs(x *Node) *Node { return g.unary("Abs", fnAbs, x, 0) }

// Sign returns −1, 0 or 1; it is not differentiable.
func (g *Graph) Sign(x *Node) *Node { return g.unary("Sign", fnSign, x, 0) }

// Tanh returns the hyperbolic tangent.
func (g *Graph) Tanh(x *Node) *Node { return g.unary("Tanh", fnTanh, x, 0) }

// Sigmoid returns 1/(1+e^−x), stable for large |x|.
func (g *Graph) Sigmoid(x *Node) *Node { return g.unary("Sigmoid", fnSigmoid, x, 0) }

// Softplus returns log(1+e^x), stable for large |x|.
func (g *Graph) Softplus(x *Node) *Node { return g.unary("Softplus", fnSoftplus, x, 0) }

// LogSigmoid returns log σ(x) = −softplus(−x), stable for large |x|.
func (g *Graph) LogSigmoid(x *Node) *Node { return g.unary("LogSigmoid", fnLogSigmoid, x, 0) }

// Sin returns the sine.
func (g *Graph) Sin(x *Node) *Node { return g.unary("Sin", fnSin, x, 0) }

// Cos returns the cosine.
func (g *Graph) Cos(x *Node) *Node { return g.unary("Cos", fnCos, x, 0) }

// Erf returns the error function.
func (g *Graph) Erf(x *Node) *Node { return g.unary("Erf", fnErf, x, 0) }

// Lgamma returns log|Γ(x)|.
func (g *Graph) Lgamma(x *Node) *Node { return g.unary("Lgamma", fnLgamma, x, 0) }

// Digamma returns ψ(x) = d/dx log Γ(x).
func (g *Graph) Digamma(x *Node) *Node { return g.unary("Digamma", fnDigamma, x, 0) }

// Polygamma returns ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function.
func (g *Graph) Polygamma(n int, x *Node) *Node {
	if !g.argsAt("Polygamma", 2, x) {
		return g.invalid()
	}
	if n < 0 {
		return g.fail(fmt.Errorf("%w: polygamma: order %d is negative", ErrArgument, n))
	}
	if n == 0 {
		return g.Digamma(x)
	}
	return g.Apply(unaryOp{fn: fnPolygamma, c: float64(n)}, x)
}

// Elementwise is true: every unary function maps element i to element i.
func (o unaryOp) Elementwise() bool { return true }
