// Package models holds the models that both the examples and the benchmark
// suites run, so the two always measure the same thing.
package models

import (
	"math/rand/v2"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// LinRegData is the simulated regression problem of examples/linreg.
type LinRegData struct {
	X    []float64 // n×d, row-major
	Y    []float64 // n×1
	Beta []float64 // the true coefficients
	D, N int
}

// SimulateLinReg draws the seed's data: the first half of the coefficients ±5 plus
// standard normal noise, the rest zero; X standard normal; y = Xβ + 0.5ε.
func SimulateLinReg(seed uint64, d, n int) LinRegData {
	r := rand.New(rand.NewPCG(seed, 11))
	beta := make([]float64, d)
	for i := 0; i < d/2; i++ {
		sign := 5.0
		if r.Float64() < 0.5 {
			sign = -5
		}
		beta[i] = sign + r.NormFloat64()
	}
	x := make([]float64, n*d)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	y := make([]float64, n)
	for i := 0; i < n; i++ {
		s := 0.0
		for j := 0; j < d; j++ {
			s += x[i*d+j] * beta[j]
		}
		y[i] = s + 0.5*r.NormFloat64()
	}
	return LinRegData{X: x, Y: y, Beta: beta, D: d, N: n}
}

// GaussModel: β ~ N(0, 10²) iid, σ² ~ InverseGamma(0.1, 0.1),
// y_k ~ N(βᵀx_k, σ²).
func GaussModel(data LinRegData) probgraph.Model {
	d, n := data.D, data.N
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		beta := m.Sample("beta", dist.ToEvent(dist.Expand(dist.Normal(g.Scalar(0), g.Scalar(10)), d), 1))
		sigmaSq := m.Sample("sigma_sq", dist.InverseGamma(g.Scalar(0.1), g.Scalar(0.1)))
		mean := g.MatMul(g.Constant(data.X, n, d), g.Reshape(beta, d, 1))
		m.Plate("data", n).Observe("y", dist.ToEvent(dist.Normal(mean, g.Sqrt(sigmaSq)), 1), g.Constant(data.Y, n, 1))
	}
}

// HorseshoeModel: τ ~ HalfCauchy(1), λ_i ~ HalfCauchy(1), β_i ~ N(0, τ²λ_i²),
// y_k ~ N(βᵀx_k, scale σ²) with σ a parameter fitted by empirical Bayes (the
// seed passes σ² as the normal's scale; ported as written).
func HorseshoeModel(data LinRegData) probgraph.Model {
	d, n := data.D, data.N
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		tau := m.Sample("tau", dist.HalfCauchy(g.Scalar(1)))
		lam := m.Sample("lambda", dist.ToEvent(dist.Expand(dist.HalfCauchy(g.Scalar(1)), d), 1))
		beta := m.Sample("beta", dist.ToEvent(dist.Normal(g.Scalar(0), g.Mul(tau, lam)), 1))
		sigma := m.Param("sigma", probgraph.Scalar(1), probgraph.Constrained(dist.Positive()))
		mean := g.MatMul(g.Constant(data.X, n, d), g.Reshape(beta, d, 1))
		m.Plate("data", n).Observe("y", dist.ToEvent(dist.Normal(mean, g.Square(sigma)), 1), g.Constant(data.Y, n, 1))
	}
}

// Flips draws n coin flips with the given bias (1 = heads) and returns them
// with the number of heads.
func Flips(seed uint64, n int, bias float64) ([]float64, float64) {
	r := rand.New(rand.NewPCG(seed, 7))
	data := make([]float64, n)
	k := 0.0
	for i := range data {
		if r.Float64() < bias {
			data[i] = 1
			k++
		}
	}
	return data, k
}

// BetaBernoulli: p ~ Beta(1, 1); x_i | p ~ Bernoulli(p) for each flip.
func BetaBernoulli(data []float64) probgraph.Model {
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		p := m.Sample("p", dist.Beta(g.Scalar(1), g.Scalar(1)))
		m.Plate("data", len(data)).Observe("x", dist.Bernoulli(p), g.Constant(data, len(data)))
	}
}

// BetaGuide is the hand-written guide of the Beta-Bernoulli model: a Beta
// with learnable positive parameters "a" and "b", both starting at 1.
func BetaGuide(m *probgraph.Ctx) {
	a := m.Param("a", probgraph.Scalar(1), probgraph.Constrained(dist.Positive()))
	b := m.Param("b", probgraph.Scalar(1), probgraph.Constrained(dist.Positive()))
	m.Sample("p", dist.Beta(a, b))
}
