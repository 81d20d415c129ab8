package infer

import (
	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// TraceMeanFieldELBO is the Trace ELBO with analytic KL terms: for every
// latent site whose guide distribution q and model distribution p have a
// closed-form KL divergence (dist.HasKL), the sampled term
// log p(z) − log q(z) is replaced by its expectation −KL(q ‖ p), which
// removes that site's share of the Monte Carlo noise. Other sites keep the
// sampled terms, with score-function terms for non-reparameterized guide
// sites, exactly as TraceELBO; NumParticles works as there.
//
// The replacement is unbiased only for a mean-field guide: each guide site's
// distribution must not depend on the values of other latent sites (it may
// depend on parameters and data). Model sites may depend on other latents;
// their KL is computed with the model distribution as built when the model
// is replayed against the guide's draws, which is an unbiased estimate of
// the expected KL when the guide is mean-field. With a guide that is not
// mean-field the loss is biased, and nothing checks for it.
//
// A site's KL is scaled and masked like its log-probability. When the model
// and guide give a site different scales or masks (a Scale or Mask handler
// around one of them only), the KL would not stand for the sampled terms, so
// that site keeps them.
//
// Whether this estimator has a smaller variance than TraceELBO depends on the
// problem: the sampled prior term can be correlated with the likelihood term
// and cancel part of its noise (it does when the guide is near a Gaussian
// posterior), and then the analytic KL, which lacks that cancellation, is the
// noisier choice.
type TraceMeanFieldELBO struct {
	NumParticles int
}

// Build builds the loss on g.
func (e TraceMeanFieldELBO) Build(g *engine.Graph, model, guide probgraph.Model, ps *probgraph.ParamStore) (*Objective, error) {
	mtr, gtr, dim, err := particleTraces(g, e.NumParticles, model, guide, ps)
	if err != nil {
		return nil, err
	}
	particles := dim != 0
	elbo := g.Scalar(0)
	analytic := map[string]bool{}
	for _, s := range mtr.Sites() {
		if s.Kind != probgraph.SampleSite {
			continue
		}
		if q := gtr.Site(s.Name); s.IsLatent() && q != nil && q.IsLatent() && sameWeighting(s, q) {
			if kl, ok := siteKL(g, q, s); ok {
				elbo = g.Sub(elbo, perParticle(g, kl, particles))
				analytic[s.Name] = true
				continue
			}
		}
		elbo = g.Add(elbo, perParticle(g, s.LogProb(), particles))
	}
	for _, s := range gtr.Sites() {
		if s.IsLatent() && !analytic[s.Name] {
			elbo = g.Sub(elbo, perParticle(g, s.LogProb(), particles))
		}
	}
	return scoreObjective(g, mtr, gtr, elbo, particles)
}

// sameWeighting reports whether two sites weight their log-probabilities
// alike: the same scale and the same mask node (or none).
func sameWeighting(a, b *probgraph.Site) bool {
	return a.Scale == b.Scale && a.Mask == b.Mask
}

// siteKL returns KL(q ‖ p) for the guide site q and model site p, masked and
// scaled like the site's log-probability, with the broadcast batch shape of
// both; ok is false when the pair has no closed form.
func siteKL(g *engine.Graph, q, p *probgraph.Site) (kl *engine.Node, ok bool) {
	kl, ok = closedFormKL(q.Dist, p.Dist)
	if !ok {
		return nil, false
	}
	if q.Mask != nil {
		kl = g.Where(q.Mask, kl, g.Scalar(0))
	}
	if q.Scale != 1 {
		kl = g.Scale(kl, q.Scale)
	}
	return kl, true
}

// closedFormKL is dist.KL with the batch expansions of both sides taken off
// first and put back on the result. Plates and particles wrap site
// distributions in expansions, and the KL registry does not look through an
// expansion that sits on only one side of an Independent pair.
func closedFormKL(q, p dist.Distribution) (*engine.Node, bool) {
	qb, pb := unexpand(q), unexpand(p)
	if !dist.HasKL(qb, pb) || !qb.EventShape().Equal(pb.EventShape()) {
		return nil, false
	}
	batch, ok := engine.BroadcastShapes(q.BatchShape(), p.BatchShape())
	if !ok {
		return nil, false
	}
	g := q.Graph()
	kl := dist.KL(qb, pb)
	if !kl.Valid() {
		return kl, true // the graph holds the error; Build reports it
	}
	if !kl.Shape().Equal(batch) {
		kl = g.BroadcastTo(kl, batch...)
	}
	return kl, true
}

// unexpand strips batch expansions off d.
func unexpand(d dist.Distribution) dist.Distribution {
	for {
		e, ok := d.(*dist.ExpandedDist)
		if !ok {
			return d
		}
		d = e.Base
	}
}
