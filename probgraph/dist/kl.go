package dist

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

type klFunc func(p, q Distribution) *engine.Node

// klOf binds a closed form of one family pair to the klFunc signature.
func klOf[P, Q Distribution](f func(p P, q Q) *engine.Node) (klFunc, bool) {
	return func(p, q Distribution) *engine.Node { return f(p.(P), q.(Q)) }, true
}

// klClosedForm is the table of closed forms: one case per family pair.
func klClosedForm(p, q Distribution) (klFunc, bool) {
	switch p.(type) {
	case *NormalDist:
		if _, ok := q.(*NormalDist); ok {
			return klOf(klNormal)
		}
	case *BernoulliDist:
		if _, ok := q.(*BernoulliDist); ok {
			return klOf(klBernoulli)
		}
	case *BetaDist:
		if _, ok := q.(*BetaDist); ok {
			return klOf(klBeta)
		}
	case *CategoricalDist:
		if _, ok := q.(*CategoricalDist); ok {
			return klOf(func(p, q *CategoricalDist) *engine.Node { return categoricalKL("Categorical", p, q) })
		}
	case *OneHotCategoricalDist:
		if _, ok := q.(*OneHotCategoricalDist); ok {
			return klOf(klOneHotCategorical)
		}
	case *DirichletDist:
		if _, ok := q.(*DirichletDist); ok {
			return klOf(klDirichlet)
		}
	case *ExponentialDist:
		if _, ok := q.(*ExponentialDist); ok {
			return klOf(klExponential)
		}
	case *GammaDist:
		if _, ok := q.(*GammaDist); ok {
			return klOf(klGamma)
		}
	case *PoissonDist:
		if _, ok := q.(*PoissonDist); ok {
			return klOf(klPoisson)
		}
	case *MultivariateNormalDist, *LowRankMultivariateNormalDist:
		switch q.(type) {
		case *MultivariateNormalDist, *LowRankMultivariateNormalDist:
			return func(p, q Distribution) *engine.Node { return klGaussian(p.(gaussian), q.(gaussian)) }, true
		}
	}
	return nil, false
}

// HasKL reports whether KL(p, q) has a closed form for this pair.
func HasKL(p, q Distribution) bool {
	_, ok := klLookup(p, q)
	return ok
}

func klLookup(p, q Distribution) (klFunc, bool) {
	// Expansions come off first (on either side), then matching Independent
	// wrappers: plates and particles expand ToEvent distributions, so both
	// orders of wrapping occur.
	if pe, ok := p.(*ExpandedDist); ok {
		if f, ok := klLookup(pe.Base, q); ok {
			return func(_, _ Distribution) *engine.Node {
				return broadcastBatch(pe.g, f(pe.Base, q), pe.batch)
			}, true
		}
		return nil, false
	}
	if qe, ok := q.(*ExpandedDist); ok {
		if f, ok := klLookup(p, qe.Base); ok {
			return func(_, _ Distribution) *engine.Node {
				return broadcastBatch(qe.g, f(p, qe.Base), qe.batch)
			}, true
		}
		return nil, false
	}
	if pi, ok := p.(*IndependentDist); ok {
		if qi, ok := q.(*IndependentDist); ok && pi.N == qi.N {
			if f, ok := klLookup(pi.Base, qi.Base); ok {
				return func(_, _ Distribution) *engine.Node {
					return sumRightmost(pi.g, f(pi.Base, qi.Base), pi.N)
				}, true
			}
		}
		return nil, false
	}
	return klClosedForm(p, q)
}

// KL returns the closed-form Kullback–Leibler divergence KL(p ‖ q), with the
// broadcast batch shape of p and q. When the pair has no closed form, the
// graph records an error wrapping ErrNoClosedForm (use KLMonteCarlo then).
func KL(p, q Distribution) *engine.Node {
	g := p.Graph()
	if q.Graph() != g {
		return g.Fail(fmt.Errorf("%w: KL(%s ‖ %s): distributions on different graphs", engine.ErrInvalidNode, p.Family(), q.Family()))
	}
	if !p.EventShape().Equal(q.EventShape()) {
		return g.Fail(fmt.Errorf("%w: KL(%s ‖ %s): event shapes %v and %v differ", ErrShape, p.Family(), q.Family(), p.EventShape(), q.EventShape()))
	}
	f, ok := klLookup(p, q)
	if !ok {
		return g.Fail(fmt.Errorf("%w: KL(%s ‖ %s)", ErrNoClosedForm, p.Family(), q.Family()))
	}
	return f(p, q)
}

// KLMonteCarlo estimates KL(p ‖ q) = E_p[log p(x) − log q(x)] from n draws of
// p (fresh on every program run) and returns the estimate and its standard
// error, both with the batch shape. The estimate is unbiased; with a
// reparameterized p its gradient is too.
func KLMonteCarlo(p, q Distribution, n int) (estimate, stderr *engine.Node) {
	g := p.Graph()
	if n < 2 {
		bad := g.Fail(fmt.Errorf("%w: KLMonteCarlo needs at least 2 samples, got %d", ErrParameter, n))
		return bad, bad
	}
	x := p.Sample(n)
	d := g.Sub(p.LogProb(x), q.LogProb(x)) // [n] + batch
	mean := g.Mean(d, 0)
	dev := g.Sub(d, mean)
	variance := g.Scale(g.Sum(g.Square(dev), 0), 1/float64(n-1))
	return mean, g.Sqrt(g.Scale(variance, 1/float64(n)))
}

// klNormal is KL(Normal ‖ Normal).
func klNormal(p, q *NormalDist) *engine.Node {
	g := p.g
	// log(σq/σp) + (σp² + (μp−μq)²)/(2σq²) − ½
	ratio := g.Square(g.Div(p.Scale, q.Scale))
	diff := g.Square(g.Div(g.Sub(p.Loc, q.Loc), q.Scale))
	return g.Scale(g.Sub(g.Add(ratio, diff), g.AddScalar(g.Log(ratio), 1)), 0.5)
}
