package probgraph

import (
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// mixedModel has a positive scalar, a simplex in a plate, a site summed out
// by enumeration and an observation; calls counts its runs.
func mixedModel(calls *int) Model {
	return func(m *Ctx) {
		*calls++
		g := m.Graph()
		s := m.Sample("scale", dist.LogNormal(g.Scalar(0), g.Scalar(1)))
		p := m.Plate("groups", 2)
		p.Sample("w", dist.Dirichlet(g.Fill(0.5, 3)))
		z := p.Sample("z", dist.Bernoulli(g.Scalar(0.3)), EnumerateParallel())
		p.Observe("x", dist.Normal(z, s), g.Constant([]float64{0.2, 1.1}, 2))
	}
}

// The prototype runs the model once, however many starting points are then
// drawn, and describes each continuous latent site (the enumerated one left
// out) in execution order: shapes, event dimensions, supports, plates.
func TestPrototypeTracesOnceAndDescribesContinuousLatents(t *testing.T) {
	calls := 0
	p, err := NewPrototype(mixedModel(&calls))
	if err != nil {
		t.Fatal(err)
	}
	var sites []LatentSite
	for seed := range uint64(3) {
		if sites, err = p.Latents(nil, seed); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 {
		t.Errorf("the model ran %d times, want 1", calls)
	}
	if len(sites) != 2 {
		t.Fatalf("%d latent sites, want scale and w", len(sites))
	}
	scale, w := sites[0], sites[1]
	if scale.Name != "scale" || len(scale.Shape) != 0 || scale.EventDim != 0 || scale.Support != dist.Positive() ||
		len(scale.UnconstrainedShape) != 0 || len(scale.Plates) != 0 {
		t.Errorf("scale: %+v", scale)
	}
	if w.Name != "w" || !slices.Equal(w.Shape, []int{2, 3}) || w.EventDim != 1 || w.Support != dist.Simplex() ||
		!slices.Equal(w.UnconstrainedShape, []int{2, 2}) || len(w.Plates) != 1 || w.Plates[0].Name != "groups" {
		t.Errorf("w: %+v", w)
	}
	if !slices.Equal(w.Init.Shape, []int{2, 2}) || len(w.Init.Data) != 4 {
		t.Errorf("w starts at %+v, want an unconstrained value of shape [2 2]", w.Init)
	}
	if n := p.Trace().MaxPlateNesting(); n != 1 {
		t.Errorf("MaxPlateNesting of the prototype trace %d, want 1", n)
	}
}

// The seed picks the prior draws an init strategy sees: the same seed gives
// the same starting point, another seed another one, also when several
// goroutines draw from one prototype at once.
func TestPrototypeLatentsFollowTheSeed(t *testing.T) {
	calls := 0
	p, err := NewPrototype(mixedModel(&calls))
	if err != nil {
		t.Fatal(err)
	}
	start := func(seed uint64) []float64 {
		sites, err := p.Latents(InitToSample(), seed)
		if err != nil {
			t.Error(err)
			return nil
		}
		return slices.Concat(sites[0].Init.Data, sites[1].Init.Data)
	}
	want := [][]float64{start(0), start(1), start(2), start(3)}
	if slices.Equal(want[0], want[1]) {
		t.Errorf("seeds 0 and 1 give the same starting point %v", want[0])
	}
	got := make([][]float64, len(want))
	var wg sync.WaitGroup
	for i := range want {
		wg.Go(func() { got[i] = start(uint64(i)) })
	}
	wg.Wait()
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("seed %d: %v concurrently, %v alone", i, got[i], want[i])
		}
	}
}

// The default strategy, the median of prior draws, starts a tight prior at
// its centre, in unconstrained space.
func TestPrototypeDefaultStartIsThePriorMedian(t *testing.T) {
	model := func(m *Ctx) {
		g := m.Graph()
		m.Sample("a", dist.Normal(g.Scalar(3), g.Scalar(0.001)))
		m.Sample("b", dist.LogNormal(g.Scalar(2), g.Scalar(0.001)))
	}
	sites, err := LatentSites(model, nil, 7)
	if err != nil {
		t.Fatal(err)
	}
	// The median of fifteen draws has a standard error of about 0.0003.
	if a, b := sites[0].Init.Data[0], sites[1].Init.Data[0]; math.Abs(a-3) > 0.005 || math.Abs(b-2) > 0.005 {
		t.Errorf("unconstrained starts a = %v, log b = %v; want about 3 and 2", a, b)
	}
}

// Models whose latent sites cannot be set up give ErrLatent naming the site;
// a model with no latent sites is not an error.
func TestPrototypeErrors(t *testing.T) {
	discrete := func(m *Ctx) { m.Sample("coin", dist.Bernoulli(m.Graph().Scalar(0.3))) }
	if _, err := NewPrototype(discrete); !errors.Is(err, ErrLatent) || !strings.Contains(err.Error(), `"coin"`) ||
		!strings.Contains(err.Error(), "enumeration") {
		t.Errorf("discrete latent: %v, want ErrLatent naming \"coin\" and enumeration", err)
	}
	if _, err := NewPrototype(nil); !errors.Is(err, ErrLatent) {
		t.Errorf("nil model: %v, want ErrLatent", err)
	}
	badShape := InitToValue(map[string]Tensor{"z": Vector(1, 2)}, nil)
	if _, err := LatentSites(twoSites, badShape, 0); !errors.Is(err, ErrLatent) || !strings.Contains(err.Error(), `"z"`) {
		t.Errorf("init value of the wrong shape: %v, want ErrLatent naming \"z\"", err)
	}
	outside := InitToValue(map[string]Tensor{"scale": Scalar(-1)}, nil)
	calls := 0
	if _, err := LatentSites(mixedModel(&calls), outside, 0); !errors.Is(err, ErrLatent) || !strings.Contains(err.Error(), `"scale"`) {
		t.Errorf("init value outside the support: %v, want ErrLatent naming \"scale\"", err)
	}
	observed := func(m *Ctx) {
		g := m.Graph()
		m.Observe("y", dist.Normal(g.Scalar(0), g.Scalar(1)), g.Scalar(0.5))
	}
	sites, err := LatentSites(observed, nil, 0)
	if err != nil || len(sites) != 0 {
		t.Errorf("a model without latent sites: %v, %v; want none and no error", sites, err)
	}
}

// A prior without a closed-form mean (an Independent over an expanded
// Normal) only has no mean to start from: InitToMean falls back to the
// median of draws. A model error before such a site still fails the trace.
func TestPrototypeWithoutPriorMean(t *testing.T) {
	model := func(m *Ctx) {
		g := m.Graph()
		m.Sample("beta", dist.ToEvent(dist.Expand(dist.Normal(g.Scalar(5), g.Scalar(0.001)), 3), 1))
	}
	sites, err := LatentSites(model, InitToMean(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range sites[0].Init.Data {
		if math.Abs(v-5) > 0.005 {
			t.Errorf("beta[%d] starts at %v, want about 5", i, v)
		}
	}
	broken := func(m *Ctx) {
		g := m.Graph()
		m.Sample("a", dist.Normal(g.Scalar(0), g.Scalar(1)))
		m.Sample("a", dist.Normal(g.Scalar(0), g.Scalar(1)))
		m.Sample("beta", dist.ToEvent(dist.Expand(dist.Normal(g.Scalar(0), g.Scalar(1)), 3), 1))
	}
	if _, err := NewPrototype(broken); !errors.Is(err, ErrLatent) || !errors.Is(err, ErrSite) {
		t.Errorf("a site name used twice: %v, want ErrLatent wrapping ErrSite", err)
	}
}
