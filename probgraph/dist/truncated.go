package dist

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// TruncatedDist is a univariate distribution restricted to (Lo, Hi) and
// renormalized (NumPyro's TruncatedDistribution; Stan's T[lo, hi]):
//
//	log p(x) = log f(x) − log(F(Hi) − F(Lo))  for Lo < x < Hi,
//
// and −∞ elsewhere, with F the base's distribution function (F(Lo) = 0
// without a lower bound, F(Hi) = 1 without an upper one). Bounds may be
// constants or nodes computed from other sites. It has no quantile function
// on the graph, so it cannot be sampled: as a prior, its site starts from
// probgraph.InitToUniform.
type TruncatedDist struct {
	base
	Base CDFer
	// Lo and Hi are the bounds, broadcast to the batch shape; nil is no
	// bound.
	Lo, Hi  *engine.Node
	support Constraint
	logMass *engine.Node
}

// Truncated restricts d to (lo, hi); a nil bound is none. d must be
// univariate (no event dimensions) and have a CDF on the graph (Normal,
// StudentT, Cauchy, Exponential, Gamma); the error otherwise wraps
// ErrNotSupported. The batch shape broadcasts d's with the bounds'. Bounds
// must be finite and, when both are given, lo < hi: checked now for
// constants and at every run otherwise (ErrParameter). A base on [0, ∞)
// with no lower bound is bounded below by 0.
func Truncated(d Distribution, lo, hi *engine.Node) *TruncatedDist {
	const family = "Truncated"
	out := &TruncatedDist{}
	if d == nil || d.Graph() == nil {
		out.g = nilGraph(family)
		return out
	}
	out.g, out.batch = d.Graph(), d.BatchShape()
	g := out.g
	cd, ok := d.(CDFer)
	if !ok || len(d.EventShape()) != 0 {
		g.Fail(fmt.Errorf("%w: Truncated(%s): the base needs a CDF and no event dimensions", ErrNotSupported, d.Family()))
		return out
	}
	out.Base = cd
	if lo == nil && hi == nil {
		g.Fail(fmt.Errorf("%w: Truncated(%s): no bound given", ErrParameter, d.Family()))
		return out
	}
	names, nodes := []string{}, []*engine.Node{}
	for i, b := range []*engine.Node{lo, hi} {
		if b != nil {
			names, nodes = append(names, [...]string{"lo", "hi"}[i]), append(nodes, b)
		}
	}
	pg, bb, ok := params(family, names, nodes, nil)
	if !ok || pg != g {
		if ok {
			g.Fail(fmt.Errorf("%w: %s: the bounds live on another graph than %s's parameters", engine.ErrInvalidNode, family, d.Family()))
		}
		return out
	}
	batch, ok := engine.BroadcastShapes(d.BatchShape(), bb)
	if !ok {
		g.Fail(fmt.Errorf("%w: %s: bounds of shape %v do not broadcast with %s's batch shape %v", ErrShape, family, bb, d.Family(), d.BatchShape()))
		return out
	}
	out.batch = batch
	if lo != nil {
		lo = out.checkParam(family, "lo", lo, ruleFinite)
	}
	if hi != nil {
		hi = out.checkParam(family, "hi", hi, ruleFinite)
	}
	if lo != nil && hi != nil {
		hi = out.orderBounds(family, lo, hi)
	}
	if lo == nil && Within(d.Support(), NonNegative()) {
		lo = g.Scalar(0)
	}
	if !g.Ok(family, nodeBounds{lo: lo, hi: hi}.nodes()...) {
		return out
	}
	out.Lo, out.Hi = broadcastOpt(g, lo, batch), broadcastOpt(g, hi, batch)
	out.support = boundsConstraint(lo, hi)
	out.logMass = logMass(g, cd, out.Lo, out.Hi)
	return out
}

// broadcastOpt broadcasts a bound to the batch shape; nil stays nil.
func broadcastOpt(g *engine.Graph, n *engine.Node, batch engine.Shape) *engine.Node {
	if n == nil {
		return nil
	}
	return g.BroadcastTo(n, batch...)
}

// TruncatedNormal is Truncated(Normal(loc, scale), lo, hi).
func TruncatedNormal(loc, scale, lo, hi *engine.Node) *TruncatedDist {
	return Truncated(Normal(loc, scale), lo, hi)
}

// Family names the base family.
func (d *TruncatedDist) Family() string {
	if d.Base == nil {
		return "Truncated"
	}
	return "Truncated(" + d.Base.Family() + ")"
}

// Support is (Lo, Hi).
func (d *TruncatedDist) Support() Constraint {
	if d.support == nil {
		return Real()
	}
	return d.support
}

// Reparameterized is false: there are no draws.
func (d *TruncatedDist) Reparameterized() bool { return false }

// Unsampleable marks the distribution as one that cannot be drawn from.
func (d *TruncatedDist) Unsampleable() {}

// LogProb is the base's log density less the log mass between the bounds,
// and −∞ outside them.
func (d *TruncatedDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue(d.Family(), x) || d.logMass == nil {
		return d.invalid()
	}
	g := d.g
	lp := g.Sub(d.Base.LogProb(x), d.logMass)
	outside := g.Equal(d.support.Check(x), g.Scalar(0))
	lp = maskOutside(g, x, d.Support(), g.Mul(outside, g.Equal(x, x)), lp)
	return broadcastBatch(g, lp, d.batch)
}

// Sample records an error wrapping ErrNotSupported.
func (d *TruncatedDist) Sample(sampleShape ...int) *engine.Node {
	return d.g.Fail(fmt.Errorf("%w: %s cannot be sampled (no quantile function on the graph); start its site with probgraph.InitToUniform",
		ErrNotSupported, d.Family()))
}

// logMass is log(F(hi) − F(lo)) (F(nil lo) = 0, F(nil hi) = 1), computed
// where the mass lies: in log space for one bound when the family has log
// tails (log Φ stays finite 40 standard deviations out), from the survival
// function when the lower bound is above the median, so that 1 − F does not
// cancel.
func logMass(g *engine.Graph, d CDFer, lo, hi *engine.Node) *engine.Node {
	lt, hasLog := d.(logTails)
	sf, hasSF := d.(SFer)
	switch {
	case hi == nil && hasLog:
		return lt.LogSF(lo)
	case lo == nil && hasLog:
		return lt.LogCDF(hi)
	case hi == nil && hasSF:
		return g.Log(sf.SF(lo))
	case hi == nil:
		return g.Log1p(g.Neg(d.CDF(lo)))
	case lo == nil:
		return g.Log(d.CDF(hi))
	}
	below := g.Sub(d.CDF(hi), d.CDF(lo))
	if !hasSF {
		return g.Log(below)
	}
	upper := g.Greater(d.CDF(lo), g.Scalar(0.5))
	return g.Log(g.Where(upper, g.Sub(sf.SF(lo), sf.SF(hi)), below))
}
