package dist

import (
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// InverseGammaDist is the distribution of 1/X for X ~ Gamma(concentration α,
// rate β): density β^α x^(−α−1) e^(−β/x) / Γ(α) on x > 0, batched over the
// broadcast shape of its parameters.
type InverseGammaDist struct {
	base
	Concentration, Rate *engine.Node
}

// InverseGamma returns InverseGamma(concentration, rate), the law of 1/X for
// X ~ Gamma(concentration, rate). Parameters broadcast; both must be positive
// (checked now for constants and at every run otherwise).
func InverseGamma(concentration, rate *engine.Node) *InverseGammaDist {
	d := &InverseGammaDist{}
	ps, _ := positiveParams("InverseGamma", &d.base, []string{"concentration", "rate"}, concentration, rate)
	d.Concentration, d.Rate = ps[0], ps[1]
	return d
}

// Family returns "InverseGamma".
func (d *InverseGammaDist) Family() string { return "InverseGamma" }

// Support is (0, ∞).
func (d *InverseGammaDist) Support() Constraint { return Positive() }

// Reparameterized is true: draws are β/z with z a standard Gamma(α) draw.
func (d *InverseGammaDist) Reparameterized() bool { return true }

// LogProb returns α log β − log Γ(α) − (α+1) log x − β/x for x > 0 and −Inf
// for x ≤ 0.
func (d *InverseGammaDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("InverseGamma", x) {
		return d.invalid()
	}
	g := d.g
	a := d.Concentration
	lp := g.Sub(g.Sub(g.Mul(a, g.Log(d.Rate)), g.Lgamma(a)),
		g.Add(g.Mul(g.AddScalar(a, 1), g.Log(x)), g.Div(d.Rate, x)))
	return broadcastBatch(g, maskOutside(g, x, d.Support(), g.LessEqual(x, g.Scalar(0)), lp), d.batch)
}

// Sample draws β/z with z a standard Gamma(α) draw.
func (d *InverseGammaDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	if !g.Ok("InverseGamma.Sample", d.Concentration, d.Rate) {
		return d.invalid()
	}
	return g.Div(d.Rate, sampleStdGamma(g, d.Concentration, d.sampleShape(sampleShape)))
}

// Mean is β/(α−1) for α > 1 and +Inf otherwise.
func (d *InverseGammaDist) Mean() *engine.Node {
	g := d.g
	a := d.Concentration
	finite := g.Greater(a, g.Scalar(1))
	return g.Where(finite, g.Div(d.Rate, safeDenominator(g, finite, g.AddScalar(a, -1))), g.Scalar(math.Inf(1)))
}

// Variance is β²/((α−1)²(α−2)) for α > 2 and +Inf otherwise.
func (d *InverseGammaDist) Variance() *engine.Node {
	g := d.g
	a := d.Concentration
	finite := g.Greater(a, g.Scalar(2))
	den := g.Mul(g.Square(g.AddScalar(a, -1)), g.AddScalar(a, -2))
	return g.Where(finite, g.Div(g.Square(d.Rate), safeDenominator(g, finite, den)), g.Scalar(math.Inf(1)))
}

// Entropy is α + log β + log Γ(α) − (1+α) ψ(α).
func (d *InverseGammaDist) Entropy() *engine.Node {
	g := d.g
	a := d.Concentration
	return g.Add(g.Add(a, g.Log(d.Rate)),
		g.Sub(g.Lgamma(a), g.Mul(g.AddScalar(a, 1), g.Digamma(a))))
}

// safeDenominator replaces den by 1 where ok is 0, so that the branch a Where
// discards has no division by zero whose gradient would be NaN.
func safeDenominator(g *engine.Graph, ok, den *engine.Node) *engine.Node {
	return g.Where(ok, den, g.Scalar(1))
}
