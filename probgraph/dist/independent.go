package dist

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// IndependentDist reinterprets the rightmost batch dimensions of a
// distribution as event dimensions, so LogProb sums over them (Pyro's
// to_event / Independent).
type IndependentDist struct {
	base
	Base Distribution
	N    int
}

// ToEvent moves the rightmost n batch dimensions of d into its event shape.
func ToEvent(d Distribution, n int) *IndependentDist {
	g := d.Graph()
	batch, event := d.BatchShape(), d.EventShape()
	out := &IndependentDist{base: base{g: g}, Base: d, N: n}
	if n < 0 || n > len(batch) {
		g.Fail(fmt.Errorf("%w: ToEvent(%d) of %s with batch shape %v", ErrShape, n, d.Family(), batch))
		out.batch, out.event = batch, event
		return out
	}
	if b, ok := d.(*IndependentDist); ok {
		return ToEvent(b.Base, b.N+n)
	}
	out.batch = batch[:len(batch)-n].Clone()
	out.event = append(batch[len(batch)-n:].Clone(), event...)
	return out
}

// Family names the base family with the reinterpreted dimensions.
func (d *IndependentDist) Family() string {
	return fmt.Sprintf("Independent(%s, %d)", d.Base.Family(), d.N)
}

// Reparameterized is the base's.
func (d *IndependentDist) Reparameterized() bool { return d.Base.Reparameterized() }

// Support is the base's support over the larger event.
func (d *IndependentDist) Support() Constraint {
	return independentConstraint{c: d.Base.Support(), n: d.N}
}

// LogProb sums the base log-prob over the reinterpreted dimensions.
func (d *IndependentDist) LogProb(x *engine.Node) *engine.Node {
	return sumRightmost(d.g, d.Base.LogProb(x), d.N)
}

// Sample draws from the base.
func (d *IndependentDist) Sample(sampleShape ...int) *engine.Node {
	return d.Base.Sample(sampleShape...)
}

// Mean is the base's mean, when it has one.
func (d *IndependentDist) Mean() *engine.Node {
	if m, ok := d.Base.(Meaner); ok {
		return m.Mean()
	}
	return d.fail(fmt.Errorf("%w: %s has no closed-form mean", ErrNoClosedForm, d.Base.Family()))
}

// Variance is the base's variance, when it has one.
func (d *IndependentDist) Variance() *engine.Node {
	if m, ok := d.Base.(Variancer); ok {
		return m.Variance()
	}
	return d.fail(fmt.Errorf("%w: %s has no closed-form variance", ErrNoClosedForm, d.Base.Family()))
}

// Entropy sums the base entropy over the reinterpreted dimensions.
func (d *IndependentDist) Entropy() *engine.Node {
	if m, ok := d.Base.(Entropier); ok {
		return sumRightmost(d.g, m.Entropy(), d.N)
	}
	return d.fail(fmt.Errorf("%w: %s has no closed-form entropy", ErrNoClosedForm, d.Base.Family()))
}

// independentConstraint is a constraint with extra event dimensions.
type independentConstraint struct {
	c Constraint
	n int
}

func (c independentConstraint) String() string {
	return fmt.Sprintf("independent(%v, %d)", c.c, c.n)
}
func (c independentConstraint) EventDim() int { return c.c.EventDim() + c.n }

// Base is the constraint each element satisfies, without the extra event
// dimensions.
func (c independentConstraint) Base() Constraint { return c.c }
func (c independentConstraint) Discrete() bool   { return c.c.Discrete() }

func (c independentConstraint) Check(x *engine.Node) *engine.Node {
	g := x.Graph()
	ok := c.c.Check(x)
	if !ok.Valid() || c.n == 0 {
		return ok
	}
	return g.Min(ok, lastAxes(len(ok.Shape()), c.n)...)
}

func lastAxes(rank, n int) []int {
	axes := make([]int, n)
	for i := range axes {
		axes[i] = rank - n + i
	}
	return axes
}

// ExpandedDist broadcasts a distribution to a larger batch shape; the new
// members are independent copies (Pyro's expand).
type ExpandedDist struct {
	base
	Base Distribution
}

// Expand broadcasts d's batch shape to batch (NumPy rules).
func Expand(d Distribution, batch ...int) *ExpandedDist {
	g := d.Graph()
	out := &ExpandedDist{base: base{g: g, batch: d.BatchShape(), event: d.EventShape()}, Base: d}
	s, ok := engine.BroadcastShapes(d.BatchShape(), batch)
	if !ok || !s.Equal(batch) {
		g.Fail(fmt.Errorf("%w: Expand %s with batch shape %v to %v", ErrShape, d.Family(), d.BatchShape(), batch))
		return out
	}
	out.batch = engine.Shape(batch).Clone()
	return out
}

// Family names the base family.
func (d *ExpandedDist) Family() string { return d.Base.Family() }

// Reparameterized is the base's.
func (d *ExpandedDist) Reparameterized() bool { return d.Base.Reparameterized() }

// Support is the base's.
func (d *ExpandedDist) Support() Constraint { return d.Base.Support() }

// LogProb is the base log-prob broadcast to the new batch shape.
func (d *ExpandedDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue(d.Family(), x) {
		return d.invalid()
	}
	return broadcastBatch(d.g, d.Base.LogProb(x), d.batch)
}

// Sample draws independent values for every member of the new batch: the
// base is sampled with the new leading batch dimensions as extra sample
// dimensions, and dimensions the base had as 1 are filled by further draws.
func (d *ExpandedDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	old := d.Base.BatchShape()
	extra := len(d.batch) - len(old)
	// Draw sample + new batch + (old batch with broadcast dims as 1) and
	// reshape: any old dim of size 1 that became k is drawn k times by
	// sampling it as part of the sample shape.
	lead := append(append([]int{}, sampleShape...), d.batch[:extra]...)
	var grow []int // positions in old that expand from 1
	for i, s := range old {
		if s == 1 && d.batch[extra+i] != 1 {
			grow = append(grow, i)
		}
	}
	if len(grow) == 0 {
		return d.Base.Sample(lead...)
	}
	// Sample the grown sizes as extra leading dims, then move them into place.
	drawShape := append([]int{}, lead...)
	for _, i := range grow {
		drawShape = append(drawShape, d.batch[extra+i])
	}
	x := d.Base.Sample(drawShape...) // lead + grow + old + event
	if !x.Valid() {
		return x
	}
	// Move each grown dim onto its size-1 slot: transpose then reshape.
	nl, ng, no := len(lead), len(grow), len(old)
	ne := len(d.EventShape())
	perm := make([]int, 0, nl+ng+no+ne)
	for i := 0; i < nl; i++ {
		perm = append(perm, i)
	}
	gi := 0
	for i := 0; i < no; i++ {
		if gi < ng && grow[gi] == i {
			perm = append(perm, nl+gi)
			gi++
		}
		perm = append(perm, nl+ng+i)
	}
	for i := 0; i < ne; i++ {
		perm = append(perm, nl+ng+no+i)
	}
	x = g.Transpose(x, perm...)
	return g.Reshape(x, d.sampleShape(sampleShape)...)
}
