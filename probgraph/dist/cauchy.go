package dist

import (
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// CauchyDist is the Cauchy (Lorentz) distribution with location loc and
// scale, batched over the broadcast shape of its parameters. It has no mean
// or variance, so it implements neither Meaner nor Variancer; loc is its
// median.
type CauchyDist struct {
	base
	Loc, Scale *engine.Node
}

// Cauchy returns the Cauchy distribution with location loc and scale.
// Parameters broadcast; scale must be positive (checked now for constants and
// at every run otherwise).
func Cauchy(loc, scale *engine.Node) *CauchyDist {
	d := &CauchyDist{}
	d.Loc, d.Scale, _ = locScale("Cauchy", &d.base, loc, scale)
	return d
}

// Family returns "Cauchy".
func (d *CauchyDist) Family() string { return "Cauchy" }

// Support is the real line.
func (d *CauchyDist) Support() Constraint { return Real() }

// Reparameterized is true: draws are loc + scale·tan(π(u − ½)).
func (d *CauchyDist) Reparameterized() bool { return true }

// LogProb returns −log π − log scale − log(1 + ((x − loc)/scale)²).
func (d *CauchyDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("Cauchy", x) {
		return d.invalid()
	}
	g := d.g
	z := g.Div(g.Sub(x, d.Loc), d.Scale)
	lp := g.Neg(g.Add(g.Log1p(g.Square(z)), g.AddScalar(g.Log(d.Scale), math.Log(math.Pi))))
	return broadcastBatch(g, lp, d.batch)
}

// Sample draws loc + scale·tan(π(u − ½)) with u uniform noise (the inverse
// CDF).
func (d *CauchyDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	u := g.Noise(engine.Uniform01, d.sampleShape(sampleShape)...)
	return g.Add(d.Loc, g.Mul(d.Scale, tan(g, g.Scale(g.AddScalar(u, -0.5), math.Pi))))
}

// Entropy is log(4π·scale).
func (d *CauchyDist) Entropy() *engine.Node {
	return d.g.AddScalar(d.g.Log(d.Scale), math.Log(4*math.Pi))
}

// tan is sin/cos; engine has no tangent op and the samplers need it only on
// noise, where no gradient is taken.
func tan(g *engine.Graph, a *engine.Node) *engine.Node { return g.Div(g.Sin(a), g.Cos(a)) }
