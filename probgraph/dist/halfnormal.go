package dist

import (
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// HalfNormalDist is the distribution of |y| for y ~ N(0, scale²), batched
// over the shape of scale.
type HalfNormalDist struct {
	base
	Scale *engine.Node
}

// HalfNormal returns the half-normal distribution with the given scale, which
// must be positive (checked now for constants and at every run otherwise).
func HalfNormal(scale *engine.Node) *HalfNormalDist {
	d := &HalfNormalDist{}
	d.Scale, _ = positiveParam("HalfNormal", "scale", &d.base, scale)
	return d
}

// Family returns "HalfNormal".
func (d *HalfNormalDist) Family() string { return "HalfNormal" }

// Support is [0, ∞).
func (d *HalfNormalDist) Support() Constraint { return NonNegative() }

// Reparameterized is true: draws are scale·|ε|.
func (d *HalfNormalDist) Reparameterized() bool { return true }

// LogProb returns ½ log(2/π) − log scale − x²/(2 scale²) for x ≥ 0 and −∞
// for x < 0.
func (d *HalfNormalDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("HalfNormal", x) {
		return d.invalid()
	}
	g := d.g
	z := g.Div(x, d.Scale)
	lp := g.Sub(g.Scale(g.Square(z), -0.5), g.AddScalar(g.Log(d.Scale), halfLog2Pi-math.Ln2))
	return broadcastBatch(g, maskOutside(g, x, d.Support(), g.Less(x, g.Scalar(0)), lp), d.batch)
}

// Sample draws scale·|ε| with ε standard normal noise.
func (d *HalfNormalDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	eps := g.Noise(engine.StdNormal, d.sampleShape(sampleShape)...)
	return g.Mul(d.Scale, g.Abs(eps))
}

// Mean is scale·√(2/π).
func (d *HalfNormalDist) Mean() *engine.Node { return d.g.Scale(d.Scale, math.Sqrt(2/math.Pi)) }

// Variance is scale²·(1 − 2/π).
func (d *HalfNormalDist) Variance() *engine.Node {
	return d.g.Scale(d.g.Square(d.Scale), 1-2/math.Pi)
}

// Entropy is ½ log(π/2) + ½ + log scale.
func (d *HalfNormalDist) Entropy() *engine.Node {
	return d.g.AddScalar(d.g.Log(d.Scale), 0.5*math.Log(math.Pi/2)+0.5)
}
