package dist

import (
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// eulerGamma is the Euler–Mascheroni constant, the mean of Gumbel(0, 1).
const eulerGamma = 0.57721566490153286061

// GumbelDist is the Gumbel (type I extreme value, maximum) distribution with
// location loc and scale, batched over the broadcast shape of its parameters.
type GumbelDist struct {
	base
	Loc, Scale *engine.Node
}

// Gumbel returns the Gumbel distribution with CDF exp(−exp(−(x − loc)/scale)).
// Parameters broadcast; scale must be positive (checked now for constants and
// at every run otherwise).
func Gumbel(loc, scale *engine.Node) *GumbelDist {
	d := &GumbelDist{}
	d.Loc, d.Scale, _ = locScale("Gumbel", &d.base, loc, scale)
	return d
}

// Family returns "Gumbel".
func (d *GumbelDist) Family() string { return "Gumbel" }

// Support is the real line.
func (d *GumbelDist) Support() Constraint { return Real() }

// Reparameterized is true: draws are loc + scale·g with standard Gumbel noise.
func (d *GumbelDist) Reparameterized() bool { return true }

// LogProb returns −z − exp(−z) − log scale with z = (x − loc)/scale.
func (d *GumbelDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("Gumbel", x) {
		return d.invalid()
	}
	g := d.g
	z := g.Div(g.Sub(x, d.Loc), d.Scale)
	lp := g.Sub(g.Neg(g.Add(z, g.Exp(g.Neg(z)))), g.Log(d.Scale))
	return broadcastBatch(g, lp, d.batch)
}

// Sample draws loc + scale·γ with γ standard Gumbel noise.
func (d *GumbelDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	eps := g.Noise(engine.StdGumbel, d.sampleShape(sampleShape)...)
	return g.Add(d.Loc, g.Mul(d.Scale, eps))
}

// Mean is loc + γ·scale, γ the Euler–Mascheroni constant.
func (d *GumbelDist) Mean() *engine.Node {
	return d.g.Add(d.Loc, d.g.Scale(d.Scale, eulerGamma))
}

// Variance is π²·scale²/6.
func (d *GumbelDist) Variance() *engine.Node {
	return d.g.Scale(d.g.Square(d.Scale), math.Pi*math.Pi/6)
}

// Entropy is log scale + γ + 1.
func (d *GumbelDist) Entropy() *engine.Node {
	return d.g.AddScalar(d.g.Log(d.Scale), eulerGamma+1)
}
