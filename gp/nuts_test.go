package gp_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer/mcmc"
)

// NUTS over a GP hyperparameter: one RBF GP with a Gamma(2, 0.5) prior on
// its lengthscale (variance and noise fixed). The posterior mean of the
// lengthscale is computed independently by quadrature of prior × exp(mll)
// on a fine log-spaced grid; NUTS must match it within 5 Monte Carlo
// standard errors (from the bulk ESS).
func TestNUTSOverLengthscaleMatchesQuadrature(t *testing.T) {
	if testing.Short() {
		t.Skip("statistical NUTS run")
	}
	const n = 25
	r := rand.New(rand.NewPCG(3, 4))
	x, y := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = 10 * r.Float64()
		y[i] = math.Sin(x[i]/1.5) + 0.3*r.NormFloat64()
	}
	prior := func(g *engine.Graph, ls *engine.Node) gp.Prior {
		return gp.Prior{Kernel: gp.RBF{Lengthscale: g.Reshape(ls, 1, 1), Variance: g.Fill(1, 1)}, Noise: g.Fill(0.09, 1)}
	}
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		ls := m.Sample("ls", dist.Gamma(g.Scalar(2), g.Scalar(0.5)))
		gp.Observe(m, "y", prior(g, ls), g.Constant(x, n, 1), g.Constant(y, 1, n))
	}

	// Quadrature: log prior + mll on a grid of lengthscales.
	g := engine.NewGraph()
	lsIn := g.Input("ls")
	mll := gp.MarginalLogLikelihood(g, prior(g, lsIn), g.Constant(x, n, 1), g.Constant(y, 1, n))
	lp := dist.Gamma(g.Scalar(2), g.Scalar(0.5)).LogProb(lsIn)
	total := g.Add(g.Sum(mll.Value), lp)
	prog, err := g.Compile([]*engine.Node{total})
	if err != nil {
		t.Fatal(err)
	}
	const points = 4000
	lo, hi := math.Log(0.05), math.Log(40.0)
	var grid, logw []float64
	for i := range points {
		l := math.Exp(lo + (hi-lo)*float64(i)/float64(points-1))
		if err := prog.Set(lsIn, []float64{l}); err != nil {
			t.Fatal(err)
		}
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		grid = append(grid, l)
		logw = append(logw, prog.Scalar(total))
	}
	top := math.Inf(-1)
	for _, w := range logw {
		top = math.Max(top, w)
	}
	// ∫ f(ℓ) p(ℓ) dℓ with dℓ = ℓ d(log ℓ), trapezoid in log ℓ.
	var z, m1 float64
	for i := range grid {
		w := math.Exp(logw[i]-top) * grid[i]
		if i == 0 || i == points-1 {
			w /= 2
		}
		z += w
		m1 += w * grid[i]
	}
	want := m1 / z

	s, err := mcmc.Run(context.Background(), model, mcmc.WithWarmup(500), mcmc.WithSamples(1000), mcmc.WithChains(2), mcmc.WithSeed(7))
	if err != nil {
		t.Fatal(err)
	}
	sum := s.Summary()
	row, ok := sum.Row("ls")
	if !ok {
		t.Fatal("no summary row for ls")
	}
	se := row.SD / math.Sqrt(row.ESSBulk)
	if d := math.Abs(row.Mean - want); d > 5*se {
		t.Errorf("NUTS posterior mean of the lengthscale %.4f, quadrature %.4f (5 SE = %.4f)", row.Mean, want, 5*se)
	} else {
		t.Logf("NUTS posterior mean %.4f, quadrature %.4f, SE %.4f, ESS %.0f, R-hat %.4f, divergences %d",
			row.Mean, want, se, row.ESSBulk, row.RHat, s.Divergences())
	}
	if row.RHat > 1.05 {
		t.Errorf("R-hat %v", row.RHat)
	}
}
