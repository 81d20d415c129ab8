package infer

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// The sums below are written out by hand in float64; the enumerated loss
// reaches the same number through log-sum-exp, so the two agree to a few
// ulps of the log-likelihood's magnitude (≈ 10, so ~1e-14); 1e-8 is the
// acceptance bound.
const enumTol = 1e-8

func normalLogPDF(x, mu, sigma float64) float64 {
	z := (x - mu) / sigma
	return -0.5*z*z - math.Log(sigma) - 0.5*math.Log(2*math.Pi)
}

// enumLoss builds TraceEnumELBO for model and guide and returns its loss.
func enumLoss(t *testing.T, e TraceEnumELBO, model, guide probgraph.Model) float64 {
	t.Helper()
	g := engine.NewGraph()
	obj, err := e.Build(g, model, guide, probgraph.NewParamStore(g))
	if err != nil {
		t.Fatal(err)
	}
	prog, err := g.Compile([]*engine.Node{obj.Loss})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	return prog.Scalar(obj.Loss)
}

func emptyGuide(*probgraph.Ctx) {}

// A global Bernoulli z, and in a plate of three a categorical y_i whose
// probabilities depend on z (a chain across the plate boundary), and an
// observation x_i ~ N(mu[y_i] + z/2, 1).
var (
	smallPZ = 0.3
	smallP  = [2][3]float64{{0.2, 0.5, 0.3}, {0.6, 0.1, 0.3}}
	smallMu = []float64{-1, 0.5, 2}
	smallX  = []float64{0.3, -1.2, 2.5}
)

func smallModel(m *probgraph.Ctx) {
	g := m.Graph()
	z := m.Sample("z", dist.Bernoulli(g.Scalar(smallPZ)), probgraph.EnumerateParallel())
	probs := g.Take(g.Constant([]float64{smallP[0][0], smallP[0][1], smallP[0][2], smallP[1][0], smallP[1][1], smallP[1][2]}, 2, 3), 0, z)
	p := m.Plate("data", len(smallX))
	y := p.Sample("y", dist.Categorical(probs), probgraph.EnumerateParallel())
	loc := g.Add(g.Take(g.Constant(smallMu, 3), 0, y), g.Scale(z, 0.5))
	p.Observe("x", dist.Normal(loc, g.Scalar(1)), g.Constant(smallX, len(smallX)))
}

func smallExact() float64 {
	total := 0.0
	for z := 0; z < 2; z++ {
		pz := smallPZ
		if z == 0 {
			pz = 1 - smallPZ
		}
		lik := pz
		for _, x := range smallX {
			s := 0.0
			for y := 0; y < 3; y++ {
				s += smallP[z][y] * math.Exp(normalLogPDF(x, smallMu[y]+0.5*float64(z), 1))
			}
			lik *= s
		}
		total += lik
	}
	return -math.Log(total)
}

func TestTraceEnumSmallModelEqualsExactMarginal(t *testing.T) {
	got := enumLoss(t, TraceEnumELBO{}, smallModel, emptyGuide)
	want := smallExact()
	if d := math.Abs(got - want); d > enumTol {
		t.Fatalf("enumerated loss %.15g, exact −log p(x) %.15g, |diff| %.3g", got, want, d)
	}
	t.Logf("loss %.15g, exact %.15g, |diff| %.3g", got, want, math.Abs(got-want))
	// An explicit, larger plate nesting moves the enumeration dims left
	// and must not change the value.
	if got2 := enumLoss(t, TraceEnumELBO{MaxPlateNesting: 3}, smallModel, emptyGuide); math.Abs(got2-want) > enumTol {
		t.Fatalf("with max plate nesting 3: loss %.15g, want %.15g", got2, want)
	}
}

// A hidden Markov model of four steps with no plates: each hidden state's
// distribution depends on the previous enumerated state.
var (
	hmmInit  = []float64{0.5, 0.3, 0.2}
	hmmTrans = []float64{0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.25, 0.25, 0.5}
	hmmLocs  = []float64{-2, 0, 3}
	hmmObs   = []float64{-1.5, 0.2, 2.1, 2.9}
)

func hmmModel(m *probgraph.Ctx) {
	g := m.Graph()
	trans := g.Constant(hmmTrans, 3, 3)
	probs := g.Constant(hmmInit, 3)
	for t, x := range hmmObs {
		h := m.Sample(name("h", t), dist.Categorical(probs), probgraph.EnumerateParallel())
		m.Observe(name("x", t), dist.Normal(g.Take(g.Constant(hmmLocs, 3), 0, h), g.Scalar(0.8)), g.Scalar(x))
		probs = g.Take(trans, 0, h)
	}
}

func name(p string, i int) string { return p + string(rune('0'+i)) }

func hmmExact() float64 {
	// Forward algorithm.
	alpha := make([]float64, 3)
	for k := range alpha {
		alpha[k] = hmmInit[k] * math.Exp(normalLogPDF(hmmObs[0], hmmLocs[k], 0.8))
	}
	for _, x := range hmmObs[1:] {
		next := make([]float64, 3)
		for j := range next {
			for i := range alpha {
				next[j] += alpha[i] * hmmTrans[i*3+j]
			}
			next[j] *= math.Exp(normalLogPDF(x, hmmLocs[j], 0.8))
		}
		alpha = next
	}
	return -math.Log(alpha[0] + alpha[1] + alpha[2])
}

func TestTraceEnumHMMEqualsForwardAlgorithm(t *testing.T) {
	got := enumLoss(t, TraceEnumELBO{}, hmmModel, emptyGuide)
	want := hmmExact()
	if d := math.Abs(got - want); d > enumTol {
		t.Fatalf("enumerated loss %.15g, forward algorithm %.15g, |diff| %.3g", got, want, d)
	}
	t.Logf("loss %.15g, forward %.15g, |diff| %.3g", got, want, math.Abs(got-want))
}

// The seed's 1-D mixture at a fixed parameter point: the guide puts Delta
// masses (log density 0) at the given weights, scale and locs, so the loss
// is −[log p(w) + log p(σ) + Σ_k log p(μ_k) + Σ_i log Σ_k w_k N(x_i | μ_k, σ)].
func TestTraceEnumGMMEqualsExactMarginal(t *testing.T) {
	x := []float64{-2.1, -1.7, 0.4, 3.3, 2.8, 3.9, -2.5, 3.1}
	w, sigma, mu := []float64{0.35, 0.65}, 0.9, []float64{-2, 3}
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		weights := m.Sample("weights", dist.Dirichlet(g.Fill(0.5, 2)))
		scale := m.Sample("scale", dist.LogNormal(g.Scalar(0), g.Scalar(0.5)))
		locs := m.Plate("components", 2).Sample("locs", dist.Normal(g.Scalar(0), g.Scalar(4)))
		p := m.Plate("data", len(x))
		a := p.Sample("assignment", dist.Categorical(weights), probgraph.EnumerateParallel())
		p.Observe("obs", dist.Normal(g.Take(locs, 0, a), scale), g.Constant(x, len(x)))
	}
	guide := func(m *probgraph.Ctx) {
		g := m.Graph()
		m.Sample("weights", dist.DeltaEvent(g.Constant(w, 2), 1))
		m.Sample("scale", dist.Delta(g.Scalar(sigma)))
		m.Plate("components", 2).Sample("locs", dist.Delta(g.Constant(mu, 2)))
	}
	// log Dirichlet(w | 0.5, 0.5) = lgamma(1) − 2 lgamma(0.5) − 0.5 Σ log w.
	lg := func(v float64) float64 { r, _ := math.Lgamma(v); return r }
	logPrior := lg(1) - 2*lg(0.5) - 0.5*(math.Log(w[0])+math.Log(w[1]))
	logPrior += normalLogPDF(math.Log(sigma), 0, 0.5) - math.Log(sigma)
	for _, m := range mu {
		logPrior += normalLogPDF(m, 0, 4)
	}
	logLik := 0.0
	for _, xi := range x {
		s := 0.0
		for k := range w {
			s += w[k] * math.Exp(normalLogPDF(xi, mu[k], sigma))
		}
		logLik += math.Log(s)
	}
	want := -(logPrior + logLik)
	got := enumLoss(t, TraceEnumELBO{MaxPlateNesting: 1}, model, guide)
	if d := math.Abs(got - want); d > enumTol {
		t.Fatalf("enumerated loss %.15g, exact %.15g, |diff| %.3g", got, want, d)
	}
	t.Logf("loss %.15g, exact %.15g, |diff| %.3g", got, want, math.Abs(got-want))
}

// Structures that cannot be contracted exactly are errors naming the sites.
func TestTraceEnumRejectsUnsupportedStructures(t *testing.T) {
	cases := []struct {
		name  string
		model probgraph.Model
		e     TraceEnumELBO
		want  []string
	}{
		{"continuous site marked", func(m *probgraph.Ctx) {
			g := m.Graph()
			m.Sample("u", dist.Normal(g.Scalar(0), g.Scalar(1)), probgraph.EnumerateParallel())
		}, TraceEnumELBO{}, []string{`"u"`, "no finite support"}},
		{"local variable used outside its plate", func(m *probgraph.Ctx) {
			g := m.Graph()
			z := m.Plate("data", 3).Sample("z", dist.Bernoulli(g.Scalar(0.4)), probgraph.EnumerateParallel())
			m.Observe("y", dist.Normal(z, g.Scalar(1)), g.Scalar(0.5))
		}, TraceEnumELBO{MaxPlateNesting: 1}, []string{`"y"`, `"z"`, `"data"`}},
		// The local z summed over its plate into one observation outside
		// it: y couples all three z_i (its exact marginal needs all 2³
		// joint values), and the plate reduction moves the enumeration dim
		// into the plate dims, so the log-probability has shape [2] where
		// the outside-the-plate check looks for the enumeration dim.
		{"local variable summed over its plate into a global observation", func(m *probgraph.Ctx) {
			g := m.Graph()
			z := m.Plate("data", 3).Sample("z", dist.Bernoulli(g.Scalar(0.4)), probgraph.EnumerateParallel())
			s := g.Sum(g.Mul(z, g.Constant([]float64{1, 2, 3}, 3)), -1)
			m.Observe("y", dist.Normal(s, g.Scalar(1)), g.Scalar(0.5))
		}, TraceEnumELBO{MaxPlateNesting: 1}, []string{`"y"`, `"z"`, `"data"`}},
		// Reducing over every dim, the enumeration dim included, leaves a
		// scalar that mixes the enumerated values themselves.
		{"local variable summed over all dims", func(m *probgraph.Ctx) {
			g := m.Graph()
			z := m.Plate("data", 3).Sample("z", dist.Bernoulli(g.Scalar(0.4)), probgraph.EnumerateParallel())
			m.Observe("y", dist.Normal(g.Sum(z), g.Scalar(1)), g.Scalar(0.5))
		}, TraceEnumELBO{MaxPlateNesting: 1}, []string{`"y"`, `"z"`, `"data"`}},
		{"global variable reduced over its enumeration dim", func(m *probgraph.Ctx) {
			g := m.Graph()
			z := m.Sample("z", dist.Categorical(g.Constant([]float64{0.2, 0.3, 0.5}, 3)), probgraph.EnumerateParallel())
			m.Observe("y", dist.Normal(g.Mean(z), g.Scalar(1)), g.Scalar(0.5))
		}, TraceEnumELBO{}, []string{`"y"`, `"z"`, "reduced"}},
		{"subsampled plate", func(m *probgraph.Ctx) {
			g := m.Graph()
			p := m.Plate("data", 4, probgraph.Subsample(2))
			z := p.Sample("z", dist.Bernoulli(g.Scalar(0.4)), probgraph.EnumerateParallel())
			p.Observe("y", dist.Normal(z, g.Scalar(1)), p.Subsample(g.Constant([]float64{1, 2, 3, 4}, 4)))
		}, TraceEnumELBO{}, []string{`"z"`, "scale"}},
		{"grid of two local variables", func(m *probgraph.Ctx) {
			g := m.Graph()
			a := m.Plate("rows", 2, probgraph.Dim(-1))
			b := m.Plate("cols", 3, probgraph.Dim(-2))
			z := a.Sample("z", dist.Bernoulli(g.Scalar(0.4)), probgraph.EnumerateParallel())
			w := b.Sample("w", dist.Bernoulli(g.Scalar(0.6)), probgraph.EnumerateParallel())
			b.Plate("rows", 2, probgraph.Dim(-1)).Observe("x", dist.Normal(g.Add(z, w), g.Scalar(1)), g.Fill(0.5, 3, 2))
		}, TraceEnumELBO{}, []string{`"x"`, `"z"`, `"w"`, "tree"}},
		{"sequential enumeration", func(m *probgraph.Ctx) {
			g := m.Graph()
			m.Sample("z", dist.Bernoulli(g.Scalar(0.4)), probgraph.WithInfer(probgraph.InferConfig{Enumerate: probgraph.Sequential}))
		}, TraceEnumELBO{}, []string{`"z"`, "parallel"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := engine.NewGraph()
			_, err := c.e.Build(g, c.model, emptyGuide, probgraph.NewParamStore(g))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
			t.Log(err)
			if !errors.Is(err, probgraph.ErrEnum) {
				t.Errorf("error %v is not ErrEnum", err)
			}
		})
	}
	g := engine.NewGraph()
	if _, err := (TraceEnumELBO{MaxPlateNesting: -1}).Build(g, smallModel, emptyGuide, probgraph.NewParamStore(g)); !errors.Is(err, ErrOptions) {
		t.Errorf("negative nesting: error %v, want ErrOptions", err)
	}
}

// TestTraceEnumIndependentSitesInSeparatePlates enumerates two unrelated
// local variables, one per plate (the plates at the same dim, as two
// data sets): the marginal likelihood factorizes into per-element sums.
func TestTraceEnumIndependentSitesInSeparatePlates(t *testing.T) {
	xa, xb := []float64{0.2, 1.4, -0.3}, []float64{2.5, -1.1}
	mb := []float64{-1, 0, 2.4}
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		pa := m.Plate("a", len(xa))
		z := pa.Sample("z", dist.Bernoulli(g.Scalar(0.35)), probgraph.EnumerateParallel())
		pa.Observe("xa", dist.Normal(z, g.Scalar(0.5)), g.Constant(xa, len(xa)))
		pb := m.Plate("b", len(xb))
		w := pb.Sample("w", dist.Categorical(g.Constant([]float64{0.2, 0.5, 0.3}, 3)), probgraph.EnumerateParallel())
		pb.Observe("xb", dist.Normal(g.Take(g.Constant(mb, 3), 0, w), g.Scalar(1)), g.Constant(xb, len(xb)))
	}
	want := 0.0
	for _, x := range xa {
		want -= math.Log(0.65*math.Exp(normalLogPDF(x, 0, 0.5)) + 0.35*math.Exp(normalLogPDF(x, 1, 0.5)))
	}
	for _, x := range xb {
		s := 0.0
		for k, p := range []float64{0.2, 0.5, 0.3} {
			s += p * math.Exp(normalLogPDF(x, mb[k], 1))
		}
		want -= math.Log(s)
	}
	got := enumLoss(t, TraceEnumELBO{}, model, emptyGuide)
	if d := math.Abs(got - want); d > enumTol {
		t.Fatalf("enumerated loss %.15g, exact %.15g, |diff| %.3g", got, want, d)
	}
	t.Logf("loss %.15g, exact %.15g, |diff| %.3g", got, want, math.Abs(got-want))
}
