package dist

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// runErr compiles nodes and runs them once, returning the run's error.
func runErr(t *testing.T, g *engine.Graph, nodes ...*engine.Node) error {
	t.Helper()
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	prog, err := g.Compile(nodes)
	if err != nil {
		t.Fatal(err)
	}
	return prog.Run()
}

// With validation on (the default) a computed scale that is negative fails
// the run naming the family and the parameter; turned off, the check op is
// left out and the run gives the formula's NaN. Constants are checked either
// way.
func TestSetValidationTurnsRunTimeChecksOff(t *testing.T) {
	if !Validation() {
		t.Fatal("validation is off by default")
	}
	build := func() (*engine.Graph, *engine.Node) {
		g := engine.NewGraph()
		scale := g.Param("scale", []float64{-1})
		return g, Normal(g.Scalar(0), scale).LogProb(g.Scalar(0.5))
	}
	g, lp := build()
	if err := runErr(t, g, lp); !errors.Is(err, ErrParameter) || !strings.Contains(err.Error(), "Normal: scale must be positive") {
		t.Errorf("validation on: run error %v, want ErrParameter naming Normal's scale", err)
	}

	if prev := SetValidation(false); !prev {
		t.Errorf("SetValidation(false) returned %v, want the previous setting true", prev)
	}
	defer SetValidation(true)
	if Validation() {
		t.Fatal("Validation() is true after SetValidation(false)")
	}
	g, lp = build()
	for _, n := range g.Nodes() {
		if _, ok := n.Op().(checkOp); ok {
			t.Errorf("validation off: the graph holds %v", n.Op())
		}
	}
	prog, err := g.Compile([]*engine.Node{lp})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Errorf("validation off: run error %v", err)
	}
	if v := prog.Scalar(lp); !math.IsNaN(v) {
		t.Errorf("validation off: log density %v with scale −1, want the formula's NaN", v)
	}
	g = engine.NewGraph()
	Normal(g.Scalar(0), g.Scalar(-1))
	if err := g.Err(); !errors.Is(err, ErrParameter) {
		t.Errorf("validation off: a constant scale of −1 gives %v, want ErrParameter", err)
	}
}

// Every real location is checked for NaN and ±Inf, as scales are for
// positivity: now for constants, at run time for computed values.
func TestLocationsMustBeFinite(t *testing.T) {
	locs := map[string]func(g *engine.Graph, loc *engine.Node) Distribution{
		"Normal":    func(g *engine.Graph, l *engine.Node) Distribution { return Normal(l, g.Scalar(1)) },
		"LogNormal": func(g *engine.Graph, l *engine.Node) Distribution { return LogNormal(l, g.Scalar(1)) },
		"Cauchy":    func(g *engine.Graph, l *engine.Node) Distribution { return Cauchy(l, g.Scalar(1)) },
		"Laplace":   func(g *engine.Graph, l *engine.Node) Distribution { return Laplace(l, g.Scalar(1)) },
		"Gumbel":    func(g *engine.Graph, l *engine.Node) Distribution { return Gumbel(l, g.Scalar(1)) },
		"StudentT":  func(g *engine.Graph, l *engine.Node) Distribution { return StudentT(g.Scalar(3), l, g.Scalar(1)) },
	}
	for fam, build := range locs {
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			checkRejects(t, fam, "loc", func(g *engine.Graph) Distribution { return build(g, g.Scalar(bad)) })
		}
		g := engine.NewGraph()
		d := build(g, g.Log(g.Param("p", []float64{-1}))) // log(−1) is NaN
		if err := runErr(t, g, d.LogProb(g.Scalar(0.5))); !errors.Is(err, ErrParameter) || !strings.Contains(err.Error(), fam+": loc must be finite") {
			t.Errorf("%s with a NaN loc computed at run time: %v, want ErrParameter naming loc", fam, err)
		}
	}
	for _, mvn := range []func(g *engine.Graph, loc *engine.Node) Distribution{
		func(g *engine.Graph, l *engine.Node) Distribution { return MultivariateNormal(l, g.Eye(2)) },
		func(g *engine.Graph, l *engine.Node) Distribution {
			return LowRankMultivariateNormal(l, g.Constant([]float64{1, 0}, 2, 1), g.Constant([]float64{1, 1}, 2))
		},
	} {
		g := engine.NewGraph()
		mvn(g, g.Constant([]float64{0, math.NaN()}, 2))
		if err := g.Err(); !errors.Is(err, ErrParameter) || !strings.Contains(err.Error(), "loc must be finite") {
			t.Errorf("a NaN loc gives %v, want ErrParameter naming loc", err)
		}
	}
}

// Logits may be ±Inf (certain outcomes) for the binary families and −Inf
// (an impossible category) for the categorical ones, never NaN.
func TestLogitsRejectNaN(t *testing.T) {
	checkRejects(t, "Bernoulli", "logits", func(g *engine.Graph) Distribution { return BernoulliLogits(g.Scalar(math.NaN())) })
	checkRejects(t, "Categorical", "logits", func(g *engine.Graph) Distribution {
		return CategoricalLogits(g.Constant([]float64{0, math.NaN()}, 2))
	})
	checkRejects(t, "Categorical", "logits", func(g *engine.Graph) Distribution {
		return CategoricalLogits(g.Constant([]float64{0, math.Inf(1)}, 2))
	})
	g := engine.NewGraph()
	BernoulliLogits(g.Constant([]float64{math.Inf(1), math.Inf(-1)}, 2))
	CategoricalLogits(g.Constant([]float64{0, math.Inf(-1)}, 2))
	if err := g.Err(); err != nil {
		t.Errorf("infinite logits that name certain or impossible outcomes: %v", err)
	}
}

// A nil parameter next to valid ones is reported on their graph, naming the
// parameter, so the model or program built there reports it.
func TestNilParameterIsReportedOnTheGraphOfTheOthers(t *testing.T) {
	g := engine.NewGraph()
	d := Normal(nil, g.Scalar(1))
	if d.Graph() != g {
		t.Fatal("the distribution is not on the graph of its scale")
	}
	err := g.Err()
	if !errors.Is(err, ErrParameter) || !errors.Is(err, engine.ErrInvalidNode) || !strings.Contains(err.Error(), "Normal: loc is nil") {
		t.Errorf("Normal(nil, 1): %v, want ErrParameter naming loc", err)
	}
}

// A check built before the distribution reaches a site names the site once
// AtSite has run, through wrappers too.
func TestAtSiteNamesTheSiteInRunTimeErrors(t *testing.T) {
	g := engine.NewGraph()
	scale := g.Param("scale", []float64{-1})
	d := ToEvent(Expand(Normal(g.Scalar(0), scale), 3), 1)
	AtSite(d, "obs")
	err := runErr(t, g, d.LogProb(g.Constant([]float64{1, 2, 3}, 3)))
	if !errors.Is(err, ErrParameter) || !strings.Contains(err.Error(), `site "obs": dist: invalid parameter: Normal: scale`) {
		t.Errorf("run error %v, want ErrParameter naming site \"obs\" and Normal's scale", err)
	}
}

// Constant data off the support is an error now, naming the element; data
// that changes between runs is checked on every run, constant data with
// bounds on the graph on the first run only.
func TestCheckValue(t *testing.T) {
	g := engine.NewGraph()
	d := Gamma(g.Scalar(2), g.Scalar(1))
	if _, err := CheckValue(d, g.Constant([]float64{1, -1}, 2), "y"); !errors.Is(err, ErrSupport) ||
		!strings.Contains(err.Error(), "Gamma: value -1 (element 1) is outside the support nonnegative") {
		t.Errorf("Gamma data [1 −1]: %v, want ErrSupport naming element 1", err)
	}
	dir := Dirichlet(g.Constant([]float64{1, 1, 1}, 3))
	if _, err := CheckValue(dir, g.Constant([]float64{0.2, 0.3, 0.5, 0.5, 0.5, 0.5}, 2, 3), "p"); !errors.Is(err, ErrSupport) ||
		!strings.Contains(err.Error(), "event 1") {
		t.Errorf("Dirichlet data with a row summing to 1.5: %v, want ErrSupport naming event 1", err)
	}
	x, err := CheckValue(d, g.Constant([]float64{0, 2}, 2), "y")
	if err != nil || x.Kind() != engine.KindConstant {
		t.Errorf("Gamma data [0 2]: node %v, error %v; want the constant itself", x, err)
	}

	// Data fed through an input: checked on every run.
	in := g.Input("data", 2)
	checked, err := CheckValue(d, in, "y")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := g.Compile([]*engine.Node{checked})
	if err != nil {
		t.Fatal(err)
	}
	copy(prog.Value(in), []float64{1, 2})
	if err := prog.Run(); err != nil {
		t.Errorf("valid input data: %v", err)
	}
	copy(prog.Value(in), []float64{1, math.NaN()})
	if err := prog.Run(); !errors.Is(err, ErrSupport) || !strings.Contains(err.Error(), `site "y": Gamma: value NaN (element 1)`) {
		t.Errorf("NaN input data: %v, want ErrSupport naming site \"y\" and element 1", err)
	}

	// Uniform bounds held by parameters: the support is on the graph.
	g = engine.NewGraph()
	u := Uniform(g.Param("lo", []float64{0}), g.Param("hi", []float64{1}))
	checked, err = CheckValue(u, g.Constant([]float64{0.5, 2}, 2), "u")
	if err != nil {
		t.Fatal(err)
	}
	if err := runErr(t, g, checked); !errors.Is(err, ErrSupport) || !strings.Contains(err.Error(), `site "u": Uniform`) {
		t.Errorf("Uniform(lo, hi) data [0.5 2]: %v, want ErrSupport naming site \"u\"", err)
	}
}

// LogProb is −Inf off the support for every family, wrapper and
// parameterization of the fuzz table, at values on both sides of the
// support (FuzzLogProb explores further).
func TestLogProbOffTheSupportIsMinusInf(t *testing.T) {
	off := map[string]int{}
	for _, fam := range fuzzFamilies {
		for _, x := range []float64{-1e300, -3.7, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3.7, 1e300, math.Inf(1), math.Inf(-1)} {
			g := engine.NewGraph()
			d := fam.build(g, 0.3, 1.5, 1)
			v := fam.value(g, x)
			lp, in := d.LogProb(v), d.Support().Check(v)
			got := evalNodes(t, g, lp, in)
			for i, l := range got[0] {
				if got[1][min(i, len(got[1])-1)] != 0 {
					continue
				}
				off[fam.name]++
				if !math.IsInf(l, -1) {
					t.Errorf("%s.LogProb(%v)[%d] = %v off the support, want −Inf", fam.name, x, i, l)
				}
			}
		}
	}
	// Only the families on the whole real line (or real vectors) have no
	// value off their support among those tried.
	for _, fam := range fuzzFamilies {
		real := fam.name == "Normal" || fam.name == "Cauchy" || fam.name == "StudentT" || fam.name == "Laplace" ||
			fam.name == "Gumbel" || fam.name == "Delta" || fam.name == "MixtureSameFamily" ||
			strings.Contains(fam.name, "MultivariateNormal")
		if !real && off[fam.name] == 0 {
			t.Errorf("%s: no value off the support was tried", fam.name)
		}
	}
}
