package dist

import (
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// HalfCauchyDist is the distribution of |y| for y ~ Cauchy(0, scale),
// batched over the shape of scale. It has no finite mean or variance, so it
// implements neither Meaner nor Variancer.
type HalfCauchyDist struct {
	base
	Scale *engine.Node
}

// HalfCauchy returns the half-Cauchy distribution with the given scale, which
// must be positive (checked now for constants and at every run otherwise).
func HalfCauchy(scale *engine.Node) *HalfCauchyDist {
	d := &HalfCauchyDist{}
	d.Scale, _ = positiveParam("HalfCauchy", "scale", &d.base, scale)
	return d
}

// Family returns "HalfCauchy".
func (d *HalfCauchyDist) Family() string { return "HalfCauchy" }

// Support is [0, ∞).
func (d *HalfCauchyDist) Support() Constraint { return NonNegative() }

// Reparameterized is true: draws are scale·tan(πu/2).
func (d *HalfCauchyDist) Reparameterized() bool { return true }

// LogProb returns log 2 − log π − log scale − log(1 + (x/scale)²) for x ≥ 0
// and −∞ for x < 0.
func (d *HalfCauchyDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("HalfCauchy", x) {
		return d.invalid()
	}
	g := d.g
	z := g.Div(x, d.Scale)
	lp := g.Neg(g.Add(g.Log1p(g.Square(z)), g.AddScalar(g.Log(d.Scale), math.Log(math.Pi/2))))
	return broadcastBatch(g, maskOutside(g, x, d.Support(), g.Less(x, g.Scalar(0)), lp), d.batch)
}

// Sample draws scale·tan(πu/2) with u uniform noise: the inverse CDF of the
// half-Cauchy, which has the law of |Cauchy(0, scale)| and costs one noise
// value per draw.
func (d *HalfCauchyDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	u := g.Noise(engine.Uniform01, d.sampleShape(sampleShape)...)
	return g.Mul(d.Scale, tan(g, g.Scale(u, math.Pi/2)))
}

// Entropy is log(2π·scale).
func (d *HalfCauchyDist) Entropy() *engine.Node {
	return d.g.AddScalar(d.g.Log(d.Scale), math.Log(2*math.Pi))
}
