package dist

import "github.com/ignis-ppl/ignis/engine"

const halfLog2Pi = 0.9189385332046727 // ½·log(2π)

// NormalDist is the normal distribution N(loc, scale²), batched over the
// broadcast shape of its parameters.
type NormalDist struct {
	base
	Loc, Scale *engine.Node
}

// Normal returns N(loc, scale²). Parameters broadcast; loc must be finite and
// scale positive and finite (checked now for constants and at every run
// otherwise).
func Normal(loc, scale *engine.Node) *NormalDist {
	d := &NormalDist{}
	g, batch, ok := d.setParams("Normal", []string{"loc", "scale"}, []*engine.Node{loc, scale}, nil)
	if !ok {
		return d
	}
	d.Loc = g.BroadcastTo(d.checkParam("Normal", "loc", loc, ruleFinite), batch...)
	d.Scale = g.BroadcastTo(d.checkParam("Normal", "scale", scale, rulePositive), batch...)
	return d
}

// Family returns "Normal".
func (d *NormalDist) Family() string { return "Normal" }

// Support is the real line.
func (d *NormalDist) Support() Constraint { return Real() }

// Reparameterized is true: draws are loc + scale·ε.
func (d *NormalDist) Reparameterized() bool { return true }

// LogProb returns −(x−loc)²/(2 scale²) − log scale − ½ log 2π.
func (d *NormalDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("Normal", x) {
		return d.invalid()
	}
	return broadcastBatch(d.g, normalLogProb(d.g, x, d.Loc, d.Scale), d.batch)
}

// Sample draws loc + scale·ε with ε standard normal noise.
func (d *NormalDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	eps := g.Noise(engine.StdNormal, d.sampleShape(sampleShape)...)
	return g.Add(d.Loc, g.Mul(d.Scale, eps))
}

// Mean is loc.
func (d *NormalDist) Mean() *engine.Node { return d.Loc }

// Variance is scale².
func (d *NormalDist) Variance() *engine.Node { return d.g.Square(d.Scale) }

// Entropy is ½ log(2πe) + log scale.
func (d *NormalDist) Entropy() *engine.Node {
	return d.g.AddScalar(d.g.Log(d.Scale), 0.5+halfLog2Pi)
}

// Stddev is scale.
func (d *NormalDist) Stddev() *engine.Node { return d.Scale }
