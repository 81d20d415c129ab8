package dist

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// bernoulliLogitsLogProb is the Bernoulli log density of x under log-odds l
// as one element-wise op: −softplus(−l) where x = 1, −softplus(l) where
// x = 0 and −Inf elsewhere, with softplus(t) = max(t, 0) + log1p(e^−|t|),
// exact for |l| large. Its gradient in l is the score x − σ(l) (0 off the
// support), another element-wise op, so that the compiler fuses both with
// the linear predictor that feeds l. x and l are broadcast to a common
// shape first.
func bernoulliLogitsLogProb(g *engine.Graph, x, l *engine.Node) *engine.Node {
	s, ok := engine.BroadcastShapes(x.Shape(), l.Shape())
	if !ok {
		return g.Fail(fmt.Errorf("%w: Bernoulli.LogProb: value shape %v does not broadcast with logits shape %v", ErrShape, x.Shape(), l.Shape()))
	}
	return g.Apply(bernoulliLogitsOp{}, g.BroadcastTo(x, s...), g.BroadcastTo(l, s...))
}

// bernoulliLogitsOp maps x and l of one shape to the log density. x takes
// no gradient (the value is discrete).
type bernoulliLogitsOp struct{}

func (bernoulliLogitsOp) String() string { return "bernoulli_logits_log_prob" }

// Elementwise is true: element i of the density depends on x_i and l_i.
func (bernoulliLogitsOp) Elementwise() bool { return true }

func (bernoulliLogitsOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if len(in) != 2 || !in[0].Equal(in[1]) {
		return nil, fmt.Errorf("%w: bernoulli_logits_log_prob needs values and logits of one shape, got %v", engine.ErrShape, in)
	}
	return in[0].Clone(), nil
}

func (bernoulliLogitsOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	return engine.KernelFunc(func(lp []float64, in [][]float64) error {
		x, l := in[0][:len(lp)], in[1][:len(lp)]
		// Pass 1: e = e^−|l| (= e^−|t| for t = ±l), kept in lp.
		for i, li := range l {
			lp[i] = math.Exp(-math.Abs(li))
		}
		// Pass 2, without calls on the common path so that the divisions
		// and polynomials of neighbouring elements overlap. With
		// t = (1 − 2x)·l (−l for x = 1, l for x = 0, exactly) the density
		// is −softplus(t) = −max(t, 0) − log1p(e).
		for i, li := range l {
			xi, e := x[i], lp[i]
			if xi != 0 && xi != 1 {
				lp[i] = math.Inf(-1)
				continue
			}
			t := (1 - 2*xi) * li
			var sp float64
			if e >= log1pSmall && e < log1pSqrt2M1 {
				sp = log1pKernel(e)
			} else {
				sp = log1pUnit(e)
			}
			lp[i] = -max(t, 0) - sp
		}
		return nil
	}), nil
}

func (bernoulliLogitsOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{nil, g.Mul(gout, g.Apply(bernoulliScoreOp{}, in[0], in[1]))}
}

// bernoulliScoreOp is ∂/∂l of the log density: x − σ(l) on the support and
// 0 off it. Inputs x and l of one shape.
type bernoulliScoreOp struct{}

func (bernoulliScoreOp) String() string { return "bernoulli_logits_score" }

// Elementwise is true, as for the density.
func (bernoulliScoreOp) Elementwise() bool { return true }

func (bernoulliScoreOp) Shape(in []engine.Shape) (engine.Shape, error) {
	return bernoulliLogitsOp{}.Shape(in)
}

func (bernoulliScoreOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	return engine.KernelFunc(func(score []float64, in [][]float64) error {
		x, l := in[0][:len(score)], in[1][:len(score)]
		for i, li := range l {
			score[i] = math.Exp(-math.Abs(li))
		}
		// x − σ(l) = −(1 − 2x)·σ(t) with t = (1 − 2x)·l, where σ(t) is
		// 1/(1 + e) for t ≥ 0 and e/(1 + e) below: no cancellation, and
		// no branch on the data (t's sign bit picks).
		for i, li := range l {
			xi, e := x[i], score[i]
			if xi != 0 && xi != 1 {
				score[i] = 0
				continue
			}
			sgn := 1 - 2*xi
			t := sgn * li
			hi := 1 / (1 + e)
			lo := e * hi
			neg := uint64(int64(math.Float64bits(t)) >> 63)
			sig := math.Float64frombits(math.Float64bits(hi)&^neg | math.Float64bits(lo)&neg)
			score[i] = -sgn * sig
		}
		return nil
	}), nil
}

// Grad is the second derivative: ∂score/∂l = −σ(l)σ(−l) = −(x − s)(1 − x + s)
// on the support and 0 off it, read from the score s without a
// transcendental function, and built from differentiable graph ops so that
// higher derivatives follow.
func (bernoulliScoreOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	x := in[0]
	valid := Boolean().Check(x)
	curv := g.Mul(valid, g.Neg(g.Mul(g.Sub(x, out), g.Add(g.AddScalar(g.Neg(x), 1), out))))
	return []*engine.Node{nil, g.Mul(gout, curv)}
}

// log1pUnit is math.Log1p for arguments in [0, 1], bit for bit (the same
// steps: fdlibm's s_log1p.c), with the branches for negative, huge and
// special arguments left out. Anything else goes to math.Log1p.
func log1pUnit(e float64) float64 {
	const (
		ln2Hi = 6.93147180369123816490e-01
		ln2Lo = 1.90821492927058770002e-10
	)
	switch {
	case !(e >= 0 && e < 1): // also NaN
		return math.Log1p(e)
	case e < log1pSmall:
		return e - e*e*0.5
	case e < log1pSqrt2M1:
		return log1pKernel(e)
	}
	// 1 + e in [√2 − ulp, 2): its exponent is 0, and log1p's mantissa
	// test decides between u (k = 0) and u/2 (k = 1).
	u := 1 + e
	c := (e - (u - 1)) / u
	k := 0.0
	iu := math.Float64bits(u) & 0x000fffffffffffff
	if iu < 0x0006a09e667f3bcd { // mantissa of √2
		u = math.Float64frombits(iu | 0x3ff0000000000000)
	} else {
		k = 1
		u = math.Float64frombits(iu | 0x3fe0000000000000)
		iu = (0x0010000000000000 - iu) >> 2
	}
	if iu == 0 {
		return math.Log1p(e)
	}
	f := u - 1
	hfsq := 0.5 * f * f
	s := f / (2 + f)
	r := log1pPoly(s * s)
	if k == 0 {
		return f - (hfsq - s*(hfsq+r))
	}
	return k*ln2Hi - ((hfsq - (s*(hfsq+r) + (k*ln2Lo + c))) - f)
}

const (
	log1pSqrt2M1 = 4.142135623730950488017e-01 // √2 − 1
	log1pSmall   = 1.0 / (1 << 29)
)

// log1pKernel is log1p(e) for 2⁻²⁹ ≤ e < √2 − 1 (fdlibm's k = 0 case),
// small enough to be inlined.
func log1pKernel(e float64) float64 {
	hfsq := 0.5 * e * e
	s := e / (2 + e)
	r := log1pPoly(s * s)
	return e - (hfsq - s*(hfsq+r))
}

// log1pPoly is fdlibm's minimax polynomial z·R(z) of log1p's kernel.
func log1pPoly(z float64) float64 {
	const (
		lp1 = 6.666666666666735130e-01
		lp2 = 3.999999999940941908e-01
		lp3 = 2.857142874366239149e-01
		lp4 = 2.222219843214978396e-01
		lp5 = 1.818357216161805012e-01
		lp6 = 1.531383769920937332e-01
		lp7 = 1.479819860511658591e-01
	)
	return z * (lp1 + z*(lp2+z*(lp3+z*(lp4+z*(lp5+z*(lp6+z*lp7))))))
}
