package nn_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/nn"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
	"github.com/ignis-ppl/ignis/probgraph/infer/mcmc"
)

// regression is a 1-D regression problem: y = sin(1.2x) observed with
// Gaussian noise at points x in (−2, 2), and a grid of points to predict
// at.
type regression struct {
	x, y, grid []float64
	noise      float64
}

func truth(x float64) float64 { return math.Sin(1.2 * x) }

func newRegression(n int, seed uint64) regression {
	r := rand.New(rand.NewPCG(seed, 1))
	p := regression{noise: 0.2}
	for range n {
		x := -2 + 4*r.Float64()
		p.x = append(p.x, x)
		p.y = append(p.y, truth(x)+p.noise*r.NormFloat64())
	}
	for i := range 9 {
		p.grid = append(p.grid, -2+0.5*float64(i))
	}
	return p
}

// model is a Bayesian MLP 1→5→1 (tanh) with N(0, 1) priors on every
// weight; f records the network at the grid.
func (p regression) model() probgraph.Model {
	net := nn.Bayesian(nn.MLP{Name: "net", Sizes: []int{1, 5, 1}, Act: nn.Tanh}, nn.NormalPrior(1))
	n, k := len(p.x), len(p.grid)
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		out := net.Apply(m, g.Constant(append(append([]float64(nil), p.x...), p.grid...), n+k, 1))
		s := out.Shape()
		f := g.Reshape(out, s[:len(s)-1]...) // [..., n+k]
		last := len(s) - 2
		m.Deterministic("f", g.Slice(f, last, n, n+k))
		m.Plate("data", n).Observe("y", dist.Normal(g.Slice(f, last, 0, n), g.Scalar(p.noise)), g.Constant(p.y, n))
	}
}

// rmse is the root mean square difference between f at the grid and the
// true function.
func (p regression) rmse(f []float64) float64 {
	var s float64
	for i, x := range p.grid {
		s += (f[i] - truth(x)) * (f[i] - truth(x))
	}
	return math.Sqrt(s / float64(len(p.grid)))
}

// A Bayesian MLP fits a 1-D regression under SVI with an automatic normal
// guide: the posterior predictive mean of the network follows the true
// function more closely than a single observation does (RMSE below the
// noise sd).
func TestBayesianMLPUnderSVI(t *testing.T) {
	p := newRegression(40, 3)
	model := p.model()
	guide, err := autoguide.NewNormal(model)
	if err != nil {
		t.Fatal(err)
	}
	steps := 3000
	opt, err := engine.NewAdam(engine.AdamOptions{Schedule: engine.ExponentialLR{Initial: 0.03, Gamma: math.Pow(0.1, 1/float64(steps))}})
	if err != nil {
		t.Fatal(err)
	}
	svi, err := infer.NewSVI(model, guide.Model, opt, infer.TraceELBO{NumParticles: 4}, infer.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	losses, err := svi.Run(context.Background(), steps, nil)
	if err != nil {
		t.Fatal(err)
	}
	pred, err := infer.NewPredictive(model, infer.PredictiveOptions{Guide: guide.Model, Params: svi.Params(),
		NumSamples: 500, ReturnSites: []string{"f"}, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	draws, err := pred.Sample()
	if err != nil {
		t.Fatal(err)
	}
	mean := make([]float64, len(p.grid))
	for i, v := range draws["f"].Data {
		mean[i%len(p.grid)] += v / 500
	}
	e := p.rmse(mean)
	t.Logf("SVI: %d steps in %v, loss %.1f → %.1f, predictive mean RMSE %.3f", steps, time.Since(start), losses[0], losses[len(losses)-1], e)
	if e > p.noise {
		t.Errorf("predictive mean RMSE %v, want below the noise sd %v", e, p.noise)
	}
}

// The same Bayesian MLP under NUTS with four chains: the network's values
// at the grid (which, unlike the weights, the symmetries of the network do
// not confuse) mix, with split R-hat at most 1.01; the posterior contains
// the true function, and its mean follows it more closely than a single
// observation does.
func TestBayesianMLPUnderNUTS(t *testing.T) {
	p := newRegression(40, 3)
	const warmup, samples = 300, 300
	start := time.Now()
	s, err := mcmc.Run(context.Background(), p.model(), mcmc.WithChains(4), mcmc.WithWarmup(warmup),
		mcmc.WithSamples(samples), mcmc.WithSeed(5), mcmc.WithInitRadius(0.5))
	if err != nil {
		t.Fatal(err)
	}
	mean, err := s.Mean("f")
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for _, r := range s.Summary().Rows {
		if r.Site == "f" {
			worst = math.Max(worst, r.RHat)
		}
	}
	sd, err := s.SD("f")
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range p.grid {
		// A posterior that contains the truth puts it beyond 3.5 sd at
		// one of 9 points with probability below 0.5%.
		if z := (mean[i] - truth(x)) / sd[i]; math.Abs(z) > 3.5 {
			t.Errorf("f(%v): posterior %.3f ± %.3f, truth %.3f (%.1f sd away)", x, mean[i], sd[i], truth(x), z)
		}
	}
	e := p.rmse(mean)
	t.Logf("NUTS: 4×(%d+%d) in %v, %d divergences, max R-hat(f) %.4f, posterior mean RMSE %.3f",
		warmup, samples, time.Since(start), s.Divergences(), worst, e)
	if worst > 1.01 {
		t.Errorf("max R-hat of f = %v, want ≤ 1.01", worst)
	}
	if e > p.noise {
		t.Errorf("posterior mean RMSE %v, want below the noise sd %v", e, p.noise)
	}
}
