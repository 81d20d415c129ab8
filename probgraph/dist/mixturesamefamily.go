package dist

import (
	"fmt"
	"reflect"

	"github.com/ignis-ppl/ignis/engine"
)

// MixtureSameFamilyDist is a finite mixture of distributions of one family:
// the component's last batch dimension indexes the K mixture components and
// the mixing categorical distribution weighs them. The batch shape is the
// mixing batch shape broadcast with the component batch shape less its last
// dimension; the event shape is the component's.
type MixtureSameFamilyDist struct {
	base
	// Mixing picks a component; it has K categories.
	Mixing *CategoricalDist
	// Component has batch shape [..., K].
	Component Distribution
	// K is the number of components.
	K int
}

// MixtureSameFamily returns the mixture of component's members along its
// last batch dimension, weighted by mixing. Shape mismatches (a component
// without batch dimensions, a number of components that differs from the
// mixing's categories, batch shapes that do not broadcast) are errors
// wrapping ErrShape.
func MixtureSameFamily(mixing *CategoricalDist, component Distribution) *MixtureSameFamilyDist {
	const family = "MixtureSameFamily"
	d := &MixtureSameFamilyDist{Mixing: mixing, Component: component}
	if mixing == nil || isNilDist(component) {
		d.g = nilGraph(family)
		return d
	}
	g := mixing.Graph()
	d.g = g
	if g == nil {
		d.g = nilGraph(family)
		return d
	}
	if component.Graph() != g {
		g.Fail(fmt.Errorf("%w: %s: mixing and component on different graphs", engine.ErrInvalidNode, family))
		return d
	}
	cb := component.BatchShape()
	d.event = component.EventShape()
	if len(cb) == 0 {
		g.Fail(fmt.Errorf("%w: %s: component %s has no batch dimension to mix over", ErrShape, family, component.Family()))
		return d
	}
	d.K = cb[len(cb)-1]
	if mixing.K != d.K {
		g.Fail(fmt.Errorf("%w: %s: mixing has %d categories, component batch shape %v has %d members",
			ErrShape, family, mixing.K, cb, d.K))
		return d
	}
	batch, ok := engine.BroadcastShapes(mixing.BatchShape(), cb[:len(cb)-1])
	if !ok {
		g.Fail(fmt.Errorf("%w: %s: mixing batch shape %v does not broadcast with component batch shape %v",
			ErrShape, family, mixing.BatchShape(), cb))
		return d
	}
	d.batch = batch
	return d
}

// isNilDist reports a nil interface or a nil pointer in a non-nil interface.
func isNilDist(d Distribution) bool {
	if d == nil {
		return true
	}
	v := reflect.ValueOf(d)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// Family returns "MixtureSameFamily".
func (d *MixtureSameFamilyDist) Family() string { return "MixtureSameFamily" }

// Support is the component's support (the real line when the mixture was
// built without a component).
func (d *MixtureSameFamilyDist) Support() Constraint {
	if isNilDist(d.Component) {
		return Real()
	}
	return d.Component.Support()
}

// Reparameterized is false: the component index is discrete.
func (d *MixtureSameFamilyDist) Reparameterized() bool { return false }

// ok reports whether the mixture was built without error.
func (d *MixtureSameFamilyDist) ok(op string) bool {
	return d.K > 0 && d.g.Ok("MixtureSameFamily."+op, d.Mixing.Logits)
}

// LogProb returns logsumexp over the components of log w_k + log p_k(x).
func (d *MixtureSameFamilyDist) LogProb(x *engine.Node) *engine.Node {
	if !d.ok("LogProb") || !d.checkValue("MixtureSameFamily", x) {
		return d.invalid()
	}
	g := d.g
	xk := g.Unsqueeze(x, len(x.Shape())-len(d.event)) // a component axis before the event
	lp := g.Add(d.Component.LogProb(xk), d.Mixing.Logits)
	return broadcastBatch(g, g.LogSumExp(lp, -1), d.batch)
}

// Sample draws a component index from Mixing and a draw from every
// component, and takes the indexed component's draw.
func (d *MixtureSameFamilyDist) Sample(sampleShape ...int) *engine.Node {
	if !d.ok("Sample") {
		return d.invalid()
	}
	g := d.g
	var mix Distribution = d.Mixing
	if !d.Mixing.BatchShape().Equal(d.batch) {
		mix = Expand(d.Mixing, d.batch...)
	}
	comp := d.Component
	if full := append(d.batch.Clone(), d.K); !comp.BatchShape().Equal(full) {
		comp = Expand(comp, full...)
	}
	idx := mix.Sample(sampleShape...) // sample + batch
	xs := comp.Sample(sampleShape...) // sample + batch + [K] + event
	if !g.Ok("MixtureSameFamily.Sample", idx, xs) {
		return d.invalid()
	}
	return takeAlong(g, xs, idx, len(d.event))
}

// weights returns the mixing probabilities shaped to multiply component
// moments: mixing batch + [K] + ones for the event.
func (d *MixtureSameFamilyDist) weights() *engine.Node {
	s := append(d.Mixing.BatchShape(), d.K)
	for range d.event {
		s = append(s, 1)
	}
	return d.g.Reshape(d.Mixing.Probs, s...)
}

// Mean is Σ_k w_k mean_k; it needs a component with a closed-form mean.
func (d *MixtureSameFamilyDist) Mean() *engine.Node {
	if !d.ok("Mean") {
		return d.invalid()
	}
	m, ok := d.Component.(Meaner)
	if !ok {
		return d.fail(fmt.Errorf("%w: MixtureSameFamily.Mean: %s has no closed-form mean", ErrNoClosedForm, d.Component.Family()))
	}
	g := d.g
	return g.BroadcastTo(g.Sum(g.Mul(d.weights(), m.Mean()), -1-len(d.event)), append(d.batch.Clone(), d.event...)...)
}

// Variance is the law of total variance, Σ_k w_k var_k + Σ_k w_k (mean_k −
// mean)²; it needs a component with closed-form mean and variance.
func (d *MixtureSameFamilyDist) Variance() *engine.Node {
	if !d.ok("Variance") {
		return d.invalid()
	}
	m, ok1 := d.Component.(Meaner)
	v, ok2 := d.Component.(Variancer)
	if !ok1 || !ok2 {
		return d.fail(fmt.Errorf("%w: MixtureSameFamily.Variance: %s has no closed-form mean and variance",
			ErrNoClosedForm, d.Component.Family()))
	}
	g := d.g
	axis := -1 - len(d.event)
	w, means := d.weights(), m.Mean()
	mean := g.Unsqueeze(g.Sum(g.Mul(w, means), axis), axis)
	within := g.Mul(w, v.Variance())
	between := g.Mul(w, g.Square(g.Sub(means, mean)))
	return g.BroadcastTo(g.Sum(g.Add(within, between), axis), append(d.batch.Clone(), d.event...)...)
}
