package dist

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// Unsampleable is implemented by distributions that cannot draw values (an
// improper density, a truncation without a quantile function): their Sample
// records an error wrapping ErrNotSupported. Inference starts their sites
// without prior draws (probgraph.InitToUniform).
type Unsampleable interface {
	Distribution
	Unsampleable()
}

// ImproperUniformDist is the improper flat density on a support: log
// density 0 on it and −Inf off it (NumPyro's ImproperUniform; in Stan, a
// parameter with no sampling statement). It integrates to infinity on an
// unbounded support, so the posterior is proper only when the likelihood
// makes it so, and it cannot be sampled: a site drawn from it starts from
// probgraph.InitToUniform.
type ImproperUniformDist struct {
	base
	support Constraint
}

// ImproperUniform returns the flat density on support with the given batch
// and event shapes; the event shape must have support's event rank (one
// dimension for an ordered vector, none for an interval). g is the graph the
// density lives on; a support with node bounds must live there too.
func ImproperUniform(g *engine.Graph, support Constraint, batch, event engine.Shape) *ImproperUniformDist {
	d := &ImproperUniformDist{base: base{g: g, batch: batch.Clone(), event: event.Clone()}, support: support}
	if g == nil {
		d.g = nilGraph("ImproperUniform")
		return d
	}
	switch {
	case support == nil:
		g.Fail(fmt.Errorf("%w: ImproperUniform: nil support", ErrParameter))
	case support.Discrete():
		g.Fail(fmt.Errorf("%w: ImproperUniform: support %v is discrete", ErrNotSupported, support))
	case support.EventDim() != len(event):
		g.Fail(fmt.Errorf("%w: ImproperUniform: support %v spans %d event dimensions, event shape is %v",
			ErrShape, support, support.EventDim(), event))
	}
	if nb, ok := support.(nodeBounds); ok && nb.graph() != g {
		g.Fail(fmt.Errorf("%w: ImproperUniform: the support's bounds live on another graph", engine.ErrInvalidNode))
	}
	return d
}

// Flat is the improper flat density on the real line with the given batch
// shape (an unbounded Stan parameter with no prior).
func Flat(g *engine.Graph, batch ...int) *ImproperUniformDist {
	return ImproperUniform(g, Real(), batch, nil)
}

// FlatPositive is the improper flat density on (0, ∞) with the given batch
// shape (Stan's real<lower=0> with no prior).
func FlatPositive(g *engine.Graph, batch ...int) *ImproperUniformDist {
	return ImproperUniform(g, Positive(), batch, nil)
}

// Family returns "ImproperUniform".
func (d *ImproperUniformDist) Family() string { return "ImproperUniform" }

// Support is the support it was made with.
func (d *ImproperUniformDist) Support() Constraint { return d.support }

// Reparameterized is false: there is nothing to draw.
func (d *ImproperUniformDist) Reparameterized() bool { return false }

// Unsampleable marks the density as one that cannot be drawn from.
func (d *ImproperUniformDist) Unsampleable() {}

// LogProb is 0 on the support and −Inf off it (NaN at NaN), with x's leading
// shape broadcast with the batch shape.
func (d *ImproperUniformDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue(d.Family(), x) {
		return d.invalid()
	}
	g := d.g
	in := d.support.Check(x)
	if !in.Valid() {
		return d.invalid()
	}
	lp := maskOutside(g, x, d.Support(), g.Equal(in, g.Scalar(0)), g.ZerosLike(in))
	if n := len(d.event) - d.support.EventDim(); n > 0 {
		lp = sumRightmost(g, lp, n)
	}
	if len(d.event) == 0 { // NaN stays NaN, as for every family
		lp = g.Where(g.Equal(x, x), lp, g.Scalar(math.NaN()))
	}
	return broadcastBatch(g, lp, d.batch)
}

// Sample records an error wrapping ErrNotSupported: an improper density has
// no draws.
func (d *ImproperUniformDist) Sample(sampleShape ...int) *engine.Node {
	return d.g.Fail(fmt.Errorf("%w: ImproperUniform(%v) cannot be sampled; start its site with probgraph.InitToUniform", ErrNotSupported, d.support))
}
