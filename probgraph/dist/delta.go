package dist

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// DeltaDist is the point mass at V, optionally carrying a log density that
// LogProb adds (Pyro's Delta with log_density and event_dim). With event
// dimensions it is the point-mass guide for a vector-valued site (AutoDelta):
// one member is the whole vector V[..., :].
type DeltaDist struct {
	base
	// V is the point, broadcast to batch + event shape.
	V *engine.Node
	// LogDensity is added to LogProb, broadcast to the batch shape; nil when
	// the Delta carries none.
	LogDensity *engine.Node
}

// Delta returns the point mass at v, with batch shape v's shape and no event
// dimensions.
func Delta(v *engine.Node) *DeltaDist { return newDelta(v, nil, false, 0) }

// DeltaWithDensity returns the point mass at v whose LogProb adds
// logDensity (which broadcasts with v's shape) at the point: the log
// Jacobian a transformed guide carries along with its value.
func DeltaWithDensity(v, logDensity *engine.Node) *DeltaDist {
	return newDelta(v, logDensity, true, 0)
}

// DeltaEvent returns the point mass at v whose trailing eventDim dimensions
// are event dimensions: LogProb is 0 where the whole event equals v and −∞
// where any element differs.
func DeltaEvent(v *engine.Node, eventDim int) *DeltaDist { return newDelta(v, nil, false, eventDim) }

// DeltaEventWithDensity combines DeltaEvent and DeltaWithDensity: logDensity
// broadcasts with v's batch shape (its shape without the eventDim trailing
// dimensions).
func DeltaEventWithDensity(v, logDensity *engine.Node, eventDim int) *DeltaDist {
	return newDelta(v, logDensity, true, eventDim)
}

func newDelta(v, logDensity *engine.Node, hasDensity bool, eventDim int) *DeltaDist {
	names, nodes, dims := []string{"v"}, []*engine.Node{v}, []int{eventDim}
	if hasDensity {
		names, nodes, dims = append(names, "log_density"), append(nodes, logDensity), append(dims, 0)
	}
	d := &DeltaDist{}
	if eventDim < 0 {
		// params would slice with a negative count; report it first.
		if v == nil || v.Graph() == nil {
			d.g = nilGraph("Delta")
		} else {
			d.g = v.Graph()
			d.g.Fail(fmt.Errorf("%w: Delta: event_dim must be non-negative, got %d", ErrParameter, eventDim))
		}
		d.V = d.invalid()
		return d
	}
	g, batch, ok := d.setParams("Delta", names, nodes, dims)
	if !ok {
		d.V = d.invalid()
		return d
	}
	s := v.Shape()
	d.event = s[len(s)-eventDim:].Clone()
	d.V = g.BroadcastTo(v, d.sampleShape(nil)...)
	if hasDensity {
		d.LogDensity = g.BroadcastTo(logDensity, batch...)
	}
	return d
}

// Family returns "Delta".
func (d *DeltaDist) Family() string { return "Delta" }

// Support is the real numbers, over the event dimensions.
func (d *DeltaDist) Support() Constraint {
	if len(d.event) == 0 {
		return Real()
	}
	return independentConstraint{c: Real(), n: len(d.event)}
}

// Reparameterized is true: a draw is V itself, so gradients flow into it.
func (d *DeltaDist) Reparameterized() bool { return true }

// LogProb returns log 1[x == V] summed over the event dimensions (0 where the
// event equals V, −∞ elsewhere) plus LogDensity. No gradient flows into V
// through the comparison.
func (d *DeltaDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("Delta", x) {
		return d.invalid()
	}
	g := d.g
	lp := sumRightmost(g, g.Log(g.Equal(x, d.V)), len(d.event))
	if d.LogDensity != nil {
		lp = g.Add(lp, d.LogDensity)
	}
	return broadcastBatch(g, lp, d.batch)
}

// Sample returns V broadcast to sample + batch + event shape; it uses no
// noise.
func (d *DeltaDist) Sample(sampleShape ...int) *engine.Node {
	return d.g.BroadcastTo(d.V, d.sampleShape(sampleShape)...)
}

// Mean is V.
func (d *DeltaDist) Mean() *engine.Node { return d.V }

// Variance is zero, with V's shape.
func (d *DeltaDist) Variance() *engine.Node { return d.g.ZerosLike(d.V) }
