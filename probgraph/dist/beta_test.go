package dist

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["Beta"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		return Beta(p["concentration1"], p["concentration0"])
	}
}

func TestBetaSampleMoments(t *testing.T) {
	a, b := []float64{0.5, 2, 0.2, 30}, []float64{0.5, 5, 3, 0.4}
	mean, variance := make([]float64, 4), make([]float64, 4)
	for i := range a {
		s := a[i] + b[i]
		mean[i] = a[i] / s
		variance[i] = a[i] * b[i] / (s * s * (s + 1))
	}
	checkMoments(t, func(g *engine.Graph) Distribution {
		return Beta(g.Constant(a, 4), g.Constant(b, 4))
	}, mean, variance)
}

// E[x] = a/(a+b): d/da = b/(a+b)², d/db = −a/(a+b)².
func TestBetaReparamGradient(t *testing.T) {
	for _, p := range [][2]float64{{2, 3}, {0.6, 0.3}} {
		a, b := p[0], p[1]
		s2 := (a + b) * (a + b)
		checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
			theta := g.Param("theta", []float64{a, b}, 2)
			return theta, Beta(g.Slice(theta, 0, 0, 1), g.Slice(theta, 0, 1, 2))
		}, func(g *engine.Graph, x *engine.Node) *engine.Node { return x }, []float64{b / s2, -a / s2})
	}
}

// Small concentrations push draws to the ends: they stay inside (0, 1), so
// their log density is finite.
func TestBetaSamplesStayInsideTheInterval(t *testing.T) {
	g := engine.NewGraph()
	d := Beta(g.Constant([]float64{0.05, 2}, 2), g.Constant([]float64{2, 0.05}, 2))
	x := d.Sample(20000)
	lp := d.LogProb(x)
	v := evalNodes(t, g, x, lp)
	for i, xi := range v[0] {
		if !(xi > 0 && xi < 1) || math.IsInf(v[1][i], 0) || math.IsNaN(v[1][i]) {
			t.Fatalf("draw %d = %v with log density %v", i, xi, v[1][i])
		}
	}
}

// At 0 and 1 the density is infinite, finite or 0 as the concentration of
// that end is below, at or above 1; outside [0, 1] the log density is −Inf.
func TestBetaLogProbAtAndOutsideSupport(t *testing.T) {
	got := runLogProb(t, func(g *engine.Graph) Distribution {
		return Beta(g.Constant([]float64{0.5, 1, 3}, 3), g.Constant([]float64{2, 2, 0.5}, 3))
	}, []float64{0, 0, 1, -0.5, 1.5, 1.5}, 2, 3)
	want := []float64{math.Inf(1), math.Log(2), math.Inf(1), math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	sameFloats(t, got, want)
}

func TestBetaRejectsNonPositiveParameters(t *testing.T) {
	checkRejects(t, "Beta", "concentration1", func(g *engine.Graph) Distribution {
		return Beta(g.Scalar(0), g.Scalar(1))
	})
	checkRejects(t, "Beta", "concentration0", func(g *engine.Graph) Distribution {
		return Beta(g.Scalar(1), g.Scalar(-1))
	})
	checkRejectsAtRun(t, "Beta", "concentration0", func(g *engine.Graph, bad *engine.Node) Distribution {
		return Beta(g.Scalar(1), bad)
	})
}
