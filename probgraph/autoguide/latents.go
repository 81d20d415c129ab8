package autoguide

import (
	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// Latent is a continuous latent site of a model as an inference algorithm
// working in unconstrained space sees it.
type Latent struct {
	Name    string
	Support dist.Constraint
	// Transform maps unconstrained values onto Support (dist.BijectTo).
	Transform dist.Transform
	// Shape is the constrained value's shape (plates included) and EventDim
	// its number of event dimensions.
	Shape    engine.Shape
	EventDim int
	// UnconstrainedShape is the shape of the value before Transform.
	UnconstrainedShape engine.Shape
	// Init is the unconstrained initial value the strategy chose.
	Init probgraph.Tensor
}

// Latents traces model and returns its continuous latent sites (enumerated
// sites are left out) in execution order, each initialized by init (default
// InitToMedian(15)) from prior draws taken with the given seed: different
// seeds give different starting points to strategies that use the draws.
// Sampling algorithms such as NUTS share the guides' init strategies
// through it.
func Latents(model probgraph.Model, init InitStrategy, seed uint64) ([]Latent, error) {
	sites, err := prototype(model, init, seed)
	if err != nil {
		return nil, err
	}
	out := make([]Latent, len(sites))
	for i, s := range sites {
		out[i] = Latent{Name: s.name, Support: s.support, Transform: s.transform, Shape: s.shape.Clone(),
			EventDim: s.eventDim, UnconstrainedShape: s.uncShape.Clone(), Init: s.init}
	}
	return out, nil
}
