package dist

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["Gamma"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		return Gamma(p["concentration"], p["rate"])
	}
}

func TestGammaSampleMoments(t *testing.T) {
	a, b := []float64{0.3, 1, 4.5}, []float64{2, 0.5, 1.5}
	checkMoments(t, func(g *engine.Graph) Distribution {
		return Gamma(g.Constant(a, 3), g.Constant(b, 3))
	}, []float64{0.15, 2, 3}, []float64{0.075, 4, 2})
}

// d/dα E[x] = 1/β and d/dβ E[x] = −α/β², for α on both sides of the boost at 1.
func TestGammaReparamGradient(t *testing.T) {
	for _, p := range [][2]float64{{2.5, 1.5}, {0.4, 0.8}} {
		a, b := p[0], p[1]
		checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
			theta := g.Param("theta", []float64{a, b}, 2)
			return theta, Gamma(g.Slice(theta, 0, 0, 1), g.Slice(theta, 0, 1, 2))
		}, func(g *engine.Graph, x *engine.Node) *engine.Node { return x }, []float64{1 / b, -a / (b * b)})
	}
}

// d/dα E[x²] = (2α+1)/β²: the implicit gradient also carries a nonlinear f.
func TestGammaReparamGradientOfSquare(t *testing.T) {
	a, b := 0.7, 2.0
	checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
		theta := g.Param("alpha", []float64{a}, 1)
		return theta, Gamma(theta, g.Scalar(b))
	}, func(g *engine.Graph, x *engine.Node) *engine.Node { return g.Square(x) }, []float64{(2*a + 1) / (b * b)})
}

func TestGammaShapes(t *testing.T) {
	g := engine.NewGraph()
	d := Gamma(g.Fill(2, 2, 1), g.Fill(1, 3))
	x := d.Sample(4)
	lp := d.LogProb(x)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	if !d.BatchShape().Equal(engine.Shape{2, 3}) || len(d.EventShape()) != 0 {
		t.Errorf("batch %v event %v, want [2 3] []", d.BatchShape(), d.EventShape())
	}
	if !x.Shape().Equal(engine.Shape{4, 2, 3}) || !lp.Shape().Equal(engine.Shape{4, 2, 3}) {
		t.Errorf("sample %v, log-prob %v, want [4 2 3] for both", x.Shape(), lp.Shape())
	}
}

// At x = 0 the density is +Inf, β or 0 as α is below, at or above 1; below
// 0 it is −Inf (outside the support).
func TestGammaLogProbAtAndOutsideSupport(t *testing.T) {
	got := runLogProb(t, func(g *engine.Graph) Distribution {
		return Gamma(g.Constant([]float64{0.5, 1, 3}, 3), g.Scalar(2))
	}, []float64{0, 0, 0, -1, -1, -1}, 2, 3)
	want := []float64{math.Inf(1), math.Log(2), math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	sameFloats(t, got, want)
}

func TestGammaRejectsNonPositiveParameters(t *testing.T) {
	checkRejects(t, "Gamma", "concentration", func(g *engine.Graph) Distribution {
		return Gamma(g.Constant([]float64{1, 0}, 2), g.Scalar(1))
	})
	checkRejects(t, "Gamma", "rate", func(g *engine.Graph) Distribution {
		return Gamma(g.Scalar(1), g.Scalar(-2))
	})
	checkRejectsAtRun(t, "Gamma", "rate", func(g *engine.Graph, bad *engine.Node) Distribution {
		return Gamma(g.Scalar(1), bad)
	})
}

func TestGammaNilParameter(t *testing.T) {
	d := Gamma(nil, nil)
	d.LogProb(d.Graph().Scalar(1))
	d.Sample(2)
	if err := d.Graph().Err(); !errors.Is(err, engine.ErrInvalidNode) {
		t.Errorf("Gamma(nil, nil): error %v, want one wrapping engine.ErrInvalidNode", err)
	}
}

// runLogProb evaluates d.LogProb at constant values of the given shape.
func runLogProb(t *testing.T, build func(g *engine.Graph) Distribution, x []float64, shape ...int) []float64 {
	t.Helper()
	g := engine.NewGraph()
	lp := build(g).LogProb(g.Constant(x, shape...))
	return evalNodes(t, g, lp)[0]
}

// sameFloats compares exactly, with NaN equal to NaN (for values that are
// exact by construction: infinities, NaN, log of a constant).
func sameFloats(t *testing.T, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d values, want %d", len(got), len(want))
	}
	for i := range want {
		if !(got[i] == want[i] || math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			t.Errorf("[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

// checkRejects builds a family with an invalid constant parameter and
// checks that the graph recorded an error wrapping ErrParameter that names
// the family and the parameter.
func checkRejects(t *testing.T, family, param string, build func(g *engine.Graph) Distribution) {
	t.Helper()
	g := engine.NewGraph()
	build(g)
	err := g.Err()
	if !errors.Is(err, ErrParameter) || !strings.Contains(err.Error(), family+": "+param+" ") {
		t.Errorf("%s with invalid %s: error %v, want one wrapping ErrParameter naming both", family, param, err)
	}
}

// checkRejectsAtRun builds a family with a parameter node whose value is
// invalid only at run time, and checks that running its log density fails
// with an error wrapping ErrParameter that names the family and parameter.
func checkRejectsAtRun(t *testing.T, family, param string, build func(g *engine.Graph, bad *engine.Node) Distribution) {
	t.Helper()
	g := engine.NewGraph()
	d := build(g, g.Param("p", []float64{-0.5}))
	lp := d.LogProb(d.Sample())
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	prog, err := g.Compile([]*engine.Node{lp})
	if err != nil {
		t.Fatal(err)
	}
	err = prog.Run()
	if !errors.Is(err, ErrParameter) || !strings.Contains(err.Error(), family+": "+param+" ") {
		t.Errorf("%s with %s = −0.5 at run time: error %v, want one wrapping ErrParameter naming both", family, param, err)
	}
}
