package models

import (
	"math"
	"math/rand/v2"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// PoissonRegData is a simulated Poisson regression problem.
type PoissonRegData struct {
	X    []float64 // n×d, row-major
	Y    []float64 // n counts
	Beta []float64 // the true coefficients
	N, D int
}

// SimulatePoissonReg draws β_j ~ N(0, 0.2²), X standard normal and
// y_i ~ Poisson(exp(x_iᵀβ)). The small coefficients keep the linear
// predictor's standard deviation near 0.2√d, so the counts stay small
// (a mean near 1.5 and rarely above 50 for d = 20).
func SimulatePoissonReg(seed uint64, n, d int) PoissonRegData {
	r := rand.New(rand.NewPCG(seed, 17))
	beta := make([]float64, d)
	for i := range beta {
		beta[i] = 0.2 * r.NormFloat64()
	}
	x := make([]float64, n*d)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	y := make([]float64, n)
	for i := range n {
		s := 0.0
		for k := range d {
			s += x[i*d+k] * beta[k]
		}
		y[i] = poissonDraw(r, math.Exp(s))
	}
	return PoissonRegData{X: x, Y: y, Beta: beta, N: n, D: d}
}

// poissonDraw inverts the Poisson CDF by sequential search from zero: one
// uniform and O(rate) steps, exact for the rates SimulatePoissonReg makes
// (e^−rate does not underflow below rate 700).
func poissonDraw(r *rand.Rand, rate float64) float64 {
	u := r.Float64()
	p := math.Exp(-rate)
	cdf := p
	k := 0.0
	for u > cdf && p > 0 {
		k++
		p *= rate / k
		cdf += p
	}
	return k
}

// PoissonReg is Bayesian Poisson regression with a log link: β ~ N(0, 1)
// per coefficient, y_i ~ Poisson(exp(x_iᵀβ)).
func PoissonReg(data PoissonRegData) probgraph.Model {
	n, d := data.N, data.D
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		beta := m.Sample("beta", dist.ToEvent(dist.Normal(g.Fill(0, d), g.Fill(1, d)), 1))
		rate := g.Exp(g.MatVec(g.Constant(data.X, n, d), beta))
		m.Plate("data", n).Observe("y", dist.Poisson(rate), g.Constant(data.Y, n))
	}
}

// GroupedData is a simulated regression with varying intercepts: rows
// grouped by Group, each group holding 5 to 10 consecutive rows.
type GroupedData struct {
	X     []float64 // n×d, row-major
	Y     []float64 // n responses
	Group []float64 // n group indices in [0, Groups), whole numbers, non-decreasing
	// The true values: Mu, Tau, Sigma, Beta (d) and the standardized
	// intercepts AlphaRaw (Groups).
	Mu, Tau, Sigma float64
	Beta, AlphaRaw []float64
	N, D, Groups   int
}

// SimulateGrouped draws the sizes of the groups uniformly from 5 to 10,
// μ = 1, τ = 0.7, σ = 1, β_j ~ N(0, 1), α̃_g ~ N(0, 1), X standard normal
// and y_i = μ + τ α̃[group_i] + x_iᵀβ + σ ε_i.
func SimulateGrouped(seed uint64, groups, d int) GroupedData {
	r := rand.New(rand.NewPCG(seed, 19))
	out := GroupedData{Mu: 1, Tau: 0.7, Sigma: 1, D: d, Groups: groups,
		Beta: make([]float64, d), AlphaRaw: make([]float64, groups)}
	for i := range out.Beta {
		out.Beta[i] = r.NormFloat64()
	}
	for g := range out.AlphaRaw {
		out.AlphaRaw[g] = r.NormFloat64()
		for range 5 + r.IntN(6) {
			out.Group = append(out.Group, float64(g))
		}
	}
	out.N = len(out.Group)
	out.X = make([]float64, out.N*d)
	for i := range out.X {
		out.X[i] = r.NormFloat64()
	}
	out.Y = make([]float64, out.N)
	for i, g := range out.Group {
		s := out.Mu + out.Tau*out.AlphaRaw[int(g)]
		for k := range d {
			s += out.X[i*d+k] * out.Beta[k]
		}
		out.Y[i] = s + out.Sigma*r.NormFloat64()
	}
	return out
}

// VaryingIntercepts is the non-centred varying-intercepts regression:
// μ ~ N(0, 5²), τ ~ HalfNormal(1), σ ~ HalfNormal(1), β ~ N(0, 1) per
// coefficient, α̃_g ~ N(0, 1) in plate "groups", and
// y_i ~ N(μ + τ α̃[group_i] + x_iᵀβ, σ²) in plate "data".
func VaryingIntercepts(data GroupedData) probgraph.Model {
	n, d := data.N, data.D
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		mu := m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(5)))
		tau := m.Sample("tau", dist.HalfNormal(g.Scalar(1)))
		sigma := m.Sample("sigma", dist.HalfNormal(g.Scalar(1)))
		beta := m.Sample("beta", dist.ToEvent(dist.Normal(g.Fill(0, d), g.Fill(1, d)), 1))
		alphaRaw := m.Plate("groups", data.Groups).Sample("alpha_raw", dist.Normal(g.Scalar(0), g.Scalar(1)))
		intercept := g.Add(mu, g.Mul(tau, g.Take(alphaRaw, 0, g.Constant(data.Group, n))))
		mean := g.Add(intercept, g.MatVec(g.Constant(data.X, n, d), beta))
		m.Plate("data", n).Observe("y", dist.Normal(mean, sigma), g.Constant(data.Y, n))
	}
}
