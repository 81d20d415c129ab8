package autoguide

import (
	"fmt"

	"github.com/ignis-ppl/ignis/probgraph"
)

// Latent is a continuous latent site of a model in unconstrained space.
//
// Deprecated: use probgraph.LatentSite.
type Latent = probgraph.LatentSite

// Latents traces model and returns its continuous latent sites, each
// initialized by init from prior draws taken with the given seed.
//
// Deprecated: use probgraph.LatentSites, or probgraph.NewPrototype to trace
// the model once and draw starting points for several seeds.
func Latents(model probgraph.Model, init InitStrategy, seed uint64) ([]Latent, error) {
	sites, err := probgraph.LatentSites(model, init, seed)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAutoguide, err)
	}
	if len(sites) == 0 {
		return nil, fmt.Errorf("%w: the model has no latent sites", ErrAutoguide)
	}
	return sites, nil
}
