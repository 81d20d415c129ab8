package dist

import (
	"fmt"
	"reflect"

	"github.com/ignis-ppl/ignis/engine"
)

type klFunc func(p, q Distribution) *engine.Node

// klTable maps a (p, q) family pair to its closed form. It is filled by init
// functions of this package and never written afterwards.
var klTable = map[[2]reflect.Type]klFunc{}

func registerKL[P, Q Distribution](f func(p P, q Q) *engine.Node) {
	key := [2]reflect.Type{reflect.TypeFor[P](), reflect.TypeFor[Q]()}
	klTable[key] = func(p, q Distribution) *engine.Node { return f(p.(P), q.(Q)) }
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
	f, ok := klTable[[2]reflect.Type{reflect.TypeOf(p), reflect.TypeOf(q)}]
	return f, ok
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

func init() {
	registerKL(func(p, q *NormalDist) *engine.Node {
		g := p.g
		// log(σq/σp) + (σp² + (μp−μq)²)/(2σq²) − ½
		ratio := g.Square(g.Div(p.Scale, q.Scale))
		diff := g.Square(g.Div(g.Sub(p.Loc, q.Loc), q.Scale))
		return g.Scale(g.Sub(g.Add(ratio, diff), g.AddScalar(g.Log(ratio), 1)), 0.5)
	})
}
