package dist

import (
	"math"
	"math/rand/v2"

	"github.com/ignis-ppl/ignis/engine"
)

// Helpers shared by the discrete families (Bernoulli, Categorical, Binomial,
// Poisson), their relaxations and MixtureSameFamily.
//
// Out-of-support values: the log mass of a value outside a discrete
// family's support is −Inf (the mass there is zero), never an error and never
// a number computed from a formula that does not apply. The families compute
// their formulas on a safe stand-in value and mask the result, so neither the
// value nor its gradient is NaN.

// timesLog returns a·logb, and 0 where a is 0 (so that 0·log 0 = 0).
func timesLog(g *engine.Graph, a, logb *engine.Node) *engine.Node {
	zero := g.Scalar(0)
	return g.Where(g.Equal(a, zero), zero, g.Mul(a, logb))
}

// maskSupport returns lp where in is non-zero and −Inf elsewhere.
func maskSupport(g *engine.Graph, in, lp *engine.Node) *engine.Node {
	return g.Where(in, lp, g.Scalar(math.Inf(-1)))
}

// supportShape is the shape of a support laid out along a new leading axis of
// size k: [k] + batch (expand) or [k] + ones for the batch, then the event.
func supportShape(k int, batch, event engine.Shape, expand bool) []int {
	s := []int{k}
	for _, d := range batch {
		if !expand {
			d = 1
		}
		s = append(s, d)
	}
	return append(s, event...)
}

// indexConst returns the constant 0, 1, …, k−1 with the given shape (of size k).
func indexConst(g *engine.Graph, k int, shape ...int) *engine.Node {
	v := make([]float64, k)
	for i := range v {
		v[i] = float64(i)
	}
	return g.Constant(v, shape...)
}

// takeAlong picks one slice of x per index. x has shape Q + [K] + E where E
// has nEvent dimensions; idx holds whole numbers in [0, K) and broadcasts
// with Q. The result, of shape broadcast(idx, Q) + E, holds
// x[q, idx[q], e…]; gradients flow into x. Only x's own elements are read, so
// x is never broadcast to the size of idx.
func takeAlong(g *engine.Graph, x, idx *engine.Node, nEvent int) *engine.Node {
	if !g.Ok("takeAlong", x, idx) {
		return g.Fail(errInvalid)
	}
	xs := x.Shape()
	q := xs[:len(xs)-1-nEvent]
	k := xs[len(q)]
	ev := xs[len(q)+1:]
	rows := q.Size()
	base := make([]float64, rows)
	for i := range base {
		base[i] = float64(i * k)
	}
	pos := g.Add(idx, g.Constant(base, q...))
	out := g.Take(g.Reshape(x, rows*k, ev.Size()), 0, pos)
	if !out.Valid() {
		return out
	}
	return g.Reshape(out, append(pos.Shape(), ev...)...)
}

// noiseStream is a small generator seeded from one uniform noise value, for
// the rejection samplers that need a variable number of uniforms per draw.
// The program's noise stays the only source of randomness, so runs stay
// reproducible; the stream for an element depends only on that element's
// noise.
type noiseStream struct{ pcg rand.PCG }

func (s *noiseStream) seed(u float64, salt uint64) { s.pcg.Seed(math.Float64bits(u), salt) }

// uniform draws from the open interval (0, 1).
func (s *noiseStream) uniform() float64 {
	return (float64(s.pcg.Uint64()>>11) + 0.5) * 0x1p-53
}

func logGammaFn(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// samplerShape is the Shape method of the sampler ops: parameters of the
// batch shape and a noise input whose shape ends with it.
func samplerShape(in []engine.Shape) (engine.Shape, error) {
	u := in[len(in)-1]
	for _, p := range in[:len(in)-1] {
		if len(p) > len(u) || !engine.Shape(u[len(u)-len(p):]).Equal(p) {
			return nil, ErrShape
		}
	}
	return u.Clone(), nil
}
