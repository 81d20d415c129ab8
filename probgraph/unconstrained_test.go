package probgraph

import (
	"errors"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// boundedModel has a flat-prior scale a and a site b bounded above by
// 1 − a (Stan's real<upper=1-a> b), with a normal density.
func boundedModel(m *Ctx) {
	g := m.Graph()
	a := m.Sample("a", dist.FlatPositive(g))
	b := m.Sample("b", dist.ImproperUniform(g, dist.LessThanOf(g.AddScalar(g.Neg(a), 1)), nil, nil))
	m.Factor("b_prior", dist.Normal(g.Scalar(0), g.Scalar(1)).LogProb(b))
	m.Observe("y", dist.Normal(b, a), g.Scalar(0.2))
}

// TestInitToUniformStartsUnsampleableSitesInsideRadius checks the default
// start of sites that cannot be drawn from: uniform in (−2, 2) on the
// unconstrained scale, the same for the same seed and different for
// another.
func TestInitToUniformStartsUnsampleableSitesInsideRadius(t *testing.T) {
	p, err := NewPrototype(boundedModel)
	if err != nil {
		t.Fatal(err)
	}
	first, err := p.Latents(nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := p.Latents(nil, 1)
	other, _ := p.Latents(nil, 2)
	for i, s := range first {
		u := s.Init.Data[0]
		if !(u > -2 && u < 2) {
			t.Errorf("%s starts at %v, outside (−2, 2)", s.Name, u)
		}
		if again[i].Init.Data[0] != u {
			t.Errorf("%s: seed 1 gives %v, then %v", s.Name, u, again[i].Init.Data[0])
		}
		if other[i].Init.Data[0] == u {
			t.Errorf("%s: seeds 1 and 2 both start at %v", s.Name, u)
		}
	}
	if _, err := InitToUniform(0)(InitSite{Name: "x", Support: dist.Real()}); !errors.Is(err, ErrLatent) {
		t.Errorf("InitToUniform(0): error %v, want ErrLatent", err)
	}
}

// TestSubstituteUnconstrainedBuildsTheMapAtTheSite checks that the map
// onto a bound computed from another site uses that site's value in the
// run, with the log-Jacobian u of b = (1 − a) − exp(u).
func TestSubstituteUnconstrainedBuildsTheMapAtTheSite(t *testing.T) {
	g := engine.NewGraph()
	ua, ub := g.Scalar(math.Log(0.25)), g.Scalar(0.3)
	ladj := map[string]*engine.Node{}
	tr, err := TraceModel(g, SubstituteUnconstrained(map[string]*engine.Node{"a": ua, "b": ub}, ladj)(boundedModel))
	if err != nil {
		t.Fatal(err)
	}
	prog, err := g.Compile([]*engine.Node{tr.Site("a").Value, tr.Site("b").Value, ladj["a"], ladj["b"]})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	a, b := prog.Scalar(tr.Site("a").Value), prog.Scalar(tr.Site("b").Value)
	want := []float64{0.25, 0.75 - math.Exp(0.3), math.Log(0.25), 0.3}
	for i, got := range []float64{a, b, prog.Scalar(ladj["a"]), prog.Scalar(ladj["b"])} {
		if math.Abs(got-want[i]) > 1e-15 {
			t.Errorf("output %d = %v, want %v", i, got, want[i])
		}
	}
}
