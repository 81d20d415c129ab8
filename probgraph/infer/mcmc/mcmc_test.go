package mcmc

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// betaBernoulli is p ~ Beta(1, 1), 7 heads in 10 flips: posterior
// Beta(8, 4).
func betaBernoulli(m *probgraph.Ctx) {
	g := m.Graph()
	flips := []float64{1, 1, 0, 1, 0, 1, 1, 1, 0, 1}
	p := m.Sample("p", dist.Beta(g.Scalar(1), g.Scalar(1)))
	m.Plate("flips", len(flips)).Observe("x", dist.Bernoulli(p), g.Constant(flips, len(flips)))
}

// mcBound is z Monte Carlo standard errors of the mean of the pooled chains,
// with the effective sample size of the mean (Geyer's estimator on the split
// chains, as ESSBulk but on the raw values).
func mcBound(chains [][]float64, z float64) float64 {
	split, ok := splitChains(chains)
	if !ok {
		return math.NaN()
	}
	_, v := meanVar(slices.Concat(chains...))
	return z * math.Sqrt(v/ess(split))
}

func poolMean(chains [][]float64) float64 {
	m, _ := meanVar(slices.Concat(chains...))
	return m
}

// TestNUTSBetaBernoulliPosterior checks NUTS against the exact Beta(8, 4)
// posterior: the mean of p and of (p − 2/3)² (the variance) within 4 Monte
// Carlo standard errors, both computed from the chains' own effective
// sample sizes.
func TestNUTSBetaBernoulliPosterior(t *testing.T) {
	s, err := Run(context.Background(), betaBernoulli, WithSamples(2000), WithWarmup(500), WithChains(2), WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	chains, err := s.Chain("p")
	if err != nil {
		t.Fatal(err)
	}
	a, b := 8.0, 4.0
	mean, variance := a/(a+b), a*b/((a+b)*(a+b)*(a+b+1))
	if got, bound := poolMean(chains), mcBound(chains, 4); math.Abs(got-mean) > bound {
		t.Errorf("mean of p %v, exact %v, bound %v", got, mean, bound)
	}
	sq := make([][]float64, len(chains))
	for c, ch := range chains {
		for _, v := range ch {
			sq[c] = append(sq[c], (v-mean)*(v-mean))
		}
	}
	if got, bound := poolMean(sq), mcBound(sq, 4); math.Abs(got-variance) > bound {
		t.Errorf("variance of p %v, exact %v, bound %v", got, variance, bound)
	}
	if s.Divergences() != 0 {
		t.Errorf("%d divergences on a smooth one-dimensional posterior", s.Divergences())
	}
	for c, st := range s.Chains {
		if !(st.WarmupSeconds > 0 && st.SampleSeconds > 0 && st.WarmupLeapfrogs > 0 && st.Leapfrogs > 0) {
			t.Errorf("chain %d: warm-up %v s over %d leapfrogs, draws %v s over %d leapfrogs; all must be positive",
				c, st.WarmupSeconds, st.WarmupLeapfrogs, st.SampleSeconds, st.Leapfrogs)
		}
	}
	sum := s.Summary()
	if r := sum.MaxRHat(); !(r < 1.01) {
		t.Errorf("R-hat %v", r)
	}
}

// TestHMCStandardNormal checks static HMC on a three-dimensional standard
// normal: each coordinate's mean and second moment within 4 Monte Carlo
// standard errors of 0 and 1.
func TestHMCStandardNormal(t *testing.T) {
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		m.Sample("x", dist.ToEvent(dist.Normal(g.Fill(0, 3), g.Fill(1, 3)), 1))
	}
	s, err := Run(context.Background(), model, WithAlgorithm(HMC), WithTrajectoryLength(1.5), WithSamples(1000), WithWarmup(300), WithSeed(2))
	if err != nil {
		t.Fatal(err)
	}
	x, _ := s.Chain("x")
	for e := range 3 {
		ch := [][]float64{nil}
		for k := range s.NumSamples {
			ch[0] = append(ch[0], x[0][3*k+e])
		}
		if got, bound := poolMean(ch), mcBound(ch, 4); math.Abs(got) > bound {
			t.Errorf("x[%d] mean %v, bound %v", e, got, bound)
		}
		sq := [][]float64{nil}
		for _, v := range ch[0] {
			sq[0] = append(sq[0], v*v)
		}
		if got, bound := poolMean(sq), mcBound(sq, 4); math.Abs(got-1) > bound {
			t.Errorf("x[%d] second moment %v, bound %v", e, got, bound)
		}
	}
}

// TestSameSeedSameDraws checks that chains are reproducible (the same seed
// gives identical draws although chains run concurrently), that chains
// differ from each other, and that another seed gives other draws.
func TestSameSeedSameDraws(t *testing.T) {
	run := func(seed uint64) [][]float64 {
		s, err := Run(context.Background(), betaBernoulli, WithSamples(50), WithWarmup(50), WithChains(3), WithSeed(seed))
		if err != nil {
			t.Fatal(err)
		}
		d, _ := s.Chain("p")
		return d
	}
	a, b, c := run(7), run(7), run(8)
	for k := range a {
		if !slices.Equal(a[k], b[k]) {
			t.Errorf("chain %d differs between two runs with the same seed", k)
		}
		if slices.Equal(a[k], c[k]) {
			t.Errorf("chain %d is the same under seeds 7 and 8", k)
		}
	}
	if slices.Equal(a[0], a[1]) {
		t.Error("chains 0 and 1 are identical")
	}
}

// TestTransitionAllocatesNothing checks that a NUTS transition, leapfrog
// steps, tree building and the cancellation poll included, does not
// allocate.
func TestTransitionAllocatesNothing(t *testing.T) {
	sites, lay, pot := compiled(t, betaBernoulli)
	s := newSampler(pot, lay.dim, rand.New(rand.NewPCG(1, 2)), true, 10)
	s.done = make(chan struct{})
	s.setPosition(sites[0].Init.Data)
	s.eps = 0.5
	if n := testing.AllocsPerRun(100, func() { s.nuts() }); n != 0 {
		t.Errorf("%v allocations per transition", n)
	}
}

// TestProgressAndCancel checks that the progress callback sees every
// iteration of every chain, and that cancelling the context stops the run
// with the context's error.
func TestProgressAndCancel(t *testing.T) {
	calls := map[int]int{}
	_, err := Run(context.Background(), betaBernoulli, WithSamples(20), WithWarmup(10), WithChains(2),
		WithProgress(func(p Progress) {
			calls[p.Chain]++
			if p.Total != 30 || p.Warmup != (p.Iteration <= 10) {
				t.Errorf("progress %+v", p)
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	if calls[0] != 30 || calls[1] != 30 {
		t.Errorf("progress calls per chain %v, want 30 each", calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, err = Run(ctx, betaBernoulli, WithSamples(100000), WithProgress(func(p Progress) {
		if p.Iteration == 5 {
			cancel()
		}
	}))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %v, want context.Canceled", err)
	}
}

// TestRunBadInput checks that invalid options and unsupported models give
// errors (never a panic).
func TestRunBadInput(t *testing.T) {
	ctx := context.Background()
	for name, opts := range map[string][]Option{
		"negative warmup": {WithWarmup(-1)},
		"no samples":      {WithSamples(0)},
		"no chains":       {WithChains(0)},
		"target 1":        {WithTargetAccept(1)},
		"target NaN":      {WithTargetAccept(math.NaN())},
		"depth 0":         {WithMaxTreeDepth(0)},
		"step size 0":     {WithStepSize(0)},
		"step size Inf":   {WithStepSize(math.Inf(1))},
		"trajectory -1":   {WithTrajectoryLength(-1)},
		"init radius NaN": {WithInitRadius(math.NaN())},
		"algorithm 9":     {WithAlgorithm(9)},
		"nil option":      {nil},
	} {
		if _, err := Run(ctx, betaBernoulli, opts...); !errors.Is(err, ErrOption) {
			t.Errorf("%s: %v, want ErrOption", name, err)
		}
	}
	//lint:ignore SA1012 a nil context is the bad input under test
	if _, err := Run(nil, betaBernoulli); !errors.Is(err, ErrOption) { //nolint:staticcheck
		t.Errorf("nil context: %v", err)
	}
	noLatent := func(m *probgraph.Ctx) {
		g := m.Graph()
		m.Observe("y", dist.Normal(g.Scalar(0), g.Scalar(1)), g.Scalar(0.5))
	}
	discrete := func(m *probgraph.Ctx) {
		g := m.Graph()
		m.Sample("z", dist.Bernoulli(g.Scalar(0.3)))
	}
	// Sequential enumeration is not supported (parallel enumeration is).
	enumerated := func(m *probgraph.Ctx) {
		g := m.Graph()
		m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(1)))
		m.Sample("z", dist.Bernoulli(g.Scalar(0.3)), probgraph.WithInfer(probgraph.InferConfig{Enumerate: probgraph.Sequential}))
	}
	subsampled := func(m *probgraph.Ctx) {
		g := m.Graph()
		mu := m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(1)))
		p := m.Plate("data", 10, probgraph.Subsample(5))
		p.Observe("y", dist.Normal(mu, g.Scalar(1)), p.Subsample(g.Fill(0.5, 10)))
	}
	for name, c := range map[string]struct {
		model probgraph.Model
		want  error
	}{
		"nil model":        {nil, ErrModel},
		"no latent sites":  {noLatent, ErrModel},
		"discrete latent":  {discrete, ErrModel},
		"enumerated site":  {enumerated, ErrEnumerated},
		"subsampled plate": {subsampled, ErrModel},
	} {
		if _, err := Run(ctx, c.model, WithSamples(5), WithWarmup(5)); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	s, err := Run(ctx, betaBernoulli, WithSamples(5), WithWarmup(5))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Chain("nope"); !errors.Is(err, ErrSite) {
		t.Errorf("unknown site: %v", err)
	}
}

// TestSummaryTable checks the summary's rows (one per element of every
// latent and deterministic site, labelled with its index), that deterministic
// sites are computed from each draw, that the median and quantiles are
// ordered, and the printed table's header and footer.
func TestSummaryTable(t *testing.T) {
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		theta := m.Sample("theta", dist.ToEvent(dist.Normal(g.Constant([]float64{0, 1, 2, 3}, 2, 2), g.Fill(1, 2, 2)), 2))
		s := m.Sample("s", dist.HalfNormal(g.Scalar(1)))
		m.Deterministic("shifted", g.Add(theta, s))
	}
	s, err := Run(context.Background(), model, WithSamples(200), WithWarmup(100), WithChains(2), WithSeed(3))
	if err != nil {
		t.Fatal(err)
	}
	sum := s.Summary()
	if len(sum.Rows) != 9 {
		t.Fatalf("%d rows, want 9 (4 + 1 latent, 4 deterministic)", len(sum.Rows))
	}
	// The deterministic site is recorded draw by draw from the latent ones.
	theta, _ := s.Chain("theta")
	sv, _ := s.Chain("s")
	shifted, err := s.Chain("shifted")
	if err != nil {
		t.Fatal(err)
	}
	for k := range s.NumSamples {
		for e := range 4 {
			if want := theta[1][4*k+e] + sv[1][k]; shifted[1][4*k+e] != want {
				t.Fatalf("shifted draw %d element %d: %v, want %v", k, e, shifted[1][4*k+e], want)
			}
		}
	}
	r, ok := sum.Row("theta", 1, 0)
	if !ok || r.Label() != "theta[1,0]" {
		t.Fatalf("row theta[1,0]: %v %v", r, ok)
	}
	if !(r.Q5 < r.Median && r.Median < r.Q95) {
		t.Errorf("quantiles out of order: %+v", r)
	}
	if r, ok := sum.Row("s"); !ok || !(r.Q5 > 0) {
		t.Errorf("half-normal site: %+v %v", r, ok)
	}
	out := sum.String()
	for _, want := range []string{"mean", "ess_bulk", "r_hat", "theta[1,1]", "Number of divergences: 0", "2 chains × 200 draws"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

// compiled builds the layout and potential of a model, for tests of the
// sampler's internals.
func compiled(t *testing.T, model probgraph.Model) ([]probgraph.LatentSite, latentLayout, *potential) {
	t.Helper()
	sites, pg, err := potentialOf(model)
	if err != nil {
		t.Fatal(err)
	}
	pot, err := pg.compile()
	if err != nil {
		t.Fatal(err)
	}
	return sites, newLayout(sites), pot
}

// potentialOf builds a model's potential the way Run does, with the latents
// started by the default strategy from seed 0.
func potentialOf(model probgraph.Model) ([]probgraph.LatentSite, *potentialGraph, error) {
	proto, err := probgraph.NewPrototype(model)
	if err != nil {
		return nil, nil, err
	}
	sites, err := proto.Latents(nil, 0)
	if err != nil {
		return nil, nil, err
	}
	pg, err := buildPotential(model, newLayout(sites), proto.Trace().MaxPlateNesting())
	return sites, pg, err
}
