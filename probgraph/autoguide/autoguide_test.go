package autoguide

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// The conjugate model: z_k ~ N(0, 1) for k = 1..3 in a plate,
// x_k | z_k ~ N(z_k, σ²) observed. Posterior per k: N(x_k/(σ²+1), σ²/(σ²+1)).
var conjX = []float64{1.3, -0.4, 2.2}

const conjSigma = 0.7

func conjModel(m *probgraph.Ctx) {
	g := m.Graph()
	p := m.Plate("k", 3)
	z := p.Sample("z", dist.Normal(g.Scalar(0), g.Scalar(1)))
	p.Observe("x", dist.Normal(z, g.Scalar(conjSigma)), g.Constant(conjX, 3))
}

func posterior(k int) (mean, sd float64) {
	s2 := conjSigma * conjSigma
	return conjX[k] / (s2 + 1), math.Sqrt(s2 / (s2 + 1))
}

func fit(t *testing.T, guide Guide, steps int) map[string]probgraph.Tensor {
	t.Helper()
	opt, err := engine.NewAdam(engine.AdamOptions{Schedule: engine.ExponentialLR{Initial: 0.05, Gamma: math.Pow(0.02, 1/float64(steps))}})
	if err != nil {
		t.Fatal(err)
	}
	svi, err := infer.NewSVI(conjModel, guide.Model, opt, infer.TraceELBO{NumParticles: 32}, infer.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svi.Run(t.Context(), steps, nil); err != nil {
		t.Fatal(err)
	}
	return svi.Params()
}

func checkPosterior(t *testing.T, name string, g Guide, params map[string]probgraph.Tensor, tolMean, tolSD float64) {
	t.Helper()
	med, err := g.Median(params)
	if err != nil {
		t.Fatal(err)
	}
	q, err := g.Quantiles(params, 0.1587, 0.8413) // ±1 sd of a Gaussian
	if err != nil {
		t.Fatal(err)
	}
	for k := range conjX {
		m, sd := posterior(k)
		if got := med["z"].Data[k]; math.Abs(got-m) > tolMean {
			t.Errorf("%s: median z[%d] = %.4f, posterior mean %.4f", name, k, got, m)
		}
		if got := (q["z"][1].Data[k] - q["z"][0].Data[k]) / 2; math.Abs(got-sd)/sd > tolSD {
			t.Errorf("%s: z[%d] sd from quantiles %.4f, posterior %.4f", name, k, got, sd)
		}
	}
}

// Every Gaussian guide, fitted by 2000 SVI steps, has medians within 0.03
// of the posterior means and quantile-implied standard deviations within 8%
// of the posterior's.
func TestGaussianGuidesFitTheConjugatePosterior(t *testing.T) {
	for _, c := range []struct {
		name string
		mk   func() (Guide, error)
	}{
		{"AutoNormal", func() (Guide, error) { return NewNormal(conjModel) }},
		{"AutoDiagonalNormal", func() (Guide, error) { return NewDiagonalNormal(conjModel) }},
		{"AutoMultivariateNormal", func() (Guide, error) { return NewMultivariateNormal(conjModel) }},
		{"AutoLowRankMultivariateNormal", func() (Guide, error) { return NewLowRankMultivariateNormal(conjModel, WithRank(1)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, err := c.mk()
			if err != nil {
				t.Fatal(err)
			}
			checkPosterior(t, c.name, g, fit(t, g, 2000), 0.03, 0.08)
		})
	}
}

func TestAutoDeltaFindsTheMode(t *testing.T) {
	g, err := NewDelta(conjModel)
	if err != nil {
		t.Fatal(err)
	}
	params := fit(t, g, 1500)
	med, err := g.Median(params)
	if err != nil {
		t.Fatal(err)
	}
	for k := range conjX {
		m, _ := posterior(k)
		if got := med["z"].Data[k]; math.Abs(got-m) > 1e-3 {
			t.Errorf("MAP z[%d] = %.5f, want %.5f", k, got, m)
		}
	}
}

// A positive latent and a non-negative one (a half-normal, whose guide
// samples (0, ∞) inside the model's [0, ∞)): every guide works in log space
// and its median lands in the support.
func TestAutoguidesRespectSupports(t *testing.T) {
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		s := m.Sample("s", dist.LogNormal(g.Scalar(0), g.Scalar(1)))
		h := m.Sample("h", dist.HalfNormal(g.Scalar(1)))
		m.Plate("n", 4).Observe("x", dist.Normal(g.Scalar(0), g.Add(s, h)), g.Constant([]float64{0.5, -1, 2, 0.1}, 4))
	}
	for _, mk := range []func(probgraph.Model, ...Option) (Guide, error){
		func(m probgraph.Model, o ...Option) (Guide, error) { return NewNormal(m, o...) },
		func(m probgraph.Model, o ...Option) (Guide, error) { return NewDiagonalNormal(m, o...) },
		func(m probgraph.Model, o ...Option) (Guide, error) { return NewDelta(m, o...) },
		func(m probgraph.Model, o ...Option) (Guide, error) { return NewMultivariateNormal(m, o...) },
		func(m probgraph.Model, o ...Option) (Guide, error) { return NewLowRankMultivariateNormal(m, o...) },
	} {
		g, err := mk(model, WithInit(InitToFeasible()))
		if err != nil {
			t.Fatal(err)
		}
		opt, _ := engine.NewAdam(engine.AdamOptions{LR: 0.05})
		svi, err := infer.NewSVI(model, g.Model, opt, infer.TraceELBO{}, infer.WithSeed(2))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svi.Run(t.Context(), 300, nil); err != nil {
			t.Fatal(err)
		}
		med, err := g.Median(svi.Params())
		if err != nil {
			t.Fatal(err)
		}
		if v := med["s"].Data[0]; !(v > 0) {
			t.Errorf("%T: median of a positive site is %v", g, v)
		}
		if v := med["h"].Data[0]; !(v >= 0) {
			t.Errorf("%T: median of a non-negative site is %v", g, v)
		}
	}
}

func TestInitStrategies(t *testing.T) {
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		m.Sample("a", dist.Normal(g.Scalar(3), g.Scalar(0.001)))
		m.Sample("b", dist.LogNormal(g.Scalar(0), g.Scalar(0.001)))
	}
	cases := []struct {
		name  string
		init  InitStrategy
		a, b  float64
		exact bool
	}{
		{"median", InitToMedian(15), 3, 1, false},
		{"mean", InitToMean(), 3, math.Exp(0.0000005), true},
		{"sample", InitToSample(), 3, 1, false},
		{"value", InitToValue(map[string]probgraph.Tensor{"a": probgraph.Scalar(-2)}, nil), -2, 1, false},
		{"feasible", InitToFeasible(), 0, 1, true},
	}
	for _, c := range cases {
		g, err := NewDelta(model, WithInit(c.init))
		if err != nil {
			t.Fatal(c.name, err)
		}
		a, _ := g.sites[0].constrain(g.sites[0].init.Data)
		b, _ := g.sites[1].constrain(g.sites[1].init.Data)
		tol := 0.01
		if c.exact {
			tol = 1e-9
		}
		if math.Abs(a.Data[0]-c.a) > tol || math.Abs(b.Data[0]-c.b) > tol {
			t.Errorf("%s: init a = %v, b = %v; want %v, %v", c.name, a.Data[0], b.Data[0], c.a, c.b)
		}
	}
}

// TestInitToMedianStaysOnTheSimplex checks that the element-wise median of
// Dirichlet draws, which need not sum to one, is put back on the simplex
// (a Delta guide of a Dirichlet site could not be built otherwise).
func TestInitToMedianStaysOnTheSimplex(t *testing.T) {
	model := func(m *probgraph.Ctx) {
		m.Sample("w", dist.Dirichlet(m.Graph().Fill(0.5, 3)))
	}
	g, err := NewDelta(model)
	if err != nil {
		t.Fatal(err)
	}
	v, err := g.sites[0].constrain(g.sites[0].init.Data)
	if err != nil {
		t.Fatal(err)
	}
	if sum := v.Data[0] + v.Data[1] + v.Data[2]; math.Abs(sum-1) > 1e-12 {
		t.Fatalf("initial weights %v sum to %v", v.Data, sum)
	}
}

// Building a guide runs the model once: its prototype trace gives the latent
// sites and the prior draws their starting points are chosen from.
func TestGuideConstructionRunsTheModelOnce(t *testing.T) {
	calls := 0
	model := func(m *probgraph.Ctx) {
		calls++
		conjModel(m)
	}
	for name, mk := range map[string]func(probgraph.Model, ...Option) (Guide, error){
		"Delta":          func(m probgraph.Model, o ...Option) (Guide, error) { return NewDelta(m, o...) },
		"DiagonalNormal": func(m probgraph.Model, o ...Option) (Guide, error) { return NewDiagonalNormal(m, o...) },
	} {
		calls = 0
		if _, err := mk(model); err != nil {
			t.Fatal(err)
		}
		if calls != 1 {
			t.Errorf("%s: the model ran %d times, want 1", name, calls)
		}
	}
}
