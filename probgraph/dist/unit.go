package dist

import "github.com/ignis-ppl/ignis/engine"

// UnitDist is a non-normalized distribution over the empty value whose
// log-probability is a given log factor: it is how a model adds an arbitrary
// term to its log density (probgraph's Factor).
type UnitDist struct {
	base
	LogFactor *engine.Node
}

// Unit returns the distribution whose LogProb is logFactor (its shape is the
// batch shape) whatever the value.
func Unit(logFactor *engine.Node) *UnitDist {
	g := logFactor.Graph()
	return &UnitDist{base: base{g: g, batch: logFactor.Shape()}, LogFactor: logFactor}
}

// Family returns "Unit".
func (d *UnitDist) Family() string { return "Unit" }

// Support is the real line (the value is ignored).
func (d *UnitDist) Support() Constraint { return Real() }

// Reparameterized is true: sampling returns zeros that carry no dependence.
func (d *UnitDist) Reparameterized() bool { return true }

// LogProb returns the log factor broadcast with x's leading shape.
func (d *UnitDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("Unit", x) {
		return d.invalid()
	}
	s, ok := engine.BroadcastShapes(x.Shape(), d.batch)
	if !ok {
		return d.invalid()
	}
	return d.g.BroadcastTo(d.LogFactor, s...)
}

// Sample returns zeros of shape sample + batch.
func (d *UnitDist) Sample(sampleShape ...int) *engine.Node {
	return d.g.Fill(0, d.sampleShape(sampleShape)...)
}
