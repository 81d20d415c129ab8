package models

import (
	"math"
	"math/rand/v2"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// SimulateGARCH draws T returns of a GARCH(1,1) process, r_t ~ N(0, σ²_t)
// with σ²_{t+1} = ω + α r_t² + β σ²_t, started at the stationary variance
// ω / (1 − α − β).
func SimulateGARCH(seed uint64, T int, omega, alpha, beta float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 29))
	r := make([]float64, T)
	s2 := omega / (1 - alpha - beta)
	for t := range r {
		r[t] = math.Sqrt(s2) * rng.NormFloat64()
		s2 = omega + alpha*r[t]*r[t] + beta*s2
	}
	return r
}

// garchStep is one step of the GARCH(1,1) likelihood: from σ²_t and r_t,
// the log density log N(r_t; 0, σ²_t) and σ²_{t+1} = ω + α r_t² + β σ²_t.
func garchStep(g *engine.Graph, s2, r, omega, alpha, beta *engine.Node) (next, logp *engine.Node) {
	r2 := g.Square(r)
	logp = g.Scale(g.Add(g.AddScalar(g.Log(s2), math.Log(2*math.Pi)), g.Div(r2, s2)), -0.5)
	next = g.Add(omega, g.Add(g.Mul(alpha, r2), g.Mul(beta, s2)))
	return next, logp
}

// GARCHLogLik is the GARCH(1,1) log likelihood Σ_t log N(r_t; 0, σ²_t)
// of returns r, with σ²_0 the sample variance of r, and the conditional
// variances σ²_t (T values). It is one Scan over the series, so the graph
// has the same size for any T; with unrolled set it is built step by step
// instead (a graph that grows with T, and no variances), for comparison.
func GARCHLogLik(g *engine.Graph, r []float64, omega, alpha, beta *engine.Node, unrolled bool) (ll, sigma2 *engine.Node) {
	v0 := 0.0
	for _, x := range r {
		v0 += x * x / float64(len(r))
	}
	data := g.Constant(r, len(r))
	if unrolled {
		s2 := g.Scalar(v0)
		ll = g.Scalar(0)
		for t := range r {
			var lp *engine.Node
			s2, lp = garchStep(g, s2, g.Reshape(g.Slice(data, 0, t, t+1)), omega, alpha, beta)
			ll = g.Add(ll, lp)
		}
		return ll, nil
	}
	_, ys := g.Scan(func(b *engine.Graph, c, x, k []*engine.Node) ([]*engine.Node, []*engine.Node) {
		next, lp := garchStep(b, c[0], x[0], k[0], k[1], k[2])
		return []*engine.Node{next}, []*engine.Node{lp, c[0]}
	}, []*engine.Node{g.Scalar(v0)}, []*engine.Node{data}, []*engine.Node{omega, alpha, beta})
	return g.Sum(ys[0]), ys[1]
}

// GARCH is the GARCH(1,1) model of returns r: ω ~ HalfNormal(1),
// α ~ Beta(2, 8), β ~ Beta(8, 2) and the likelihood of GARCHLogLik. The
// conditional variances are recorded as the deterministic site "sigma2"
// when keepVariance is set (not with unrolled).
func GARCH(r []float64, keepVariance, unrolled bool) func(m *probgraph.Ctx) {
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		omega := m.Sample("omega", dist.HalfNormal(g.Scalar(1)))
		alpha := m.Sample("alpha", dist.Beta(g.Scalar(2), g.Scalar(8)))
		beta := m.Sample("beta", dist.Beta(g.Scalar(8), g.Scalar(2)))
		ll, s2 := GARCHLogLik(g, r, omega, alpha, beta, unrolled)
		m.Factor("loglik", ll)
		if keepVariance && s2 != nil {
			m.Deterministic("sigma2", s2)
		}
	}
}

// SimulateHMM draws T observations of a Gaussian hidden Markov model with
// K states: transition matrix trans (row-major K×K, rows summing to one),
// emission means mu and a common scale sigma; it starts in state 0. It
// returns the observations and the hidden states.
func SimulateHMM(seed uint64, T int, trans, mu []float64, sigma float64) ([]float64, []int) {
	rng := rand.New(rand.NewPCG(seed, 31))
	K := len(mu)
	x, z := make([]float64, T), make([]int, T)
	s := 0
	for t := range x {
		z[t] = s
		x[t] = mu[s] + sigma*rng.NormFloat64()
		u, next := rng.Float64(), K-1
		for k := range K {
			if u -= trans[s*K+k]; u < 0 {
				next = k
				break
			}
		}
		s = next
	}
	return x, z
}

// HMMForward is the log likelihood of observations x under a Gaussian HMM,
// by the forward algorithm in log space as one Scan: the carried state is
// log α_t (K values), each step adds the emission log densities to the
// log-sum-exp over the previous state of log α + log A. logA is K×K (row:
// from, column: to), logInit has K values, mu K means, sigma a scalar
// scale; all may be random.
func HMMForward(g *engine.Graph, x []float64, logA, logInit, mu, sigma *engine.Node) *engine.Node {
	K := mu.Shape()[0]
	emit := func(b *engine.Graph, xt, mu, sigma *engine.Node) *engine.Node {
		z := b.Div(b.Sub(b.BroadcastTo(xt, K), mu), b.BroadcastTo(sigma, K))
		return b.Sub(b.Scale(b.Square(z), -0.5), b.BroadcastTo(b.AddScalar(b.Log(sigma), 0.5*math.Log(2*math.Pi)), K))
	}
	data := g.Constant(x, len(x))
	first := g.Reshape(g.Slice(data, 0, 0, 1))
	alpha0 := g.Add(logInit, emit(g, first, mu, sigma))
	if len(x) == 1 {
		return g.LogSumExp(alpha0)
	}
	rest := g.Slice(data, 0, 1, len(x))
	final, _ := g.Scan(func(b *engine.Graph, c, xs, k []*engine.Node) ([]*engine.Node, []*engine.Node) {
		// log α_{t+1}(j) = log Σ_i exp(log α_t(i) + log A_ij) + log p(x | j)
		prev := b.Add(b.Reshape(c[0], K, 1), k[0])
		next := b.Add(b.LogSumExp(prev, 0), emit(b, xs[0], k[1], k[2]))
		return []*engine.Node{next}, nil
	}, []*engine.Node{alpha0}, []*engine.Node{rest}, []*engine.Node{logA, mu, sigma})
	return g.LogSumExp(final[0])
}

// HMMForwardDirect is the same log likelihood computed in plain Go, for
// checking.
func HMMForwardDirect(x []float64, logA, logInit, mu []float64, sigma float64) float64 {
	K := len(mu)
	emit := func(xt float64, j int) float64 {
		z := (xt - mu[j]) / sigma
		return -0.5*z*z - math.Log(sigma) - 0.5*math.Log(2*math.Pi)
	}
	lse := func(v []float64) float64 {
		m := math.Inf(-1)
		for _, e := range v {
			m = math.Max(m, e)
		}
		s := 0.0
		for _, e := range v {
			s += math.Exp(e - m)
		}
		return m + math.Log(s)
	}
	a := make([]float64, K)
	for j := range a {
		a[j] = logInit[j] + emit(x[0], j)
	}
	terms, next := make([]float64, K), make([]float64, K)
	for _, xt := range x[1:] {
		for j := range K {
			for i := range K {
				terms[i] = a[i] + logA[i*K+j]
			}
			next[j] = lse(terms) + emit(xt, j)
		}
		a, next = next, a
	}
	return lse(a)
}

// HMM is a two-state Gaussian HMM for observations x with known
// transition matrix trans and initial distribution init: the state means
// μ_0 ~ N(−1, 1) and μ_1 ~ N(1, 1) (priors that tell the states apart) and
// the common scale σ ~ HalfNormal(1) are inferred, the hidden states are
// summed out by the forward algorithm.
func HMM(x, trans, init []float64) func(m *probgraph.Ctx) {
	logA := make([]float64, len(trans))
	for i, p := range trans {
		logA[i] = math.Log(p)
	}
	logInit := make([]float64, len(init))
	for i, p := range init {
		logInit[i] = math.Log(p)
	}
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		mu := m.Sample("mu", dist.ToEvent(dist.Normal(g.Constant([]float64{-1, 1}, 2), g.Constant([]float64{1, 1}, 2)), 1))
		sigma := m.Sample("sigma", dist.HalfNormal(g.Scalar(1)))
		m.Factor("loglik", HMMForward(g, x, g.Constant(logA, 2, 2), g.Constant(logInit, 2), mu, sigma))
	}
}
