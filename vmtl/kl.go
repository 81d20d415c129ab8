package vmtl

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// KLToMixture estimates KL(p ‖ Σ_c w_c q_c), the divergence from p to the
// mixture of the components with weights w = exp(logWeights), from n draws
// x_i of p (fresh on every program run):
//
//	(1/n) Σ_i [log p(x_i) − logsumexp_c(log w_c + log q_c(x_i))].
//
// This is the divergence to the mixture itself, not the larger mixture of
// divergences Σ_c w_c KL(p ‖ q_c). logWeights has shape [C] (one weight per
// component, summing to 1; −Inf excludes a component); p and the components
// must share batch and event shapes, and the estimate and its standard error
// have the batch shape. With one component the closed form KL(p ‖ q_1) is
// used when the pair has one (the standard error is then zero) and
// logWeights is ignored. With a reparameterized p the estimate's gradient is
// unbiased too.
func KLToMixture(p dist.Distribution, components []dist.Distribution, logWeights *engine.Node, n int) (estimate, stderr *engine.Node) {
	if p == nil {
		g := engine.NewGraph()
		bad := g.Fail(fmt.Errorf("%w: KLToMixture: nil distribution", ErrConfig))
		return bad, bad
	}
	g := p.Graph()
	fail := func(format string, args ...any) (*engine.Node, *engine.Node) {
		bad := g.Fail(fmt.Errorf("%w: KLToMixture: "+format, append([]any{ErrConfig}, args...)...))
		return bad, bad
	}
	if len(components) == 0 {
		return fail("no components")
	}
	for i, q := range components {
		switch {
		case q == nil:
			return fail("component %d is nil", i)
		case q.Graph() != g:
			return fail("component %d lives on another graph", i)
		case !q.BatchShape().Equal(p.BatchShape()) || !q.EventShape().Equal(p.EventShape()):
			return fail("component %d has batch %v and event %v, p has %v and %v",
				i, q.BatchShape(), q.EventShape(), p.BatchShape(), p.EventShape())
		}
	}
	if len(components) == 1 && dist.HasKL(p, components[0]) {
		kl := dist.KL(p, components[0])
		return kl, g.ZerosLike(kl)
	}
	if n < 2 {
		return fail("needs at least 2 samples, got %d", n)
	}
	if len(components) == 1 {
		logWeights = g.Constant([]float64{0}, 1)
	}
	if !g.Ok("KLToMixture", logWeights) {
		return logWeights, logWeights
	}
	if s := logWeights.Shape(); !s.Equal(engine.Shape{len(components)}) {
		return fail("log weights have shape %v, want [%d]", s, len(components))
	}
	x := p.Sample(n)
	logq := make([]*engine.Node, len(components))
	for i, q := range components {
		logq[i] = q.LogProb(x)
	}
	return mixtureKL(g, p.LogProb(x), g.Stack(0, logq...), logWeights)
}

// mixtureKL turns log densities at draws of p into the estimate of
// KL(p ‖ mixture) and its standard error. logp has shape [n] + batch, logq
// [C, n] + batch, and logw broadcasts against logq (its leading axis runs over
// the components). The objective uses it with all tasks' densities stacked.
func mixtureKL(g *engine.Graph, logp, logq, logw *engine.Node) (estimate, stderr *engine.Node) {
	if !g.Ok("KLToMixture", logp, logq, logw) {
		bad := g.Fail(fmt.Errorf("%w: KLToMixture: invalid log densities", ErrConfig))
		return bad, bad
	}
	rank := len(logq.Shape())
	for len(logw.Shape()) < rank {
		logw = g.Unsqueeze(logw, -1)
	}
	d := g.Sub(logp, g.LogSumExp(g.Add(logq, logw), 0)) // [n] + batch
	return meanStderr(g, d)
}

// meanStderr returns the mean of d over its leading axis and the standard
// error of that mean.
func meanStderr(g *engine.Graph, d *engine.Node) (mean, stderr *engine.Node) {
	n := d.Shape()[0]
	mean = g.Mean(d, 0)
	dev := g.Sub(d, mean)
	variance := g.Scale(g.Sum(g.Square(dev), 0), 1/float64(n-1))
	return mean, g.Sqrt(g.Scale(variance, 1/float64(n)))
}
