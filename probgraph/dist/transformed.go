package dist

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// TransformedDist is the distribution of T(x) for x drawn from a base
// distribution and T a bijection: log p(y) = log p_base(T⁻¹(y)) −
// log|det J_T(T⁻¹(y))|. Autoguides use it to sample constrained sites from
// unconstrained Gaussians.
type TransformedDist struct {
	base
	Base      Distribution
	Transform Transform
	// drawn remembers, for values this distribution sampled, the base draw
	// they came from, so LogProb of its own samples needs no inverse.
	drawn map[*engine.Node]*engine.Node
}

// Transformed returns the distribution of t(x), x ~ d. The transform's input
// event dimensions must not exceed d's event rank plus its batch rank; the
// extra dimensions become event dimensions.
func Transformed(d Distribution, t Transform) *TransformedDist {
	g := d.Graph()
	out := &TransformedDist{base: base{g: g}, Base: d, Transform: t, drawn: map[*engine.Node]*engine.Node{}}
	full := append(d.BatchShape(), d.EventShape()...)
	ys, err := t.ForwardShape(full)
	if err != nil {
		g.Fail(fmt.Errorf("%w: Transformed(%s, %v): %w", ErrShape, d.Family(), t, err))
		out.batch, out.event = d.BatchShape(), d.EventShape()
		return out
	}
	eventRank := max(len(d.EventShape())+t.OutputEventDim()-t.InputEventDim(), t.OutputEventDim())
	if t.InputEventDim() > len(full) || eventRank > len(ys) {
		g.Fail(fmt.Errorf("%w: Transformed(%s, %v): transform needs %d event dims, base has shape %v",
			ErrShape, d.Family(), t, t.InputEventDim(), full))
		out.batch, out.event = d.BatchShape(), d.EventShape()
		return out
	}
	out.batch = engine.Shape(ys[:len(ys)-eventRank]).Clone()
	out.event = engine.Shape(ys[len(ys)-eventRank:]).Clone()
	return out
}

// Family names the base family and the transform.
func (d *TransformedDist) Family() string {
	return fmt.Sprintf("Transformed(%s, %v)", d.Base.Family(), d.Transform)
}

// Support is the transform's codomain.
func (d *TransformedDist) Support() Constraint { return d.Transform.Codomain() }

// Reparameterized is the base's.
func (d *TransformedDist) Reparameterized() bool { return d.Base.Reparameterized() }

// Sample draws x from the base and returns T(x).
func (d *TransformedDist) Sample(sampleShape ...int) *engine.Node {
	x := d.Base.Sample(sampleShape...)
	y := d.Transform.Forward(x)
	if y.Valid() {
		d.drawn[y] = x
	}
	return y
}

// LogProb is log p_base(x) − log|det J(x)| with x = T⁻¹(y), the Jacobian
// term summed over the event dimensions the base does not already sum.
func (d *TransformedDist) LogProb(y *engine.Node) *engine.Node {
	if !d.checkValue(d.Family(), y) {
		return d.invalid()
	}
	x, ok := d.drawn[y]
	if !ok {
		x = d.Transform.Inverse(y)
	}
	g := d.g
	lp := d.Base.LogProb(x)
	ladj := d.Transform.LogAbsDetJacobian(x, y)
	if !lp.Valid() || !ladj.Valid() {
		return d.invalid()
	}
	// The Jacobian term has the shape of y minus the transform's output event
	// dims; sum the remaining event dims of this distribution.
	extra := len(d.event) - d.Transform.OutputEventDim()
	ladj = sumRightmost(g, ladj, extra)
	lp = g.Sub(lp, ladj)
	if !ok {
		// A value off the codomain has no preimage; the formula there can be
		// anything (NaN, ∞ − ∞), the density is zero. Own draws are inside.
		c := d.Transform.Codomain()
		off := g.Equal(c.Check(y), g.Scalar(0))
		if n := len(d.event) - c.EventDim(); n > 0 && off.Valid() {
			off = g.Greater(sumRightmost(g, off, n), g.Scalar(0))
		}
		lp = maskOutside(g, y, c, off, lp)
	}
	return broadcastBatch(g, lp, d.batch)
}
