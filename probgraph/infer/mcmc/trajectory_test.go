package mcmc

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// stdNormal is x ~ Normal(0, 1).
func stdNormal(m *probgraph.Ctx) {
	g := m.Graph()
	m.Sample("x", dist.Normal(g.Scalar(0), g.Scalar(1)))
}

// A trajectory that would take billions of leapfrog steps (NUTS at tree
// depth 30, HMC with a million steps of 1e-7) stops within 100 ms of the
// context's deadline, with an error wrapping the context's.
func TestCancelInsideLongTrajectory(t *testing.T) {
	const deadline = 100 * time.Millisecond
	for _, c := range []struct {
		name string
		opts []Option
	}{
		{"NUTS depth 30", []Option{WithMaxTreeDepth(30)}},
		{"HMC 1e6 steps", []Option{WithAlgorithm(HMC), WithTrajectoryLength(0.1)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			start := time.Now()
			opts := append(c.opts, WithStepSize(1e-7), WithoutStepSizeAdaptation(), WithWarmup(1), WithSamples(1))
			_, err := Run(ctx, stdNormal, opts...)
			took := time.Since(start)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error %v, want one wrapping context.DeadlineExceeded", err)
			}
			if took > deadline+100*time.Millisecond {
				t.Errorf("returned %v after the start, deadline %v", took, deadline)
			}
		})
	}
}

// The number of HMC leapfrog steps is ⌈length/step⌉ taken in floating
// point, so a tiny step gives the cap rather than an overflowed count.
func TestHMCStepsCappedWithoutOverflow(t *testing.T) {
	for _, c := range []struct {
		length, eps float64
		want        int
		capped      bool
	}{
		{1, 0.3, 4, false},
		{1, 0.25, 4, false},
		{1e-30, 1, 1, false},
		{1, 1.0 / MaxHMCSteps, MaxHMCSteps, false},
		{1, 0.5 / MaxHMCSteps, MaxHMCSteps, true},
		{2 * math.Pi, 1e-20, MaxHMCSteps, true},
		{1, math.SmallestNonzeroFloat64, MaxHMCSteps, true},
	} {
		n, capped := hmcSteps(c.length, c.eps)
		if n != c.want || capped != c.capped {
			t.Errorf("length %v, step %v: %d steps (capped %v), want %d (capped %v)", c.length, c.eps, n, capped, c.want, c.capped)
		}
	}
	// A fixed step size that would need more steps than the cap is a bad
	// option; one that adaptation will change is not.
	for _, opts := range [][]Option{
		{WithStepSize(1e-20), WithoutStepSizeAdaptation()},
		{WithStepSize(1e-20), WithWarmup(0)},
	} {
		_, err := Run(context.Background(), stdNormal, append(opts, WithAlgorithm(HMC), WithSamples(2))...)
		if !errors.Is(err, ErrOption) || !strings.Contains(err.Error(), "MaxHMCSteps") {
			t.Errorf("error %v, want ErrOption naming MaxHMCSteps", err)
		}
	}
	s, err := Run(context.Background(), stdNormal, WithAlgorithm(HMC), WithStepSize(1e-20), WithWarmup(20), WithSamples(5), WithSeed(1))
	if err != nil {
		t.Fatalf("adapted step size: %v", err)
	}
	if st := s.Chains[0]; st.StepSize < 1e-3 {
		t.Errorf("adapted step size %v, expected warm-up to move it away from 1e-20", st.StepSize)
	}
}

// correlated is z ~ Normal(0, 3) and y ~ MVN(0, [[1 z] [z 1]]): the
// covariance is positive definite only for |z| < 1, and the potential's
// Cholesky fails outside.
func correlated(m *probgraph.Ctx) {
	g := m.Graph()
	z := m.Sample("z", dist.Normal(g.Scalar(0), g.Scalar(3)))
	cov := g.Reshape(g.Stack(0, g.Scalar(1), z, z, g.Scalar(1)), 2, 2)
	m.Observe("y", dist.MultivariateNormalCov(g.Fill(0, 2), cov), g.Constant([]float64{1, 0.9}, 2))
}

// A trajectory that reaches a covariance that is not positive definite is
// a divergence, rejected and counted, not a failed run: every draw stays
// where the covariance is valid, and the divergences are listed among the
// warnings.
func TestNonPositiveDefiniteCovarianceIsADivergence(t *testing.T) {
	init := WithInit(probgraph.InitToValue(map[string]probgraph.Tensor{"z": probgraph.Scalar(0.5)}, nil))
	// A short HMC trajectory keeps warm-up cheap: the divergences shrink
	// the adapted step, and the steps per trajectory grow as it does.
	for _, alg := range []Algorithm{NUTS, HMC} {
		t.Run(alg.String(), func(t *testing.T) {
			s, err := Run(context.Background(), correlated, init, WithAlgorithm(alg), WithTrajectoryLength(0.5),
				WithWarmup(50), WithSamples(50), WithSeed(1))
			if err != nil {
				t.Fatalf("run failed: %v", err)
			}
			z, _ := s.Get("z")
			for i, v := range z {
				if !(math.Abs(v) < 1) {
					t.Fatalf("draw %d is z = %v, outside the region where the covariance is positive definite", i, v)
				}
			}
			if s.Divergences() == 0 {
				t.Fatal("no divergences although trajectories cross |z| = 1")
			}
			w := s.Warnings()
			if len(w) == 0 || w[0].Kind != Divergence || w[0].Count != s.Chains[0].Divergences || w[0].Of != 50 {
				t.Errorf("warnings %v, want first the chain's %d divergences of 50 draws", w, s.Chains[0].Divergences)
			}
		})
	}
}

// Trajectories stopped by the maximum tree depth are listed per chain with
// the first draws they happened at; a well-behaved run has no warnings.
func TestWarningsListTreeDepthHits(t *testing.T) {
	s, err := Run(context.Background(), stdNormal, WithMaxTreeDepth(1), WithStepSize(0.01), WithoutStepSizeAdaptation(),
		WithWarmup(0), WithSamples(8), WithChains(2), WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	w := s.Warnings()
	if len(w) != 2 {
		t.Fatalf("warnings %v, want one per chain", w)
	}
	for c, w := range w {
		if w.Chain != c || w.Kind != TrajectoryLimit || w.Count != 8 || w.Of != 8 || s.Chains[c].TreeDepthHits != 8 ||
			len(w.First) != 5 || w.First[0] != 0 || w.First[4] != 4 {
			t.Errorf("chain %d: warning %+v, want all 8 draws at the limit, the first 5 listed", c, w)
		}
		if got := w.String(); !strings.Contains(got, "8 of 8 draws") || !strings.Contains(got, "maximum tree depth 1") ||
			!strings.Contains(got, "draws 0, 1, 2, 3, 4, …") {
			t.Errorf("chain %d: warning reads %q", c, got)
		}
	}
	hmc := &Samples{Algorithm: HMC, Chains: []ChainStats{{Saturated: []bool{false, true}, Divergent: []bool{false, false}}}}
	if got := hmc.Warnings(); len(got) != 1 || !strings.Contains(got[0].String(), "chain 0: 1 of 2 draws: trajectories stopped at the cap of 1048576 leapfrog steps (draws 1)") {
		t.Errorf("HMC warnings %v", got)
	}
	s, err = Run(context.Background(), stdNormal, WithWarmup(100), WithSamples(50), WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	if w := s.Warnings(); w != nil {
		t.Errorf("a standard normal gave warnings %v", w)
	}
}

// An invalid prior is reported with the distribution's own sentinel: a
// constant parameter when the model is traced, one that depends on a
// latent site at the initial point, naming the site.
func TestInvalidPriorWrapsErrParameter(t *testing.T) {
	constant := func(m *probgraph.Ctx) {
		g := m.Graph()
		m.Sample("x", dist.Normal(g.Scalar(0), g.Scalar(-1)))
	}
	latentScale := func(m *probgraph.Ctx) {
		g := m.Graph()
		s := m.Sample("s", dist.Normal(g.Scalar(0), g.Scalar(1)))
		m.Observe("y", dist.Normal(g.Scalar(0), s), g.Scalar(0.5))
	}
	initS := WithInit(probgraph.InitToValue(map[string]probgraph.Tensor{"s": probgraph.Scalar(-1)}, nil))
	for _, c := range []struct {
		name, site string
		run        func() error
	}{
		{"constant scale", "", func() error { _, err := Run(context.Background(), constant, WithWarmup(5), WithSamples(5)); return err }},
		{"latent scale", `"y"`, func() error {
			_, err := Run(context.Background(), latentScale, initS, WithWarmup(5), WithSamples(5))
			return err
		}},
	} {
		err := c.run()
		if !errors.Is(err, dist.ErrParameter) || !errors.Is(err, ErrModel) || !strings.Contains(err.Error(), c.site) {
			t.Errorf("%s: error %v, want ErrModel and dist.ErrParameter naming site %s", c.name, err, c.site)
		}
	}
}
