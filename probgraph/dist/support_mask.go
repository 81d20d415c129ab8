package dist

import (
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// maskOutside returns lp where outside is 0 and −∞ where it is 1, so that
// LogProb is −∞ off the support instead of whatever the formula gives there.
// The mask is built from the condition "outside" rather than "inside" so that
// a NaN value stays NaN. No gradient flows through the mask.
func maskOutside(g *engine.Graph, outside, lp *engine.Node) *engine.Node {
	return g.Where(outside, g.Scalar(math.Inf(-1)), lp)
}

// locScale builds the parameters of a family with a real location and a
// positive scale, shared by LogNormal, Cauchy, Laplace and Gumbel: it checks
// them, broadcasts them to the batch shape and returns false when the
// distribution cannot be built (the error is then on the graph).
func locScale(family string, b *base, loc, scale *engine.Node) (l, s *engine.Node, ok bool) {
	g, batch, ok := params(family, []string{"loc", "scale"}, []*engine.Node{loc, scale}, nil)
	b.g, b.batch = g, batch
	if g == nil {
		b.g = nilGraph(family)
		return b.invalid(), b.invalid(), false
	}
	if !ok {
		return b.invalid(), b.invalid(), false
	}
	l = g.BroadcastTo(loc, batch...)
	s = g.BroadcastTo(checkParam(family, "scale", scale, rulePositive), batch...)
	return l, s, g.Ok(family, l, s)
}

// positiveParam is locScale for families with one positive parameter
// (HalfNormal and HalfCauchy's scale, Exponential's rate).
func positiveParam(family, name string, b *base, p *engine.Node) (*engine.Node, bool) {
	g, batch, ok := params(family, []string{name}, []*engine.Node{p}, nil)
	b.g, b.batch = g, batch
	if g == nil {
		b.g = nilGraph(family)
		return b.invalid(), false
	}
	if !ok {
		return b.invalid(), false
	}
	n := g.BroadcastTo(checkParam(family, name, p, rulePositive), batch...)
	return n, g.Ok(family, n)
}
