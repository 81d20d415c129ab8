package mcmc

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// Set-up runs the model twice, however many chains there are: once for its
// prototype (latent sites and the prior draws every chain's starting point
// is chosen from) and once for the potential that every chain compiles.
// Sampling runs compiled programs only.
func TestSetUpRunsTheModelTwiceForAnyNumberOfChains(t *testing.T) {
	for _, chains := range []int{1, 4} {
		calls := 0
		model := func(m *probgraph.Ctx) {
			calls++
			betaBernoulli(m)
		}
		s, err := Run(context.Background(), model, WithChains(chains), WithWarmup(20), WithSamples(20), WithSeed(1))
		if err != nil {
			t.Fatal(err)
		}
		if calls != 2 {
			t.Errorf("%d chains: the model ran %d times, want 2", chains, calls)
		}
		d, _ := s.Chain("p")
		if len(d) != chains {
			t.Errorf("%d chains: draws of %d chains", chains, len(d))
		}
	}
}

// poissonCounts are the observed counts of the starting-point tests.
var poissonCounts = []float64{3, 1, 4, 1, 5}

// A chain that cannot start shows the starting point's site values,
// reports which site's log density is not finite there and the site's
// value, wraps ErrModel, the *SiteError and its cause, and speaks of MCMC
// only.
func TestInfeasibleStartNamesTheSite(t *testing.T) {
	x := []float64{-2, -1, 0, 1, 2}
	// The rate of a Poisson regression with an identity link goes negative
	// where a + b·x < 0: from a = -1, b = 0.5 it is negative at every x
	// below 2.
	linearRate := func(m *probgraph.Ctx) {
		g := m.Graph()
		a := m.Sample("a", dist.Normal(g.Scalar(0), g.Scalar(1)))
		b := m.Sample("b", dist.Normal(g.Scalar(0), g.Scalar(1)))
		rate := m.Deterministic("rate", g.Add(a, g.Mul(b, g.Constant(x, len(x)))))
		m.Plate("data", len(x)).Observe("counts", dist.Poisson(rate), g.Constant(poissonCounts, len(x)))
	}
	for _, c := range []struct {
		name  string
		model probgraph.Model
		opts  []Option
		point string
		want  string
		cause error
	}{
		{"negative rate", linearRate,
			[]Option{WithInit(probgraph.InitToValue(map[string]probgraph.Tensor{"a": probgraph.Scalar(-1), "b": probgraph.Scalar(0.5)}, nil))},
			"a = -1, b = 0.5, rate = [-2 -1.5 -1 -0.5 0]", `site "counts" = [3 1 4 1 5]: log density: `, dist.ErrParameter},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Run(context.Background(), c.model, append(c.opts, WithWarmup(5), WithSamples(5))...)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			t.Log(msg)
			if !errors.Is(err, ErrModel) || !strings.Contains(msg, "not finite at the initial point ("+c.point) || !strings.Contains(msg, "): "+c.want) {
				t.Errorf("error %q, want ErrModel showing the point %q and saying %q", msg, c.point, c.want)
			}
			var se *SiteError
			if !errors.As(err, &se) || se.Site != "counts" || se.Term != "log density" || se.SiteValue == nil {
				t.Errorf("error %q carries %+v, want a *SiteError for the log density of \"counts\" with its value", msg, se)
			}
			if c.cause != nil && !errors.Is(err, c.cause) {
				t.Errorf("error %q does not wrap %v", msg, c.cause)
			}
			if strings.Contains(strings.ToLower(msg), "guide") {
				t.Errorf("error %q speaks of guides", msg)
			}
		})
	}
}

// Observed data off the support (a count of 0.5 under a Poisson) is
// rejected while the model is traced, before any chain starts, naming the
// site and the value.
func TestObservedOffSupportNamesTheSite(t *testing.T) {
	halfCount := func(m *probgraph.Ctx) {
		g := m.Graph()
		rate := m.Sample("rate", dist.Gamma(g.Scalar(2), g.Scalar(1)))
		m.Plate("data", 3).Observe("counts", dist.Poisson(rate), g.Constant([]float64{1, 0.5, 2}, 3))
	}
	_, err := Run(context.Background(), halfCount, WithWarmup(5), WithSamples(5))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if !errors.Is(err, ErrModel) || !errors.Is(err, dist.ErrSupport) || !strings.Contains(msg, "value 0.5 (element 1)") {
		t.Errorf("error %q, want ErrModel and dist.ErrSupport naming the value 0.5 at element 1", msg)
	}
	var se *probgraph.SiteError
	if !errors.As(err, &se) || se.Site != "counts" {
		t.Errorf("error %q carries %+v, want a *probgraph.SiteError for \"counts\"", msg, se)
	}
	if strings.Contains(strings.ToLower(msg), "guide") {
		t.Errorf("error %q speaks of guides", msg)
	}
}
