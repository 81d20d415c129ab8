package dist

import "github.com/ignis-ppl/ignis/engine"

// LogNormalDist is the distribution of exp(y) for y ~ N(loc, scale²),
// batched over the broadcast shape of its parameters.
type LogNormalDist struct {
	base
	Loc, Scale *engine.Node
}

// LogNormal returns the log-normal distribution whose logarithm is
// N(loc, scale²). Parameters broadcast; scale must be positive (checked now
// for constants and at every run otherwise).
func LogNormal(loc, scale *engine.Node) *LogNormalDist {
	d := &LogNormalDist{}
	d.Loc, d.Scale, _ = locScale("LogNormal", &d.base, loc, scale)
	return d
}

// Family returns "LogNormal".
func (d *LogNormalDist) Family() string { return "LogNormal" }

// Support is (0, ∞).
func (d *LogNormalDist) Support() Constraint { return Positive() }

// Reparameterized is true: draws are exp(loc + scale·ε).
func (d *LogNormalDist) Reparameterized() bool { return true }

// LogProb returns −(log x − loc)²/(2 scale²) − log scale − ½ log 2π − log x
// for x > 0 and −∞ for x ≤ 0.
func (d *LogNormalDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("LogNormal", x) {
		return d.invalid()
	}
	g := d.g
	outside := g.LessEqual(x, g.Scalar(0))
	// Evaluate the formula at 1 off the support, so that neither the value
	// nor the gradient picks up log 0 or the log of a negative number.
	logx := g.Log(g.Where(outside, g.Scalar(1), x))
	z := g.Div(g.Sub(logx, d.Loc), d.Scale)
	lp := g.Sub(g.Scale(g.Square(z), -0.5), g.Add(g.AddScalar(g.Log(d.Scale), halfLog2Pi), logx))
	return broadcastBatch(g, maskOutside(g, x, d.Support(), outside, lp), d.batch)
}

// Sample draws exp(loc + scale·ε) with ε standard normal noise.
func (d *LogNormalDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	eps := g.Noise(engine.StdNormal, d.sampleShape(sampleShape)...)
	return g.Exp(g.Add(d.Loc, g.Mul(d.Scale, eps)))
}

// Mean is exp(loc + scale²/2).
func (d *LogNormalDist) Mean() *engine.Node {
	g := d.g
	return g.Exp(g.Add(d.Loc, g.Scale(g.Square(d.Scale), 0.5)))
}

// Variance is (exp(scale²) − 1)·exp(2 loc + scale²), with expm1 so that it
// stays accurate for small scales.
func (d *LogNormalDist) Variance() *engine.Node {
	g := d.g
	s2 := g.Square(d.Scale)
	return g.Mul(g.Expm1(s2), g.Exp(g.Add(g.Scale(d.Loc, 2), s2)))
}

// Entropy is loc + ½ + ½ log 2π + log scale.
func (d *LogNormalDist) Entropy() *engine.Node {
	g := d.g
	return g.Add(d.Loc, g.AddScalar(g.Log(d.Scale), 0.5+halfLog2Pi))
}
