package probgraph

import (
	"errors"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// traceErr traces model on a fresh graph and returns the error.
func traceErr(model Model) error {
	_, err := TraceModel(engine.NewGraph(), model)
	return err
}

// wantSiteError checks that err is a *SiteError for site that wraps cause
// and mentions every string in mention.
func wantSiteError(t *testing.T, err error, site string, cause error, mention ...string) {
	t.Helper()
	var se *SiteError
	if !errors.As(err, &se) || se.Site != site {
		t.Fatalf("error %v, want a *SiteError for %q", err, site)
	}
	if !errors.Is(err, cause) {
		t.Errorf("error %v does not wrap %v", err, cause)
	}
	for _, m := range append(mention, `site "`+site+`"`) {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
}

// An invalid distribution is reported at the site it is used at, with the
// family, the parameter and the violated constraint, and keeps its cause.
func TestInvalidParameterNamesTheSite(t *testing.T) {
	err := traceErr(func(m *Ctx) {
		g := m.Graph()
		m.Sample("ok", dist.Normal(g.Scalar(0), g.Scalar(1)))
		m.Sample("sigma", dist.HalfNormal(g.Scalar(-2)))
		m.Sample("later", dist.Normal(g.Scalar(0), g.Scalar(1)))
	})
	wantSiteError(t, err, "sigma", dist.ErrParameter, "HalfNormal: scale must be positive")
	if strings.Contains(err.Error(), "later") {
		t.Errorf("error %q is attributed to a later site too", err)
	}
}

// A nil parameter next to a valid one is reported at the site, not as a
// node of another graph at compile time.
func TestNilParameterNamesTheSite(t *testing.T) {
	err := traceErr(func(m *Ctx) {
		m.Sample("z", dist.Normal(nil, m.Graph().Scalar(1)))
	})
	wantSiteError(t, err, "z", dist.ErrParameter, "Normal: loc is nil")
	err = traceErr(func(m *Ctx) { m.Sample("w", dist.Normal(nil, nil)) })
	wantSiteError(t, err, "w", dist.ErrParameter, "nil parameter")
	if err := traceErr(func(m *Ctx) { m.Sample("d", nil) }); !errors.Is(err, ErrSite) || !strings.Contains(err.Error(), `"d"`) {
		t.Errorf("nil distribution: %v, want ErrSite naming the site", err)
	}
}

// Observed data outside the support is rejected when the model is traced,
// naming the site, the family, the element and the support.
func TestObservedDataOffTheSupportNamesTheSite(t *testing.T) {
	cases := []struct {
		site    string
		model   Model
		mention string
	}{
		{"y", func(m *Ctx) {
			g := m.Graph()
			m.Observe("y", dist.Gamma(g.Scalar(2), g.Scalar(1)), g.Constant([]float64{1, -1}, 2))
		}, "Gamma: value -1 (element 1) is outside the support nonnegative"},
		{"p", func(m *Ctx) {
			g := m.Graph()
			m.Observe("p", dist.Dirichlet(g.Constant([]float64{1, 1, 1}, 3)), g.Constant([]float64{0.5, 0.5, 0.5}, 3))
		}, "outside the support simplex"},
		{"k", func(m *Ctx) {
			g := m.Graph()
			m.Plate("data", 3).Observe("k", dist.Poisson(g.Scalar(2)), g.Constant([]float64{1, 0.5, 2}, 3))
		}, "Poisson: value 0.5 (element 1)"},
		{"b", func(m *Ctx) {
			g := m.Graph()
			m.Sample("b", dist.Bernoulli(g.Scalar(0.3)), Obs(g.Constant([]float64{2}, 1)))
		}, "outside the support boolean"},
	}
	for _, c := range cases {
		wantSiteError(t, traceErr(c.model), c.site, dist.ErrSupport, c.mention)
	}
}

// Masked-out elements may hold anything, and a factor's value is a
// placeholder: neither is checked against the support.
func TestMaskedDataAndFactorsAreNotChecked(t *testing.T) {
	err := traceErr(func(m *Ctx) {
		g := m.Graph()
		Mask(g.Constant([]float64{1, 0}, 2))(func(m *Ctx) {
			m.Observe("y", dist.Gamma(g.Scalar(2), g.Scalar(1)), g.Constant([]float64{1, -1}, 2))
		})(m)
		m.Factor("f", g.Scalar(-3))
	})
	if err != nil {
		t.Errorf("masked data and a factor: %v", err)
	}
}

// The auxiliary marker is a typed field, not a naming convention.
func TestAuxiliaryMarksTheSite(t *testing.T) {
	tr, err := TraceModel(engine.NewGraph(), func(m *Ctx) {
		g := m.Graph()
		m.Sample("_plain", dist.Normal(g.Scalar(0), g.Scalar(1)))
		m.Sample("joint", dist.Normal(g.Scalar(0), g.Scalar(1)), Auxiliary())
	})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Site("_plain").Infer.Auxiliary || !tr.Site("joint").Infer.Auxiliary {
		t.Errorf("auxiliary flags %v and %v, want false and true", tr.Site("_plain").Infer.Auxiliary, tr.Site("joint").Infer.Auxiliary)
	}
}
