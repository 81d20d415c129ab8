package dist

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"gonum.org/v1/gonum/mathext"
)

// CDFer is a univariate distribution with its cumulative distribution
// function on the graph, differentiable in the value and the parameters:
// what Truncated needs.
type CDFer interface {
	Distribution
	// CDF returns P(X ≤ x), with x's shape broadcast with the batch shape.
	CDF(x *engine.Node) *engine.Node
}

// SFer is a CDFer with its survival function 1 − F(x) computed without
// cancellation in the upper tail; Truncated uses it when the mass left
// between the bounds lies there.
type SFer interface {
	CDFer
	// SF returns P(X > x), with x's shape broadcast with the batch shape.
	SF(x *engine.Node) *engine.Node
}

// logTails is implemented by families whose log distribution and log
// survival functions stay finite far into the tails (the normal's log Φ),
// for a truncation with one bound there.
type logTails interface {
	LogCDF(x *engine.Node) *engine.Node
	LogSF(x *engine.Node) *engine.Node
}

// CDF is Φ((x − loc)/scale).
func (d *NormalDist) CDF(x *engine.Node) *engine.Node {
	g := d.g
	return g.Ndtr(g.Div(g.Sub(x, d.Loc), d.Scale))
}

// SF is Φ(−(x − loc)/scale).
func (d *NormalDist) SF(x *engine.Node) *engine.Node {
	g := d.g
	return g.Ndtr(g.Div(g.Sub(d.Loc, x), d.Scale))
}

// LogCDF is log Φ((x − loc)/scale), finite far into the lower tail.
func (d *NormalDist) LogCDF(x *engine.Node) *engine.Node {
	g := d.g
	return g.LogNdtr(g.Div(g.Sub(x, d.Loc), d.Scale))
}

// LogSF is log Φ(−(x − loc)/scale), finite far into the upper tail.
func (d *NormalDist) LogSF(x *engine.Node) *engine.Node {
	g := d.g
	return g.LogNdtr(g.Div(g.Sub(d.Loc, x), d.Scale))
}

// SF is ½ − atan((x − loc)/scale)/π.
func (d *CauchyDist) SF(x *engine.Node) *engine.Node {
	g := d.g
	z := g.Div(g.Sub(d.Loc, x), d.Scale)
	return g.AddScalar(g.Scale(g.Apply(atanOp{}, z), 1/math.Pi), 0.5)
}

// CDF is ½ + atan((x − loc)/scale)/π.
func (d *CauchyDist) CDF(x *engine.Node) *engine.Node {
	g := d.g
	z := g.Div(g.Sub(x, d.Loc), d.Scale)
	return g.AddScalar(g.Scale(g.Apply(atanOp{}, z), 1/math.Pi), 0.5)
}

// CDF is 1 − exp(−rate·x) for x ≥ 0 and 0 below.
func (d *ExponentialDist) CDF(x *engine.Node) *engine.Node {
	g := d.g
	zero := g.Scalar(0)
	return g.Where(g.Less(x, zero), zero, g.Neg(g.Expm1(g.Neg(g.Mul(d.Rate, g.Maximum(x, zero))))))
}

// SF is exp(−rate·x) for x ≥ 0 and 1 below.
func (d *ExponentialDist) SF(x *engine.Node) *engine.Node {
	g := d.g
	return g.Exp(d.LogSF(x))
}

// LogCDF is log(1 − exp(−rate·x)) for x ≥ 0 and −∞ below.
func (d *ExponentialDist) LogCDF(x *engine.Node) *engine.Node {
	return d.g.Log(d.CDF(x))
}

// LogSF is −rate·x for x ≥ 0 and 0 below.
func (d *ExponentialDist) LogSF(x *engine.Node) *engine.Node {
	g := d.g
	return g.Neg(g.Mul(d.Rate, g.Maximum(x, g.Scalar(0))))
}

// SF is the regularized upper incomplete gamma function Q(concentration,
// rate·x) for x ≥ 0 and 1 below.
func (d *GammaDist) SF(x *engine.Node) *engine.Node {
	g := d.g
	zero := g.Scalar(0)
	y := g.Mul(d.Rate, g.Maximum(x, zero))
	return g.Where(g.Less(x, zero), g.Scalar(1), specialCDF(g, cdfGammaSF, y, d.Concentration))
}

// CDF is the regularized lower incomplete gamma function P(concentration,
// rate·x) for x ≥ 0 and 0 below. Its derivative in the concentration is
// taken by central differences of P (relative error about 1e−9).
func (d *GammaDist) CDF(x *engine.Node) *engine.Node {
	g := d.g
	zero := g.Scalar(0)
	y := g.Mul(d.Rate, g.Maximum(x, zero))
	return g.Where(g.Less(x, zero), zero, specialCDF(g, cdfGamma, y, d.Concentration))
}

// CDF is the Student t distribution function at (x − loc)/scale, from the
// regularized incomplete beta function. Its derivative in df is taken by
// central differences (relative error about 1e−9).
func (d *StudentTDist) CDF(x *engine.Node) *engine.Node {
	g := d.g
	return specialCDF(g, cdfStudentT, g.Div(g.Sub(x, d.Loc), d.Scale), d.Df)
}

// SF is the Student t distribution function at −(x − loc)/scale.
func (d *StudentTDist) SF(x *engine.Node) *engine.Node {
	g := d.g
	return specialCDF(g, cdfStudentT, g.Div(g.Sub(d.Loc, x), d.Scale), d.Df)
}

// specialCDF applies a standard distribution function to x with shape
// parameter p, both broadcast to one shape.
func specialCDF(g *engine.Graph, kind cdfKind, x, p *engine.Node) *engine.Node {
	if !g.Ok(kind.String(), x, p) {
		return g.Fail(fmt.Errorf("%w: %v of invalid nodes", ErrParameter, kind))
	}
	s, ok := engine.BroadcastShapes(x.Shape(), p.Shape())
	if !ok {
		return g.Fail(fmt.Errorf("%w: %v: value shape %v does not broadcast with parameter shape %v", ErrShape, kind, x.Shape(), p.Shape()))
	}
	return g.Apply(specialCDFOp{kind: kind}, g.BroadcastTo(x, s...), g.BroadcastTo(p, s...))
}

type cdfKind uint8

const (
	cdfStudentT cdfKind = iota // P(T ≤ t), T standard Student t with ν degrees of freedom
	cdfGamma                   // P(a, y), the regularized lower incomplete gamma
	cdfGammaSF                 // Q(a, y) = 1 − P(a, y), the upper one
)

func (k cdfKind) String() string { return [...]string{"studentt_cdf", "gamma_cdf", "gamma_sf"}[k] }

// eval is the distribution function at x with parameter p.
func (k cdfKind) eval(x, p float64) float64 {
	switch k {
	case cdfStudentT:
		if math.IsInf(x, 0) {
			return b2f(x > 0)
		}
		h := 0.5 * mathext.RegIncBeta(p/2, 0.5, p/(p+x*x))
		if x > 0 {
			return 1 - h
		}
		return h
	case cdfGamma:
		if x <= 0 {
			return 0
		}
		if math.IsInf(x, 1) {
			return 1
		}
		return mathext.GammaIncReg(p, x)
	default:
		if x <= 0 {
			return 1
		}
		if math.IsInf(x, 1) {
			return 0
		}
		return mathext.GammaIncRegComp(p, x)
	}
}

// density is ∂F/∂x.
func (k cdfKind) density(g *engine.Graph, x, p *engine.Node) *engine.Node {
	switch k {
	case cdfStudentT:
		// Γ((ν+1)/2)/(Γ(ν/2)√(νπ)) · (1 + t²/ν)^(−(ν+1)/2)
		half := g.Scale(g.AddScalar(p, 1), 0.5)
		lz := g.Sub(g.Lgamma(half), g.Add(g.Lgamma(g.Scale(p, 0.5)), g.AddScalar(g.Scale(g.Log(p), 0.5), halfLogPi)))
		return g.Exp(g.Sub(lz, g.Mul(half, g.Log1p(g.Div(g.Square(x), p)))))
	default:
		// ±y^(a−1) e^(−y) / Γ(a) for y > 0, negative for the survival
		// function
		zero := g.Scalar(0)
		pos := g.Greater(x, zero)
		y := g.Where(pos, x, g.Scalar(1))
		lp := g.Sub(g.Sub(g.Mul(g.AddScalar(p, -1), g.Log(y)), y), g.Lgamma(p))
		f := g.Where(pos, g.Exp(lp), zero)
		if k == cdfGammaSF {
			return g.Neg(f)
		}
		return f
	}
}

// specialCDFOp is F(x; p) element-wise; inputs x and p of one shape.
type specialCDFOp struct{ kind cdfKind }

func (o specialCDFOp) String() string { return o.kind.String() }

func (o specialCDFOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if !in[0].Equal(in[1]) {
		return nil, fmt.Errorf("%w: %v needs inputs of one shape, got %v", engine.ErrShape, o, in)
	}
	return in[0].Clone(), nil
}

func (o specialCDFOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		for i := range out {
			out[i] = o.kind.eval(in[0][i], in[1][i])
		}
		return nil
	}), nil
}

func (o specialCDFOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{
		g.Mul(gout, o.kind.density(g, in[0], in[1])),
		g.Mul(gout, g.Apply(specialCDFParamGradOp(o), in[0], in[1])),
	}
}

// specialCDFParamGradOp is ∂F/∂p by a central difference with step
// 1e−4·max(1, p) (the fourth-order Richardson combination of the steps h
// and h/2, truncation error O(h⁴)).
type specialCDFParamGradOp struct{ kind cdfKind }

func (o specialCDFParamGradOp) String() string { return "d" + o.kind.String() + "/dparam" }

func (o specialCDFParamGradOp) Shape(in []engine.Shape) (engine.Shape, error) {
	return specialCDFOp(o).Shape(in)
}

func (o specialCDFParamGradOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		for i := range out {
			x, p := in[0][i], in[1][i]
			h := 1e-4 * math.Max(1, p)
			if h >= p {
				h = p / 2 // stay inside p > 0
			}
			f := func(h float64) float64 { return (o.kind.eval(x, p+h) - o.kind.eval(x, p-h)) / (2 * h) }
			out[i] = (4*f(h/2) - f(h)) / 3
		}
		return nil
	}), nil
}

// Grad is not defined: the parameter derivative is not differentiated again.
func (o specialCDFParamGradOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{nil, nil}
}

// atanOp is the arc tangent, element-wise, with derivative 1/(1 + x²).
type atanOp struct{}

func (atanOp) String() string { return "atan" }

// Elementwise is true.
func (atanOp) Elementwise() bool { return true }

func (atanOp) Shape(in []engine.Shape) (engine.Shape, error) { return in[0].Clone(), nil }

func (atanOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		for i, x := range in[0][:len(out)] {
			out[i] = math.Atan(x)
		}
		return nil
	}), nil
}

func (atanOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{g.Div(gout, g.AddScalar(g.Square(in[0]), 1))}
}
