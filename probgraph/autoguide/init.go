package autoguide

import "github.com/ignis-ppl/ignis/probgraph"

// InitSite is what an init strategy sees of a latent site
// (probgraph.InitSite).
type InitSite = probgraph.InitSite

// InitStrategy chooses a latent site's initial value (probgraph.InitStrategy).
// Guides and MCMC share the same strategies.
type InitStrategy = probgraph.InitStrategy

// InitToMedian starts each site at the element-wise median of n prior draws
// (probgraph.InitToMedian).
func InitToMedian(n int) InitStrategy { return probgraph.InitToMedian(n) }

// InitToMean starts each site at its prior mean, or at the median of prior
// draws when the mean has no closed form (probgraph.InitToMean).
func InitToMean() InitStrategy { return probgraph.InitToMean() }

// InitToSample starts each site at one draw from its prior
// (probgraph.InitToSample).
func InitToSample() InitStrategy { return probgraph.InitToSample() }

// InitToValue starts the named sites at the given values and the others by
// fallback, InitToMedian(15) when nil (probgraph.InitToValue).
func InitToValue(values map[string]probgraph.Tensor, fallback InitStrategy) InitStrategy {
	return probgraph.InitToValue(values, fallback)
}

// InitToFeasible starts each site at the image of zero in unconstrained
// space (probgraph.InitToFeasible).
func InitToFeasible() InitStrategy { return probgraph.InitToFeasible() }
