package mcmc

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// correlatedGaussian returns a 50-dimensional mean and a covariance
// AAᵀ/50 + 0.1·I with A standard normal: strong correlations and a
// condition number of several hundred, which a diagonal metric handles
// poorly and a dense one removes.
func correlatedGaussian(d int) ([]float64, *mat.SymDense) {
	r := rand.New(rand.NewPCG(50, 1))
	mu := make([]float64, d)
	a := mat.NewDense(d, d, nil)
	for i := range d {
		mu[i] = 3 * r.NormFloat64()
		for j := range d {
			a.Set(i, j, r.NormFloat64())
		}
	}
	cov := mat.NewSymDense(d, nil)
	cov.SymOuterK(1/float64(d), a)
	for i := range d {
		cov.SetSym(i, i, cov.At(i, i)+0.1)
	}
	return mu, cov
}

// TestNUTSDenseMass50D samples a 50-dimensional correlated Gaussian with a
// dense adapted mass matrix and checks every mean and every covariance
// entry against the truth. Each estimate is the average of a series (x_i,
// or (x_i − μ_i)(x_j − μ_j)) whose Monte Carlo standard error is its
// standard deviation over the square root of its own effective sample size;
// the bounds are 4.5 standard errors (two-sided 7e-6 each, about 1% for all
// 1325 checks together under a fixed seed).
func TestNUTSDenseMass50D(t *testing.T) {
	if testing.Short() {
		t.Skip("50-dimensional NUTS run")
	}
	const d = 50
	mu, cov := correlatedGaussian(d)
	var chol mat.Cholesky
	if !chol.Factorize(cov) {
		t.Fatal("covariance not positive definite")
	}
	var l mat.TriDense
	chol.LTo(&l)
	ltril := make([]float64, d*d)
	for i := range d {
		for j := 0; j <= i; j++ {
			ltril[i*d+j] = l.At(i, j)
		}
	}
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		m.Sample("x", dist.MultivariateNormal(g.Constant(mu, d), g.Constant(ltril, d, d)))
	}
	s, err := Run(context.Background(), model, WithDenseMass(), WithSamples(1000), WithWarmup(1000), WithChains(2), WithSeed(4))
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Divergences(); n != 0 {
		t.Errorf("%d divergences on a Gaussian", n)
	}
	chains, _ := s.Chain("x")
	coord := func(i int) [][]float64 {
		out := make([][]float64, len(chains))
		for c, ch := range chains {
			for k := range s.NumSamples {
				out[c] = append(out[c], ch[k*d+i])
			}
		}
		return out
	}
	xs := make([][][]float64, d)
	for i := range d {
		xs[i] = coord(i)
		if got, bound := poolMean(xs[i]), mcBound(xs[i], 4.5); math.Abs(got-mu[i]) > bound {
			t.Errorf("mean of x[%d]: %v, true %v, bound %v", i, got, mu[i], bound)
		}
	}
	prod := make([][]float64, len(chains))
	worst := 0.0
	for i := range d {
		for j := 0; j <= i; j++ {
			for c := range chains {
				prod[c] = prod[c][:0]
				for k := range s.NumSamples {
					prod[c] = append(prod[c], (xs[i][c][k]-mu[i])*(xs[j][c][k]-mu[j]))
				}
			}
			got, bound := poolMean(prod), mcBound(prod, 4.5)
			if math.Abs(got-cov.At(i, j)) > bound {
				t.Errorf("cov[%d,%d]: %v, true %v, bound %v", i, j, got, cov.At(i, j), bound)
			}
			worst = math.Max(worst, math.Abs(got-cov.At(i, j))/bound*4.5)
		}
	}
	st := s.Chains[0]
	t.Logf("step size %.3f, %.1f leapfrogs per draw, acceptance %.2f, largest covariance error %.2f standard errors, %.2f s warm-up, %.2f s sampling",
		st.StepSize, float64(st.Leapfrogs)/float64(s.NumSamples), st.MeanAccept, worst, st.WarmupSeconds, st.SampleSeconds)
}
