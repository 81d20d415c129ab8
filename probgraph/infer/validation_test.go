package infer

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

func newAdam(t *testing.T) engine.Optimizer {
	t.Helper()
	opt, err := engine.NewAdam(engine.AdamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return opt
}

// wantSite checks that err wraps cause, carries a *probgraph.SiteError for
// site and mentions every string given.
func wantSite(t *testing.T, err error, site string, cause error, mention ...string) {
	t.Helper()
	var se *probgraph.SiteError
	if !errors.As(err, &se) || se.Site != site {
		t.Fatalf("error %v, want a *probgraph.SiteError for %q", err, site)
	}
	if !errors.Is(err, cause) {
		t.Errorf("error %v does not wrap %v", err, cause)
	}
	for _, m := range mention {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
}

// An invalid constant parameter in the model or the guide fails NewSVI with
// an error that reaches dist.ErrParameter through every layer and names the
// site, whichever ELBO builds the objective.
func TestNewSVIKeepsTheParameterErrorAndNamesTheSite(t *testing.T) {
	badModel := func(m *probgraph.Ctx) {
		g := m.Graph()
		z := m.Sample("z", dist.Normal(g.Scalar(0), g.Scalar(-1)))
		m.Observe("x", dist.Normal(z, g.Scalar(1)), g.Scalar(0.5))
	}
	badGuide := func(m *probgraph.Ctx) {
		loc := m.Param("loc", probgraph.Scalar(0))
		m.Sample("z", dist.Normal(loc, m.Graph().Scalar(0)))
	}
	for _, elbo := range []ELBO{TraceELBO{}, TraceMeanFieldELBO{}, TraceGraphELBO{}, TraceEnumELBO{}, RenyiELBO{Alpha: 0.5, NumParticles: 2}} {
		_, err := NewSVI(badModel, conjGuide, newAdam(t), elbo)
		wantSite(t, err, "z", dist.ErrParameter, "model", "Normal: scale must be positive")
		_, err = NewSVI(conjModel, badGuide, newAdam(t), elbo)
		wantSite(t, err, "z", dist.ErrParameter, "guide", "Normal: scale must be positive")
	}
}

// Observed data off the support fails NewSVI, before any step, naming the
// site: the examples of a Gamma observing −1 and a Dirichlet observing a
// vector off the simplex.
func TestNewSVIRejectsObservedDataOffTheSupport(t *testing.T) {
	guide := func(m *probgraph.Ctx) {
		m.Param("unused", probgraph.Scalar(1))
	}
	gamma := func(m *probgraph.Ctx) {
		g := m.Graph()
		a := m.Param("a", probgraph.Scalar(1), probgraph.Constrained(dist.Positive()))
		m.Observe("y", dist.Gamma(a, g.Scalar(1)), g.Scalar(-1))
	}
	_, err := NewSVI(gamma, guide, newAdam(t), TraceELBO{})
	wantSite(t, err, "y", dist.ErrSupport, "Gamma: value -1")
	dirichlet := func(m *probgraph.Ctx) {
		g := m.Graph()
		a := m.Param("a", probgraph.Vector(1, 1, 1), probgraph.Constrained(dist.Positive()))
		m.Observe("p", dist.Dirichlet(a), g.Constant([]float64{0.5, 0.5, 0.5}, 3))
	}
	_, err = NewSVI(dirichlet, guide, newAdam(t), TraceELBO{})
	wantSite(t, err, "p", dist.ErrSupport, "simplex")
}

// A parameter computed on the graph that leaves its domain during training
// fails the step with the step number, the site and the constraint, and
// still reaches dist.ErrParameter.
func TestSVIStepNamesTheSiteOfAComputedParameter(t *testing.T) {
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		s := m.Param("s", probgraph.Scalar(-1)) // unconstrained: a scale of −1
		m.Observe("x", dist.Normal(g.Scalar(0), s), g.Scalar(0.5))
	}
	guide := func(*probgraph.Ctx) {}
	svi, err := NewSVI(model, guide, newAdam(t), TraceELBO{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svi.Run(context.Background(), 3, nil)
	if !errors.Is(err, dist.ErrParameter) {
		t.Fatalf("error %v does not wrap dist.ErrParameter", err)
	}
	for _, m := range []string{"step 0", `site "x"`, "Normal: scale must be positive"} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
}

// A loss that is not finite without any check failing (a factor of −Inf
// here) is reported with the step and the site whose log density is not
// finite.
func TestSVIDivergenceNamesTheSite(t *testing.T) {
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		z := m.Sample("z", dist.Normal(g.Scalar(0), g.Scalar(1)))
		p := m.Param("p", probgraph.Scalar(1))
		m.Factor("f", g.Add(g.Log(g.Sub(p, p)), g.Scale(z, 0))) // log 0 = −Inf
	}
	guide := func(m *probgraph.Ctx) {
		m.Sample("z", dist.Normal(m.Param("loc", probgraph.Scalar(0)), m.Graph().Scalar(1)))
	}
	svi, err := NewSVI(model, guide, newAdam(t), TraceELBO{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svi.Run(context.Background(), 3, nil)
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("error %v, want ErrDiverged", err)
	}
	for _, m := range []string{"step 0", `model site "f" has log density -Inf`} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
	if strings.Contains(err.Error(), `"z"`) {
		t.Errorf("error %q names a site whose log density is finite", err)
	}
}
