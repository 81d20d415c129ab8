package mcmc

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

var enumData = []float64{-0.3, 2.1, 0.4, 2.6}

// mixtureMean: μ ~ N(0, 1); for each point z_i ~ Bernoulli(0.3), summed out
// by enumeration, and x_i ~ N(μ·z_i, 1).
func mixtureMean(m *probgraph.Ctx) {
	g := m.Graph()
	mu := m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(1)))
	p := m.Plate("data", len(enumData))
	z := p.Sample("z", dist.Bernoulli(g.Scalar(0.3)), probgraph.EnumerateParallel())
	p.Observe("x", dist.Normal(g.Mul(mu, z), g.Scalar(1)), g.Constant(enumData, len(enumData)))
}

// exactLogJoint is log N(μ; 0, 1) + Σ_i log(0.7 N(x_i; 0, 1) + 0.3 N(x_i; μ, 1)).
func exactLogJoint(mu float64) float64 {
	norm := func(x, m float64) float64 { return math.Exp(-0.5*(x-m)*(x-m)) / math.Sqrt(2*math.Pi) }
	lp := math.Log(norm(mu, 0))
	for _, x := range enumData {
		lp += math.Log(0.7*norm(x, 0) + 0.3*norm(x, mu))
	}
	return lp
}

// The potential energy of a model with an enumerated site is minus its
// marginal log joint: the discrete site summed out exactly. The one-hot
// form of the model has the same hand-computed marginal.
func TestPotentialSumsOutEnumeratedSites(t *testing.T) {
	for _, c := range []struct {
		name  string
		model probgraph.Model
	}{{"bernoulli", mixtureMean}, {"onehot", mixtureMeanOneHot}} {
		t.Run(c.name, func(t *testing.T) {
			sites, pg, err := potentialOf(c.model)
			if err != nil {
				t.Fatal(err)
			}
			if len(sites) != 1 || sites[0].Name != "mu" {
				t.Fatalf("latent sites %v, want only mu", sites)
			}
			pot, err := pg.compile()
			if err != nil {
				t.Fatal(err)
			}
			grad := make([]float64, 1)
			for _, mu := range []float64{-1.5, 0, 0.7, 2.4} {
				e := pot.eval([]float64{mu}, grad)
				if want := -exactLogJoint(mu); math.Abs(e-want) > 1e-12*math.Max(1, math.Abs(want)) {
					t.Errorf("potential at μ = %v: %.15g, want %.15g", mu, e, want)
				}
				h := 1e-6
				fd := -(exactLogJoint(mu+h) - exactLogJoint(mu-h)) / (2 * h)
				if math.Abs(grad[0]-fd) > 1e-6*math.Max(1, math.Abs(fd)) {
					t.Errorf("gradient at μ = %v: %v, finite difference %v", mu, grad[0], fd)
				}
			}
		})
	}
}

// NUTS on the enumerated model recovers the posterior mean of μ computed by
// quadrature, within 5 Monte Carlo standard errors.
func TestNUTSWithEnumeratedSiteMatchesQuadrature(t *testing.T) {
	if testing.Short() {
		t.Skip("statistical NUTS run")
	}
	var z, m1 float64
	const lo, hi, n = -8.0, 8.0, 20000
	for i := 0; i <= n; i++ {
		mu := lo + (hi-lo)*float64(i)/n
		w := math.Exp(exactLogJoint(mu))
		if i == 0 || i == n {
			w /= 2
		}
		z += w
		m1 += w * mu
	}
	want := m1 / z
	s, err := Run(context.Background(), mixtureMean, WithWarmup(500), WithSamples(2000), WithChains(2), WithSeed(3))
	if err != nil {
		t.Fatal(err)
	}
	row, ok := s.Summary().Row("mu")
	if !ok {
		t.Fatal("no summary row for mu")
	}
	se := row.SD / math.Sqrt(row.ESSBulk)
	if math.Abs(row.Mean-want) > 5*se {
		t.Errorf("posterior mean of μ %.4f, quadrature %.4f (5 SE = %.4f)", row.Mean, want, 5*se)
	} else {
		t.Logf("posterior mean of μ %.4f, quadrature %.4f, SE %.4f, R-hat %.4f", row.Mean, want, se, row.RHat)
	}
}

// The seed's 1-D Gaussian mixture samples with NUTS over its continuous sites
// (weights, scale, locs) with the assignments summed out; with well-separated
// clusters at −2 and 3 the posterior locations land on them (up to label
// order) and the chains mix.
func TestNUTSOnTheGaussianMixture(t *testing.T) {
	if testing.Short() {
		t.Skip("statistical NUTS run")
	}
	data := make([]float64, 60)
	for i := range data {
		data[i] = -2 + 0.5*math.Sin(1.7*float64(i))
		if i%2 == 1 {
			data[i] += 5
		}
	}
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		weights := m.Sample("weights", dist.Dirichlet(g.Fill(0.5, 2)))
		scale := m.Sample("scale", dist.LogNormal(g.Scalar(0), g.Scalar(0.5)))
		// An ordered pair of locations keeps the labels from switching
		// between chains.
		base := m.Sample("loc0", dist.Normal(g.Scalar(0), g.Scalar(4)))
		gap := m.Sample("gap", dist.LogNormal(g.Scalar(1), g.Scalar(1)))
		locs := g.Concat(0, g.Reshape(base, 1), g.Reshape(g.Add(base, gap), 1))
		p := m.Plate("data", len(data))
		a := p.Sample("assignment", dist.Categorical(weights), probgraph.EnumerateParallel())
		p.Observe("obs", dist.Normal(g.Take(locs, 0, a), scale), g.Constant(data, len(data)))
	}
	s, err := Run(context.Background(), model, WithWarmup(300), WithSamples(500), WithChains(2), WithSeed(5))
	if err != nil {
		t.Fatal(err)
	}
	sum := s.Summary()
	loc0, _ := sum.Row("loc0")
	gap, _ := sum.Row("gap")
	if math.Abs(loc0.Mean-(-2)) > 0.3 || math.Abs(loc0.Mean+gap.Mean-3) > 0.3 {
		t.Errorf("locations %.3f and %.3f, want about −2 and 3", loc0.Mean, loc0.Mean+gap.Mean)
	}
	if sum.MaxRHat() > 1.05 {
		t.Errorf("max R-hat %.3f", sum.MaxRHat())
	}
	t.Logf("locations %.3f, %.3f; max R-hat %.4f; divergences %d", loc0.Mean, loc0.Mean+gap.Mean, sum.MaxRHat(), s.Divergences())
}

// The seed's model itself (locations in a plate, as in internal/examples/models
// GMM1D) runs under NUTS: the potential builds, sampling finishes and every
// draw is finite.
func TestNUTSRunsTheSeedMixture(t *testing.T) {
	data := []float64{-2.1, 2.9, -1.7, 3.3, -2.4, 3.1, -1.9, 2.6}
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		weights := m.Sample("weights", dist.Dirichlet(g.Fill(0.5, 2)))
		scale := m.Sample("scale", dist.LogNormal(g.Scalar(0), g.Scalar(0.5)))
		locs := m.Plate("components", 2).Sample("locs", dist.Normal(g.Scalar(0), g.Scalar(4)))
		p := m.Plate("data", len(data))
		a := p.Sample("assignment", dist.Categorical(weights), probgraph.EnumerateParallel())
		p.Observe("obs", dist.Normal(g.Take(locs, 0, a), scale), g.Constant(data, len(data)))
	}
	s, err := Run(context.Background(), model, WithWarmup(100), WithSamples(100), WithSeed(2))
	if err != nil {
		t.Fatal(err)
	}
	for _, site := range []string{"weights", "scale", "locs"} {
		v, err := s.Get(site)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("%s has a non-finite draw", site)
			}
		}
	}
}

// mixtureMeanOneHot is mixtureMean with z_i one-hot over {off, on}
// (probabilities 0.7, 0.3): x_i ~ N(μ·z_i[1], 1), z_i[1] picked out by a dot
// product with (0, 1).
func mixtureMeanOneHot(m *probgraph.Ctx) {
	g := m.Graph()
	mu := m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(1)))
	p := m.Plate("data", len(enumData))
	z := p.Sample("z", dist.OneHotCategorical(g.Constant([]float64{0.7, 0.3}, 2)), probgraph.EnumerateParallel())
	on := g.Sum(g.Mul(z, g.Constant([]float64{0, 1}, 2)), -1)
	p.Observe("x", dist.Normal(g.Mul(mu, on), g.Scalar(1)), g.Constant(enumData, len(enumData)))
}

// A local enumerated site summed over its plate into a global observation
// cannot be summed out element by element: building the potential fails
// with ErrEnumerated, naming the enumerated site and its plate.
func TestPotentialRejectsLocalSiteReducedOverItsPlate(t *testing.T) {
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		mu := m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(1)))
		z := m.Plate("data", len(enumData)).Sample("z", dist.Bernoulli(g.Scalar(0.3)), probgraph.EnumerateParallel())
		m.Observe("s", dist.Normal(g.Mul(mu, g.Sum(z, -1)), g.Scalar(1)), g.Scalar(1.5))
	}
	_, _, err := potentialOf(model)
	if !errors.Is(err, ErrEnumerated) || !errors.Is(err, probgraph.ErrEnum) ||
		!strings.Contains(err.Error(), `"z"`) || !strings.Contains(err.Error(), `"data"`) {
		t.Fatalf("error %v, want ErrEnumerated wrapping probgraph.ErrEnum, naming \"z\" and \"data\"", err)
	}
	t.Log(err)
}
