package dist

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// bernoulliLogitsLogProb is the Bernoulli log density of x under log-odds l
// as one op: −softplus(−l) where x = 1, −softplus(l) where
// x = 0 and −Inf elsewhere, with softplus(t) = max(t, 0) + log1p(e^−|t|),
// exact for |l| large. The same op writes the score x − σ(l) (0 off the
// support) beside it, from the same exponential, so the gradient costs no
// transcendental function. x and l are broadcast to a common shape first.
func bernoulliLogitsLogProb(g *engine.Graph, x, l *engine.Node) *engine.Node {
	s, ok := engine.BroadcastShapes(x.Shape(), l.Shape())
	if !ok {
		return g.Fail(fmt.Errorf("%w: Bernoulli.LogProb: value shape %v does not broadcast with logits shape %v", ErrShape, x.Shape(), l.Shape()))
	}
	both := g.Apply(bernoulliLogitsOp{}, g.BroadcastTo(x, s...), g.BroadcastTo(l, s...))
	return row(g, both, 0, s)
}

// row returns v[r] of a [2] + s stack, shaped s.
func row(g *engine.Graph, v *engine.Node, r int, s engine.Shape) *engine.Node {
	return g.Reshape(g.Slice(v, 0, r, r+1), s...)
}

// bernoulliLogitsOp maps x and l of one shape s to the stack [2] + s of the
// log density (row 0) and the score x − σ(l) (row 1). x takes no gradient
// (the value is discrete).
type bernoulliLogitsOp struct{}

func (bernoulliLogitsOp) String() string { return "bernoulli_logits_log_prob" }

func (bernoulliLogitsOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if len(in) != 2 || !in[0].Equal(in[1]) {
		return nil, fmt.Errorf("%w: bernoulli_logits_log_prob needs values and logits of one shape, got %v", engine.ErrShape, in)
	}
	return append(engine.Shape{2}, in[0]...), nil
}

func (bernoulliLogitsOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		n := len(out) / 2
		lp, score := out[:n], out[n:]
		x, l := in[0][:n], in[1][:n]
		// Pass 1: the exponentials (a call each), kept in score.
		for i, li := range l {
			score[i] = math.Exp(-math.Abs(li))
		}
		// Pass 2, without calls on the common path so that the divisions
		// and polynomials of neighbouring elements overlap. With
		// t = (1 − 2x)·l (−l for x = 1, l for x = 0, exactly) the density
		// is −softplus(t) = −max(t, 0) − log1p(e) with e = e^−|t| ≤ 1, and
		// the score is x − σ(l) = −(1 − 2x)·σ(t), where σ(t) is 1/(1 + e)
		// for t ≥ 0 and e/(1 + e) below: no cancellation, and no branch on
		// the data (t's sign bit picks).
		for i, li := range l {
			xi, e := x[i], score[i]
			if xi != 0 && xi != 1 {
				lp[i], score[i] = math.Inf(-1), 0
				continue
			}
			sgn := 1 - 2*xi
			t := sgn * li
			var sp float64
			if e >= log1pSmall && e < log1pSqrt2M1 {
				sp = log1pKernel(e)
			} else {
				sp = log1pUnit(e)
			}
			lp[i] = -max(t, 0) - sp
			hi := 1 / (1 + e)
			lo := e * hi
			neg := uint64(int64(math.Float64bits(t)) >> 63)
			sig := math.Float64frombits(math.Float64bits(hi)&^neg | math.Float64bits(lo)&neg)
			score[i] = -sgn * sig
		}
		return nil
	}), nil
}

func (bernoulliLogitsOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{nil, g.Apply(bernoulliLogitsGradOp{}, gout, out, in[0])}
}

// bernoulliLogitsGradOp is the gradient in l of the stack above: inputs
// gout ([2] + s), the stack itself and x (s); output gout₀·score +
// gout₁·∂score/∂l, where ∂score/∂l = −σ(l)σ(−l) = −(x − score)(1 − x +
// score) on the support and 0 off it, read from the score without a
// transcendental function.
type bernoulliLogitsGradOp struct{}

func (bernoulliLogitsGradOp) String() string { return "bernoulli_logits_log_prob_grad" }

func (bernoulliLogitsGradOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if len(in) != 3 || !in[0].Equal(in[1]) || len(in[0]) == 0 || in[0][0] != 2 || !in[0][1:].Equal(in[2]) {
		return nil, fmt.Errorf("%w: bernoulli_logits_log_prob_grad needs gradient and stack of shape [2] + s and values of shape s, got %v", engine.ErrShape, in)
	}
	return in[2].Clone(), nil
}

func (bernoulliLogitsGradOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		n := len(out)
		g0, g1 := in[0][:n], in[0][n:2*n]
		score, x := in[1][n:2*n], in[2][:n]
		for i, s := range score {
			xi := x[i]
			if xi != 0 && xi != 1 {
				out[i] = 0
				continue
			}
			out[i] = g0[i]*s - g1[i]*(xi-s)*(1-xi+s)
		}
		return nil
	}), nil
}

// Grad differentiates gout₀·score + gout₁·c(score) in gout (the stack
// [score; c]) and in the stack's score row (gout₀ + gout₁·c′(score), with
// c′ = 1 − 2x + 2·score on the support), built from differentiable graph
// ops so that higher derivatives follow.
func (bernoulliLogitsGradOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	up, stack, x := in[0], in[1], in[2]
	s := x.Shape()
	one := append(engine.Shape{1}, s...)
	score := row(g, stack, 1, s)
	valid := Boolean().Check(x)
	curv := g.Mul(valid, g.Neg(g.Mul(g.Sub(x, score), g.Add(g.AddScalar(g.Neg(x), 1), score))))
	dcurv := g.Mul(valid, g.Add(g.AddScalar(g.Mul(g.Scalar(-2), x), 1), g.Mul(g.Scalar(2), score)))
	dUp := g.Concat(0, g.Reshape(g.Mul(gout, score), one...), g.Reshape(g.Mul(gout, curv), one...))
	dScore := g.Mul(gout, g.Mul(valid, g.Add(row(g, up, 0, s), g.Mul(row(g, up, 1, s), dcurv))))
	dStack := g.Concat(0, g.Reshape(g.ZerosLike(score), one...), g.Reshape(dScore, one...))
	return []*engine.Node{dUp, dStack, nil}
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
