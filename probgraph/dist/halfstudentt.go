package dist

import (
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// HalfStudentTDist is the distribution of |y| for y ~ StudentT(df, 0,
// scale), batched over the broadcast shape of its parameters: Stan's
// student_t prior on a real<lower=0> scale parameter.
type HalfStudentTDist struct {
	base
	Df, Scale *engine.Node
	t         *StudentTDist
}

// HalfStudentT returns the half-Student-t distribution; df and scale must be
// positive (checked now for constants and at every run otherwise).
func HalfStudentT(df, scale *engine.Node) *HalfStudentTDist {
	d := &HalfStudentTDist{}
	ps, ok := positiveParams("HalfStudentT", &d.base, []string{"df", "scale"}, df, scale)
	d.Df, d.Scale = ps[0], ps[1]
	if ok {
		d.t = &StudentTDist{base: base{g: d.g, batch: d.batch}, Df: d.Df, Loc: d.g.ZerosLike(d.Df), Scale: d.Scale}
	}
	return d
}

// Family returns "HalfStudentT".
func (d *HalfStudentTDist) Family() string { return "HalfStudentT" }

// Support is [0, ∞).
func (d *HalfStudentTDist) Support() Constraint { return NonNegative() }

// Reparameterized is true, as the Student t's draws.
func (d *HalfStudentTDist) Reparameterized() bool { return true }

// LogProb is log 2 plus the Student t log density for x ≥ 0, and −∞ for
// x < 0.
func (d *HalfStudentTDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("HalfStudentT", x) || d.t == nil {
		return d.invalid()
	}
	g := d.g
	lp := g.AddScalar(d.t.LogProb(x), math.Ln2)
	return broadcastBatch(g, maskOutside(g, x, d.Support(), g.Less(x, g.Scalar(0)), lp), d.batch)
}

// Sample draws |y| for y a Student t draw.
func (d *HalfStudentTDist) Sample(sampleShape ...int) *engine.Node {
	if d.t == nil {
		return d.invalid()
	}
	return d.g.Abs(d.t.Sample(sampleShape...))
}

// CDF is 2·F_t(x) − 1 for x ≥ 0 and 0 below, F_t the Student t's.
func (d *HalfStudentTDist) CDF(x *engine.Node) *engine.Node {
	g := d.g
	zero := g.Scalar(0)
	return g.Where(g.Less(x, zero), zero, g.AddScalar(g.Scale(d.t.CDF(g.Maximum(x, zero)), 2), -1))
}

// SF is 2·(1 − F_t(x)) for x ≥ 0 and 1 below.
func (d *HalfStudentTDist) SF(x *engine.Node) *engine.Node {
	g := d.g
	zero := g.Scalar(0)
	return g.Where(g.Less(x, zero), g.Scalar(1), g.Scale(d.t.SF(g.Maximum(x, zero)), 2))
}

// Mean is 2·scale·√(ν/π)·Γ((ν+1)/2)/(Γ(ν/2)·(ν−1)) for ν = df > 1, and +Inf
// otherwise.
func (d *HalfStudentTDist) Mean() *engine.Node {
	g := d.g
	nu := d.Df
	finite := g.Greater(nu, g.Scalar(1))
	lg := g.Sub(g.Lgamma(g.Scale(g.AddScalar(nu, 1), 0.5)), g.Lgamma(g.Scale(nu, 0.5)))
	lm := g.Add(lg, g.AddScalar(g.Scale(g.Log(nu), 0.5), math.Ln2-halfLogPi))
	m := g.Div(g.Mul(d.Scale, g.Exp(lm)), safeDenominator(g, finite, g.AddScalar(nu, -1)))
	return g.Where(finite, m, g.Scalar(math.Inf(1)))
}

// Variance is scale²·ν/(ν−2) − mean² for ν > 2, and +Inf otherwise.
func (d *HalfStudentTDist) Variance() *engine.Node {
	g := d.g
	nu := d.Df
	finite := g.Greater(nu, g.Scalar(2))
	second := g.Div(g.Mul(g.Square(d.Scale), nu), safeDenominator(g, finite, g.AddScalar(nu, -2)))
	return g.Where(finite, g.Sub(second, g.Square(d.Mean())), g.Scalar(math.Inf(1)))
}
