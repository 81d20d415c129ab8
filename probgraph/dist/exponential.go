package dist

import "github.com/ignis-ppl/ignis/engine"

// ExponentialDist is the exponential distribution with the given rate
// (inverse mean), batched over the shape of rate.
type ExponentialDist struct {
	base
	Rate *engine.Node
}

// Exponential returns the exponential distribution with density
// rate·exp(−rate·x); rate must be positive (checked now for constants and at
// every run otherwise).
func Exponential(rate *engine.Node) *ExponentialDist {
	d := &ExponentialDist{}
	d.Rate, _ = positiveParam("Exponential", "rate", &d.base, rate)
	return d
}

// Family returns "Exponential".
func (d *ExponentialDist) Family() string { return "Exponential" }

// Support is [0, ∞).
func (d *ExponentialDist) Support() Constraint { return NonNegative() }

// Reparameterized is true: draws are −log(u)/rate.
func (d *ExponentialDist) Reparameterized() bool { return true }

// LogProb returns log rate − rate·x for x ≥ 0 and −∞ for x < 0.
func (d *ExponentialDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("Exponential", x) {
		return d.invalid()
	}
	g := d.g
	lp := g.Sub(g.Log(d.Rate), g.Mul(d.Rate, x))
	return broadcastBatch(g, maskOutside(g, x, d.Support(), g.Less(x, g.Scalar(0)), lp), d.batch)
}

// Sample draws −log(u)/rate with u uniform noise (the inverse CDF).
func (d *ExponentialDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	u := g.Noise(engine.Uniform01, d.sampleShape(sampleShape)...)
	return g.Div(g.Neg(g.Log(u)), d.Rate)
}

// Mean is 1/rate.
func (d *ExponentialDist) Mean() *engine.Node { return d.g.Reciprocal(d.Rate) }

// Variance is 1/rate².
func (d *ExponentialDist) Variance() *engine.Node { return d.g.Reciprocal(d.g.Square(d.Rate)) }

// Entropy is 1 − log rate.
func (d *ExponentialDist) Entropy() *engine.Node {
	return d.g.AddScalar(d.g.Neg(d.g.Log(d.Rate)), 1)
}

// klExponential is KL(Exponential ‖ Exponential).
//
// KL(Exp(a) ‖ Exp(b)) = r − log r − 1 with r = b/a.
func klExponential(p, q *ExponentialDist) *engine.Node {
	g := p.g
	r := g.Div(q.Rate, p.Rate)
	return g.AddScalar(g.Sub(r, g.Log(r)), -1)
}
