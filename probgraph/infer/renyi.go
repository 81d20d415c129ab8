package infer

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
)

// RenyiELBO is the variational Rényi bound of order Alpha (Li and Turner,
// 2016). With P particles and log weights w_p = log p(x, z_p) − log q(z_p)
// it estimates
//
//	L_α = 1/(1−α) · log( (1/P) Σ_p exp((1−α)·w_p) )
//
// and the loss is −L_α. Alpha = 0 gives the importance-weighted bound
// (IWAE), which tightens towards log p(x) as P grows; α → 1 approaches the
// ELBO, which TraceELBO computes (Alpha = 1 itself is rejected); α > 1 gives
// bounds looser than the ELBO. Alpha must be finite and non-negative.
//
// NumParticles is P, vectorized in one program run; zero means 2. With one
// particle the loss is the ELBO estimate −w for any α. The bound's estimate,
// and so its gradient, is biased for finite P (it is a bound on the expected
// value, and consistent as P grows).
//
// Gradients are pathwise only: every latent site of the guide must be
// reparameterized, and Build returns an error wrapping ErrOptions naming the
// first one that is not (a score-function estimator of this objective is not
// implemented).
type RenyiELBO struct {
	Alpha        float64
	NumParticles int
}

// Build builds the loss on g.
func (e RenyiELBO) Build(g *engine.Graph, model, guide probgraph.Model, ps *probgraph.ParamStore) (*Objective, error) {
	a := e.Alpha
	switch {
	case math.IsNaN(a) || math.IsInf(a, 0) || a < 0:
		return nil, fmt.Errorf("%w: Rényi ELBO: alpha %v must be finite and non-negative", ErrOptions, a)
	case a == 1:
		return nil, fmt.Errorf("%w: Rényi ELBO: alpha must not be 1 (that is the ELBO: use TraceELBO)", ErrOptions)
	case e.NumParticles < 0:
		return nil, fmt.Errorf("%w: Rényi ELBO: %d particles", ErrOptions, e.NumParticles)
	}
	n := e.NumParticles
	if n == 0 {
		n = 2
	}
	mtr, gtr, dim, err := particleTraces(g, n, model, guide, ps)
	if err != nil {
		return nil, err
	}
	particles := dim != 0
	w := g.Scalar(0)
	for _, s := range mtr.Sites() {
		if s.Kind == probgraph.SampleSite {
			w = g.Add(w, perParticle(g, s.LogProb(), particles))
		}
	}
	for _, s := range gtr.Sites() {
		if !s.IsLatent() {
			continue
		}
		if !s.Dist.Reparameterized() {
			return nil, fmt.Errorf("%w: Rényi ELBO needs reparameterized guide sites; %q (%s) is not", ErrOptions, s.Name, s.Dist.Family())
		}
		w = g.Sub(w, perParticle(g, s.LogProb(), particles))
	}
	var loss *engine.Node
	if particles {
		// logsumexp keeps the largest weight at exp(0), so a bound far
		// below zero does not underflow.
		lse := g.LogSumExp(g.Scale(w, 1-a), 0)
		loss = g.Scale(g.AddScalar(lse, -math.Log(float64(n))), -1/(1-a))
	} else {
		loss = g.Neg(w)
	}
	if err := g.Err(); err != nil {
		return nil, err
	}
	return &Objective{Loss: loss, Surrogate: loss, ModelTrace: mtr, GuideTrace: gtr}, nil
}
