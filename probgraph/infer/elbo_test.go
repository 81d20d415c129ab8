package infer

import (
	"errors"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// The conjugate model z ~ N(0, 1), x | z ~ N(z, σ²) with x observed, and the
// guide q(z) = N(m, s²). Its ELBO has a closed form, and so does its gradient:
//
//	dELBO/dm = −m + (x − m)/σ²,  dELBO/ds = −s − s/σ² + 1/s.
const (
	conjX     = 1.3
	conjSigma = 0.7
	conjM     = 0.2
	conjS     = 0.9
)

func conjModel(m *probgraph.Ctx) {
	g := m.Graph()
	z := m.Sample("z", dist.Normal(g.Scalar(0), g.Scalar(1)))
	m.Observe("x", dist.Normal(z, g.Scalar(conjSigma)), g.Scalar(conjX))
}

func conjGuide(m *probgraph.Ctx) {
	loc := m.Param("m", probgraph.Scalar(conjM))
	scale := m.Param("s", probgraph.Scalar(conjS), probgraph.Constrained(dist.Positive()))
	m.Sample("z", dist.Normal(loc, scale))
}

func conjELBO() float64 {
	m, s, x, sg := conjM, conjS, conjX, conjSigma
	h := 0.5 * math.Log(2*math.Pi)
	return -h - 0.5*(m*m+s*s) - h - math.Log(sg) - ((x-m)*(x-m)+s*s)/(2*sg*sg) + h + 0.5 + math.Log(s)
}

// estimate runs an objective's loss and gradients reps times and returns the
// mean and standard error of each.
func estimate(t *testing.T, elbo ELBO, model, guide probgraph.Model, reps int) (loss [2]float64, grads map[string][2]float64) {
	t.Helper()
	g := engine.NewGraph()
	ps := probgraph.NewParamStore(g)
	obj, err := elbo.Build(g, model, guide, ps)
	if err != nil {
		t.Fatal(err)
	}
	params := ps.Unconstrained()
	gr := g.Grad(obj.Surrogate, params...)
	prog, err := g.Compile(append([]*engine.Node{obj.Loss}, gr...), engine.WithSeed(5))
	if err != nil {
		t.Fatal(err)
	}
	stats := make([][2]float64, len(gr)+1) // sum, sum of squares
	for r := 0; r < reps; r++ {
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		for i, n := range append([]*engine.Node{obj.Loss}, gr...) {
			v := prog.Scalar(n)
			stats[i][0] += v
			stats[i][1] += v * v
		}
	}
	ms := func(st [2]float64) [2]float64 {
		m := st[0] / float64(reps)
		v := (st[1]/float64(reps) - m*m) * float64(reps) / float64(reps-1)
		return [2]float64{m, math.Sqrt(math.Max(v, 0) / float64(reps))}
	}
	grads = map[string][2]float64{}
	for i, e := range ps.Entries() {
		grads[e.Name] = ms(stats[i+1])
	}
	return ms(stats[0]), grads
}

func TestTraceELBOGradientIsUnbiased(t *testing.T) {
	loss, grads := estimate(t, TraceELBO{NumParticles: 200}, conjModel, conjGuide, 200)
	m, s, x, sg := conjM, conjS, conjX, conjSigma
	wantM := -(-m + (x-m)/(sg*sg))
	wantU := -s * (-s - s/(sg*sg) + 1/s) // through s = exp(u)
	check := func(name string, got [2]float64, want float64) {
		if math.Abs(got[0]-want) > 4*got[1] {
			t.Errorf("%s: %.6f ± %.2g (SE), analytic %.6f", name, got[0], got[1], want)
		} else {
			t.Logf("%s: %.6f ± %.2g (SE), analytic %.6f", name, got[0], got[1], want)
		}
	}
	check("loss", loss, -conjELBO())
	check("d loss/d m", grads["m"], wantM)
	check("d loss/d log s", grads["s"], wantU)
}

func TestSVIFitsTheConjugatePosterior(t *testing.T) {
	// A decaying rate lets the stochastic iterates settle (0.05 → 5e-4).
	opt, err := engine.NewAdam(engine.AdamOptions{Schedule: engine.ExponentialLR{Initial: 0.05, Gamma: math.Pow(0.01, 1.0/3000)}})
	if err != nil {
		t.Fatal(err)
	}
	svi, err := NewSVI(conjModel, conjGuide, opt, TraceELBO{NumParticles: 50}, WithSeed(3))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svi.Run(t.Context(), 3000, nil); err != nil {
		t.Fatal(err)
	}
	// Exact posterior: precision 1 + 1/σ², mean x/σ² / precision.
	prec := 1 + 1/(conjSigma*conjSigma)
	wantM, wantS := conjX/(conjSigma*conjSigma)/prec, 1/math.Sqrt(prec)
	if m := svi.Param("m")[0]; math.Abs(m-wantM) > 0.02 {
		t.Errorf("posterior mean %v, want %v", m, wantM)
	}
	if s := svi.Param("s")[0]; math.Abs(s-wantS)/wantS > 0.05 {
		t.Errorf("posterior sd %v, want %v", s, wantS)
	}
}

func TestModelGuideDisagreementNamesTheSite(t *testing.T) {
	opt, _ := engine.NewAdam(engine.AdamOptions{})
	cases := []struct {
		name  string
		guide probgraph.Model
	}{
		{"missing site", func(m *probgraph.Ctx) { m.Param("m", probgraph.Scalar(0)) }},
		{"event shape", func(m *probgraph.Ctx) {
			loc := m.Param("m", probgraph.Zeros(2))
			m.Sample("z", dist.ToEvent(dist.Normal(loc, m.Graph().Scalar(1)), 1))
		}},
		{"extra site", func(m *probgraph.Ctx) {
			conjGuide(m)
			m.Sample("w", dist.Normal(m.Graph().Scalar(0), m.Graph().Scalar(1)))
		}},
	}
	for _, c := range cases {
		_, err := NewSVI(conjModel, c.guide, opt, TraceELBO{})
		if !errors.Is(err, ErrModelGuide) {
			t.Errorf("%s: error %v, want ErrModelGuide", c.name, err)
		}
	}
}

// conjGuideWide is conjGuide with a vector location: a different parameter
// set for checkpoint tests.
func conjGuideWide(m *probgraph.Ctx) {
	loc := m.Param("m", probgraph.Zeros(1))
	m.Sample("z", dist.Normal(m.Graph().Reshape(loc), m.Graph().Scalar(1)))
}
