package models

import (
	"math"
	"math/rand/v2"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// EightSchoolsY and EightSchoolsSigma are the estimated treatment effects of
// coaching for the SAT in eight schools and their standard errors (Rubin
// 1981; Gelman et al., Bayesian Data Analysis, §5.5).
var (
	EightSchoolsY     = []float64{28, 8, -3, 7, -1, 1, 18, 12}
	EightSchoolsSigma = []float64{15, 10, 16, 11, 9, 11, 10, 18}
)

// EightSchools is the hierarchical model of the eight schools in its
// non-centred form: μ ~ N(0, 5²), τ ~ HalfCauchy(5), θ̃_j ~ N(0, 1),
// θ_j = μ + τ θ̃_j (recorded as a deterministic site), y_j ~ N(θ_j, σ_j²).
// Sampling θ̃ rather than θ removes the funnel between τ and θ that makes
// the centred form diverge.
func EightSchools(m *probgraph.Ctx) {
	g := m.Graph()
	j := len(EightSchoolsY)
	mu := m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(5)))
	tau := m.Sample("tau", dist.HalfCauchy(g.Scalar(5)))
	schools := m.Plate("schools", j)
	thetaTilde := schools.Sample("theta_tilde", dist.Normal(g.Scalar(0), g.Scalar(1)))
	theta := m.Deterministic("theta", g.Add(mu, g.Mul(tau, thetaTilde)))
	schools.Observe("y", dist.Normal(theta, g.Constant(EightSchoolsSigma, j)), g.Constant(EightSchoolsY, j))
}

// LogRegData is a simulated logistic regression problem.
type LogRegData struct {
	X    []float64 // n×d, row-major
	Y    []float64 // n labels in {0, 1}
	Beta []float64 // the true coefficients
	N, D int
}

// SimulateLogReg draws X standard normal, β ~ N(0, 1) per coefficient and
// y_i ~ Bernoulli(sigmoid(x_iᵀβ)).
func SimulateLogReg(seed uint64, n, d int) LogRegData {
	r := rand.New(rand.NewPCG(seed, 13))
	beta := make([]float64, d)
	for i := range beta {
		beta[i] = r.NormFloat64()
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
		if r.Float64() < 1/(1+math.Exp(-s)) {
			y[i] = 1
		}
	}
	return LogRegData{X: x, Y: y, Beta: beta, N: n, D: d}
}

// LogReg is Bayesian logistic regression: β ~ N(0, 1) per coefficient,
// y_i ~ Bernoulli(logits = x_iᵀβ).
func LogReg(data LogRegData) probgraph.Model {
	n, d := data.N, data.D
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		beta := m.Sample("beta", dist.ToEvent(dist.Normal(g.Fill(0, d), g.Fill(1, d)), 1))
		logits := g.MatVec(g.Constant(data.X, n, d), beta)
		m.Plate("data", n).Observe("y", dist.BernoulliLogits(logits), g.Constant(data.Y, n))
	}
}
