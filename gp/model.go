package gp

import (
	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
)

// Observe adds the exact marginal log-likelihood of targets y [..., N] at
// points x [..., N, D] under the prior p to a probgraph model, as a factor
// site called name, and returns it. The hyperparameters in p can be the
// values of sample sites with priors (fit by SVI with an automatic guide,
// or by MAP with autoguide.Delta), learnable parameters (type-II maximum
// likelihood), or both.
//
// The same density can be written as an observation of
// dist.MultivariateNormal(m(x), Cholesky(K + σ²ₙI)) at y; Observe gives the
// same value with a gradient that costs about three factorizations instead
// of the ten or so of the Cholesky op's general backward.
func Observe(m *probgraph.Ctx, name string, p Prior, x, y *engine.Node) *MLL {
	mll := MarginalLogLikelihood(m.Graph(), p, x, y)
	m.Factor(name, mll.Value)
	return mll
}
