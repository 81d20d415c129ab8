package dist

import "github.com/ignis-ppl/ignis/engine"

// PoissonLogRate returns the Poisson distribution with rate exp(logRate):
// Stan's poisson_log and a GLM's log link. Its log density,
// k·logRate − exp(logRate) − log k!, and its gradient are computed from
// logRate in one pass with one exponential, with no check of the rate: a
// rate that overflows gives a log density of −Inf. logRate must not be NaN.
// It is Poisson(Exp(logRate)); Rate is exp(logRate).
func PoissonLogRate(logRate *engine.Node) *PoissonDist {
	if logRate == nil || logRate.Graph() == nil {
		return Poisson(logRate)
	}
	return Poisson(logRate.Graph().Exp(logRate))
}
