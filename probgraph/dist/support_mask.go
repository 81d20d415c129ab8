package dist

import (
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// maskOutside returns lp where outside is 0 and −∞ where it is 1, so that
// LogProb is −∞ off the support instead of whatever the formula gives there.
// The mask is built from the condition "outside" rather than "inside" so that
// a NaN value stays NaN. No gradient flows through the mask.
//
// A value x known to lie in the support c (MarkSupport) keeps lp as it is:
// the mask could not change it.
func maskOutside(g *engine.Graph, x *engine.Node, c Constraint, outside, lp *engine.Node) *engine.Node {
	if knownIn(x, c) {
		return lp
	}
	return g.Where(outside, g.Scalar(math.Inf(-1)), lp)
}

// locScale builds the parameters of a family with a real location and a
// positive scale, shared by LogNormal, Cauchy, Laplace and Gumbel: it checks
// them, broadcasts them to the batch shape and returns false when the
// distribution cannot be built (the error is then on the graph).
func locScale(family string, b *base, loc, scale *engine.Node) (l, s *engine.Node, ok bool) {
	g, batch, ok := b.setParams(family, []string{"loc", "scale"}, []*engine.Node{loc, scale}, nil)
	if !ok {
		return b.invalid(), b.invalid(), false
	}
	l = g.BroadcastTo(b.checkParam(family, "loc", loc, ruleFinite), batch...)
	s = g.BroadcastTo(b.checkParam(family, "scale", scale, rulePositive), batch...)
	return l, s, g.Ok(family, l, s)
}

// positiveParam is locScale for families with one positive parameter
// (HalfNormal and HalfCauchy's scale, Exponential's rate).
func positiveParam(family, name string, b *base, p *engine.Node) (*engine.Node, bool) {
	ps, ok := positiveParams(family, b, []string{name}, p)
	return ps[0], ok
}

// positiveParams checks and broadcasts the parameters of a family whose
// parameters all must be positive (Gamma, InverseGamma, Beta, the
// one-parameter scale families): it fills b's graph and batch shape and
// returns the parameters broadcast to the batch, each checked now when it is
// a constant and at every run otherwise. On failure the returned nodes are
// invalid and the graph holds the error.
func positiveParams(family string, b *base, names []string, nodes ...*engine.Node) ([]*engine.Node, bool) {
	out := make([]*engine.Node, len(nodes))
	g, batch, ok := b.setParams(family, names, nodes, nil)
	if !ok {
		for i := range out {
			out[i] = b.invalid()
		}
		return out, false
	}
	for i, n := range nodes {
		out[i] = g.BroadcastTo(b.checkParam(family, names[i], n, rulePositive), batch...)
	}
	return out, g.Ok(family, out...)
}
