package dist

import (
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// LaplaceDist is the Laplace (double exponential) distribution with location
// loc and scale, batched over the broadcast shape of its parameters.
type LaplaceDist struct {
	base
	Loc, Scale *engine.Node
}

// Laplace returns the Laplace distribution with density
// exp(−|x − loc|/scale)/(2 scale). Parameters broadcast; scale must be
// positive (checked now for constants and at every run otherwise).
func Laplace(loc, scale *engine.Node) *LaplaceDist {
	d := &LaplaceDist{}
	d.Loc, d.Scale, _ = locScale("Laplace", &d.base, loc, scale)
	return d
}

// Family returns "Laplace".
func (d *LaplaceDist) Family() string { return "Laplace" }

// Support is the real line.
func (d *LaplaceDist) Support() Constraint { return Real() }

// Reparameterized is true: draws are the inverse CDF of uniform noise.
func (d *LaplaceDist) Reparameterized() bool { return true }

// LogProb returns −|x − loc|/scale − log(2 scale).
func (d *LaplaceDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("Laplace", x) {
		return d.invalid()
	}
	g := d.g
	z := g.Div(g.Sub(x, d.Loc), d.Scale)
	lp := g.Sub(g.Neg(g.Abs(z)), g.AddScalar(g.Log(d.Scale), math.Ln2))
	return broadcastBatch(g, lp, d.batch)
}

// Sample draws loc − scale·sign(v)·log(1 − |v|) with v = 2u − 1 from uniform
// noise u (the inverse CDF). The engine's uniforms are multiples of 2⁻⁵³ in
// (0, 1), for which 2u − 1 is exact and never ±1, so no draw is infinite.
func (d *LaplaceDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	u := g.Noise(engine.Uniform01, d.sampleShape(sampleShape)...)
	v := g.AddScalar(g.Scale(u, 2), -1)
	e := g.Mul(g.Sign(v), g.Log1p(g.Neg(g.Abs(v))))
	return g.Sub(d.Loc, g.Mul(d.Scale, e))
}

// Mean is loc.
func (d *LaplaceDist) Mean() *engine.Node { return d.Loc }

// Variance is 2 scale².
func (d *LaplaceDist) Variance() *engine.Node { return d.g.Scale(d.g.Square(d.Scale), 2) }

// Entropy is 1 + log(2 scale).
func (d *LaplaceDist) Entropy() *engine.Node {
	return d.g.AddScalar(d.g.Log(d.Scale), 1+math.Ln2)
}
