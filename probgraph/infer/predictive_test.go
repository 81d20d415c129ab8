package infer

import (
	"errors"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// moments returns the sample mean and variance of xs and their standard
// errors (the variance's from the sample fourth central moment).
func moments(xs []float64) (mean, meanSE, variance, varSE float64) {
	n := float64(len(xs))
	for _, x := range xs {
		mean += x / n
	}
	var m2, m4 float64
	for _, x := range xs {
		d := (x - mean) * (x - mean)
		m2 += d / n
		m4 += d * d / n
	}
	return mean, math.Sqrt(m2 / n), m2 * n / (n - 1), math.Sqrt((m4 - m2*m2) / n)
}

// checkMoments checks the mean and variance of draws at 5 standard errors.
func checkMoments(t *testing.T, name string, xs []float64, wantMean, wantVar float64) {
	t.Helper()
	mean, meanSE, v, vSE := moments(xs)
	if math.Abs(mean-wantMean) > 5*meanSE {
		t.Errorf("%s: mean %.4f ± %.2g (SE), want %.4f", name, mean, meanSE, wantMean)
	}
	if math.Abs(v-wantVar) > 5*vSE {
		t.Errorf("%s: variance %.4f ± %.2g (SE), want %.4f", name, v, vSE, wantVar)
	}
	t.Logf("%s: mean %.4f ± %.2g (want %.4f), variance %.4f ± %.2g (want %.4f)", name, mean, meanSE, wantMean, v, vSE, wantVar)
}

func TestPriorPredictiveDrawsTheMarginal(t *testing.T) {
	const n = 20000
	p, err := NewPredictive(conjModel, PredictiveOptions{NumSamples: n, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	draws, err := p.Sample()
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(draws)); !slices.Equal(got, []string{"x", "z"}) {
		t.Errorf("default sites %v, want [x z]", got)
	}
	// z ~ N(0, 1); the observed x is drawn afresh: x ~ N(0, 1 + σ²).
	checkMoments(t, "z", draws["z"].Data, 0, 1)
	checkMoments(t, "x", draws["x"].Data, 0, 1+conjSigma*conjSigma)
}

func TestPosteriorPredictiveWithTheExactPosterior(t *testing.T) {
	const n = 20000
	mean, sd := conjPosterior()
	exact := func(m *probgraph.Ctx) {
		g := m.Graph()
		m.Sample("z", dist.Normal(g.Scalar(mean), g.Scalar(sd)))
	}
	cases := []struct {
		name   string
		guide  probgraph.Model
		params map[string]probgraph.Tensor
	}{
		{"hand-written guide", exact, nil},
		{"parametric guide at the posterior", conjGuide,
			map[string]probgraph.Tensor{"m": probgraph.Scalar(mean), "s": probgraph.Scalar(sd)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := NewPredictive(conjModel, PredictiveOptions{Guide: c.guide, Params: c.params, NumSamples: n, Seed: 2})
			if err != nil {
				t.Fatal(err)
			}
			draws, err := p.Sample()
			if err != nil {
				t.Fatal(err)
			}
			checkMoments(t, "z", draws["z"].Data, mean, sd*sd)
			checkMoments(t, "x", draws["x"].Data, mean, sd*sd+conjSigma*conjSigma)
		})
	}
}

// A model with a global latent, a plate of three observations, and
// deterministic sites that depend on the latent, or on nothing random.
func platedModel(m *probgraph.Ctx) {
	g := m.Graph()
	z := m.Sample("z", dist.Normal(g.Scalar(0), g.Scalar(1)))
	m.Deterministic("twice_z", g.Scale(z, 2))
	shift := m.Param("shift", probgraph.Scalar(0))
	m.Deterministic("shift_sq", g.Square(shift))
	m.Plate("data", 3).Observe("x", dist.Normal(g.Add(z, shift), g.Scalar(0.1)), g.Constant([]float64{1, 2, 3}, 3))
}

func TestPredictiveLeadingDimensionIsNumSamples(t *testing.T) {
	const n = 7
	p, err := NewPredictive(platedModel, PredictiveOptions{
		NumSamples: n,
		Params:     map[string]probgraph.Tensor{"shift": probgraph.Scalar(3)},
	})
	if err != nil {
		t.Fatal(err)
	}
	first, err := p.Sample()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{"z": {n}, "twice_z": {n}, "shift_sq": {n}, "x": {n, 3}}
	if len(first) != len(want) {
		t.Errorf("sites %v, want %v", first, want)
	}
	for name, shape := range want {
		got := first[name]
		if !slices.Equal(got.Shape, shape) || len(got.Data) != engine.Shape(shape).Size() {
			t.Errorf("%s: shape %v with %d values, want %v", name, got.Shape, len(got.Data), shape)
		}
	}
	z := first["z"].Data
	for i := range n {
		if got := first["twice_z"].Data[i]; got != 2*z[i] {
			t.Errorf("draw %d: twice_z %v, z %v", i, got, z[i])
		}
		if got := first["shift_sq"].Data[i]; got != 9 {
			t.Errorf("draw %d: shift_sq %v, want 9 (the given parameter, squared)", i, got)
		}
		for j := range 3 {
			// x = z + 3 + 0.1·ε: within 1 of z + 3 unless ε is beyond 10.
			if x := first["x"].Data[3*i+j]; math.Abs(x-z[i]-3) > 1 {
				t.Errorf("draw %d: x[%d] = %v is not near z + shift = %v", i, j, x, z[i]+3)
			}
		}
	}
	second, err := p.Sample()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(first["z"].Data, second["z"].Data) {
		t.Error("two calls to Sample gave the same draws")
	}
}

func TestPredictiveSameSeedSameDraws(t *testing.T) {
	draw := func(seed uint64) []float64 {
		p, err := NewPredictive(conjModel, PredictiveOptions{NumSamples: 5, Seed: seed, ReturnSites: []string{"x"}})
		if err != nil {
			t.Fatal(err)
		}
		d, err := p.Sample()
		if err != nil {
			t.Fatal(err)
		}
		return d["x"].Data
	}
	if a, b := draw(4), draw(4); !slices.Equal(a, b) {
		t.Errorf("seed 4 gave %v and %v", a, b)
	}
	if a, b := draw(4), draw(5); slices.Equal(a, b) {
		t.Errorf("seeds 4 and 5 both gave %v", a)
	}
}

func TestPredictiveRejectsBadOptions(t *testing.T) {
	subsampled := func(m *probgraph.Ctx) {
		g := m.Graph()
		m.Plate("data", 10, probgraph.Subsample(2)).Sample("z", dist.Normal(g.Scalar(0), g.Scalar(1)))
	}
	cases := []struct {
		name  string
		model probgraph.Model
		opts  PredictiveOptions
		want  string // in the message
	}{
		{"unknown site", conjModel, PredictiveOptions{NumSamples: 3, ReturnSites: []string{"z", "nosuch"}}, `"nosuch"`},
		{"param site", platedModel, PredictiveOptions{NumSamples: 3, ReturnSites: []string{"shift"}}, `"shift" is a param site`},
		{"no samples", conjModel, PredictiveOptions{}, "NumSamples 0"},
		{"nil model", nil, PredictiveOptions{NumSamples: 3}, "needs a model"},
		{"param of the wrong shape", platedModel,
			PredictiveOptions{NumSamples: 3, Params: map[string]probgraph.Tensor{"shift": probgraph.Vector(1, 2)}}, `param "shift"`},
		{"param with too few values", conjModel,
			PredictiveOptions{NumSamples: 3, Params: map[string]probgraph.Tensor{"m": {Shape: []int{2}}}}, `param "m"`},
		{"subsampled plate", subsampled, PredictiveOptions{NumSamples: 3}, `plate "data" is subsampled`},
	}
	for _, c := range cases {
		_, err := NewPredictive(c.model, c.opts)
		if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want ErrOptions mentioning %s", c.name, err, c.want)
		}
	}
}
