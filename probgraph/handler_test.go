package probgraph

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// eval compiles and runs the given nodes once and returns their values.
func eval(t *testing.T, g *engine.Graph, nodes ...*engine.Node) [][]float64 {
	t.Helper()
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	p, err := g.Compile(nodes, engine.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	out := make([][]float64, len(nodes))
	for i, n := range nodes {
		out[i] = append([]float64(nil), p.Value(n)...)
	}
	return out
}

func twoSites(m *Ctx) {
	g := m.Graph()
	z := m.Sample("z", dist.Normal(g.Scalar(0), g.Scalar(1)))
	m.Observe("x", dist.Normal(z, g.Scalar(0.5)), g.Scalar(1.2))
}

func TestTraceRecordsSitesInOrder(t *testing.T) {
	g := engine.NewGraph()
	tr, err := TraceModel(g, twoSites)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range tr.Sites() {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "z,x" || !tr.Site("z").IsLatent() || tr.Site("x").IsLatent() {
		t.Fatalf("sites %v", names)
	}
}

func TestReplayUsesTheGuideValues(t *testing.T) {
	g := engine.NewGraph()
	guide := func(m *Ctx) { m.Sample("z", dist.Normal(g.Scalar(3), g.Scalar(0.1))) }
	gtr, err := TraceModel(g, guide)
	if err != nil {
		t.Fatal(err)
	}
	mtr, err := TraceModel(g, Replay(gtr)(twoSites))
	if err != nil {
		t.Fatal(err)
	}
	if mtr.Site("z").Value != gtr.Site("z").Value {
		t.Fatal("replayed site does not carry the guide's value")
	}
	if mtr.Site("x").Value == gtr.Site("z").Value {
		t.Fatal("replay changed an observed site")
	}
}

func TestBlockHidesSitesFromOuterHandlers(t *testing.T) {
	for _, c := range []struct {
		mw   Middleware
		want string
	}{{Hide("z"), "x"}, {Expose("z"), "z"}, {Block(func(*Site) bool { return true }), ""}} {
		g := engine.NewGraph()
		tr, err := TraceModel(g, c.mw(twoSites))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range tr.Sites() {
			names = append(names, s.Name)
		}
		if strings.Join(names, ",") != c.want {
			t.Errorf("traced %v, want %q", names, c.want)
		}
	}
}

func TestConditionObservesTheSite(t *testing.T) {
	g := engine.NewGraph()
	v := g.Scalar(0.25)
	tr, err := TraceModel(g, Condition(map[string]*engine.Node{"z": v})(twoSites))
	if err != nil {
		t.Fatal(err)
	}
	if s := tr.Site("z"); !s.Observed || s.Value != v {
		t.Fatalf("z: observed %v value %v", s.Observed, s.Value)
	}
}

func TestSubstituteKeepsTheSiteLatent(t *testing.T) {
	g := engine.NewGraph()
	v := g.Scalar(0.25)
	model := func(m *Ctx) {
		a := m.Param("a", Scalar(1))
		m.Sample("z", dist.Normal(a, m.Graph().Scalar(1)))
	}
	tr, err := TraceModel(g, Substitute(map[string]*engine.Node{"z": v, "a": g.Scalar(7)})(model))
	if err != nil {
		t.Fatal(err)
	}
	if s := tr.Site("z"); s.Observed || s.Value != v {
		t.Fatalf("z: observed %v", s.Observed)
	}
	got := eval(t, g, tr.Site("a").Value)
	if got[0][0] != 7 {
		t.Fatalf("a = %v", got[0])
	}
}

func TestScaleMultipliesLogProb(t *testing.T) {
	g := engine.NewGraph()
	plain, _ := TraceModel(g, Substitute(map[string]*engine.Node{"z": g.Scalar(0.3)})(twoSites))
	scaled, _ := TraceModel(g, Chain(Scale(2.5), Substitute(map[string]*engine.Node{"z": g.Scalar(0.3)}))(twoSites))
	v := eval(t, g, plain.LogProbSum(), scaled.LogProbSum())
	if math.Abs(v[1][0]-2.5*v[0][0]) > 1e-12 {
		t.Errorf("scaled %v, want 2.5 × %v", v[1][0], v[0][0])
	}
	bad := engine.NewGraph()
	if _, err := TraceModel(bad, Scale(-1)(twoSites)); !errors.Is(err, ErrSite) {
		t.Errorf("negative scale: %v", err)
	}
}

func TestMaskZeroesLogProb(t *testing.T) {
	g := engine.NewGraph()
	model := func(m *Ctx) {
		p := m.Plate("data", 3)
		p.Observe("x", dist.Normal(g.Scalar(0), g.Scalar(1)), g.Constant([]float64{1, 2, 3}, 3))
	}
	tr, err := TraceModel(g, Mask(g.Constant([]float64{1, 0, 1}, 3))(model))
	if err != nil {
		t.Fatal(err)
	}
	v := eval(t, g, tr.Site("x").LogProb())[0]
	want := []float64{-0.5 - 0.9189385332046727, 0, -4.5 - 0.9189385332046727}
	for i := range want {
		if math.Abs(v[i]-want[i]) > 1e-12 {
			t.Errorf("log_prob[%d] = %v, want %v", i, v[i], want[i])
		}
	}
}

func TestSeedIsRecorded(t *testing.T) {
	g := engine.NewGraph()
	tr, err := TraceModel(g, Seed(42)(twoSites))
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := tr.Seed(); !ok || s != 42 {
		t.Fatalf("seed %v %v", s, ok)
	}
	tr2, _ := TraceModel(g, twoSites)
	if _, ok := tr2.Seed(); ok {
		t.Fatal("a trace without Seed reports a seed")
	}
}

func TestPlatesExpandAndScale(t *testing.T) {
	g := engine.NewGraph()
	model := func(m *Ctx) {
		outer := m.Plate("outer", 4)
		inner := outer.Plate("inner", 10, Subsample(5))
		inner.Sample("z", dist.Normal(g.Scalar(0), g.Scalar(1)))
		c := m.Plate("components", 3)
		c.Sample("locs", dist.Normal(g.Scalar(0), g.Scalar(1)))
	}
	tr, err := TraceModel(g, model)
	if err != nil {
		t.Fatal(err)
	}
	z := tr.Site("z")
	if got := z.Dist.BatchShape(); !got.Equal(engine.Shape{5, 4}) {
		t.Errorf("z batch shape %v, want [5 4] (inner plate at dim -2)", got)
	}
	if z.Scale != 2 {
		t.Errorf("z scale %v, want 10/5", z.Scale)
	}
	if got := tr.Site("locs").Value.Shape(); !got.Equal(engine.Shape{3}) {
		t.Errorf("locs shape %v", got)
	}
	want := `Trace Shapes:
 Param Sites:
Sample Sites:
            z     dist 5 4 |
                 value 5 4 |
              log_prob 5 4
         locs     dist   3 |
                 value   3 |
              log_prob   3`
	if got := strings.TrimRight(tr.FormatShapes(true), "\n"); got != want {
		t.Errorf("FormatShapes:\n%s\nwant:\n%s", got, want)
	}
}

func TestSiteErrors(t *testing.T) {
	cases := []struct {
		name  string
		model Model
		want  error
	}{
		{"duplicate name", func(m *Ctx) { twoSites(m); twoSites(m) }, ErrSite},
		{"empty name", func(m *Ctx) { m.Sample("", dist.Normal(m.Graph().Scalar(0), m.Graph().Scalar(1))) }, ErrSite},
		{"nil distribution", func(m *Ctx) { m.Sample("z", nil) }, ErrSite},
		{"plate size", func(m *Ctx) { m.Plate("p", 0) }, ErrPlate},
		{"subsample larger than plate", func(m *Ctx) { m.Plate("p", 3, Subsample(4)) }, ErrPlate},
		{"plate vs batch shape", func(m *Ctx) {
			g := m.Graph()
			m.Plate("p", 3).Sample("z", dist.Normal(g.Fill(0, 4), g.Scalar(1)))
		}, ErrPlate},
		{"param init shape", func(m *Ctx) { m.Param("a", Tensor{Data: []float64{1, 2}, Shape: []int{3}}) }, ErrSite},
		{"observed value of wrong shape", func(m *Ctx) {
			g := m.Graph()
			m.Observe("x", dist.Normal(g.Fill(0, 3), g.Scalar(1)), g.Fill(0, 4))
		}, dist.ErrShape},
	}
	for _, c := range cases {
		g := engine.NewGraph()
		if _, err := TraceModel(g, c.model); !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
	}
}
