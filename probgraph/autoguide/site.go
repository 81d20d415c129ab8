package autoguide

import (
	"errors"
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// ErrAutoguide reports a model an automatic guide cannot be built for.
var ErrAutoguide = errors.New("autoguide: cannot build guide")

// site is what a guide knows about one latent site of the model, learned
// from the model's prototype trace (probgraph.Prototype).
type site struct {
	name      string
	support   dist.Constraint
	transform dist.Transform
	// shape is the constrained value's shape (batch + event, plates
	// included); eventDim is the number of event dimensions.
	shape    engine.Shape
	eventDim int
	// uncShape is the unconstrained value's shape.
	uncShape engine.Shape
	// init is the unconstrained initial value.
	init probgraph.Tensor
}

// setup applies the options and finds and initializes the model's latent
// sites: what every guide's constructor starts with.
func setup(model probgraph.Model, opts []Option) (config, []*site, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return config{}, nil, err
	}
	latents, err := probgraph.LatentSites(model, cfg.init, 0)
	if err != nil {
		return config{}, nil, fmt.Errorf("%w: %w", ErrAutoguide, err)
	}
	if len(latents) == 0 {
		return config{}, nil, fmt.Errorf("%w: the model has no latent sites", ErrAutoguide)
	}
	sites := make([]*site, len(latents))
	for i, l := range latents {
		for _, p := range l.Plates {
			if p.Subsampled() {
				return config{}, nil, fmt.Errorf("%w: latent site %q is in subsampled plate %q; automatic guides need the full plate",
					ErrAutoguide, l.Name, p.Name)
			}
		}
		sites[i] = &site{name: l.Name, support: l.Support, transform: l.Transform, shape: l.Shape, eventDim: l.EventDim,
			uncShape: l.UnconstrainedShape, init: l.Init}
	}
	return cfg, sites, nil
}
