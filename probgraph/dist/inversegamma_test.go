package dist

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["InverseGamma"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		return InverseGamma(p["concentration"], p["rate"])
	}
}

// α ≥ 9 keeps the eighth moment, which the standard error of the sample
// variance relies on, finite.
func TestInverseGammaSampleMoments(t *testing.T) {
	a, b := []float64{9, 12}, []float64{1, 2.5}
	mean, variance := make([]float64, 2), make([]float64, 2)
	for i := range a {
		mean[i] = b[i] / (a[i] - 1)
		variance[i] = mean[i] * mean[i] / (a[i] - 2)
	}
	checkMoments(t, func(g *engine.Graph) Distribution {
		return InverseGamma(g.Constant(a, 2), g.Constant(b, 2))
	}, mean, variance)
}

// E[x] = β/(α−1): d/dα = −β/(α−1)², d/dβ = 1/(α−1).
func TestInverseGammaReparamGradient(t *testing.T) {
	a, b := 4.0, 1.5
	checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
		theta := g.Param("theta", []float64{a, b}, 2)
		return theta, InverseGamma(g.Slice(theta, 0, 0, 1), g.Slice(theta, 0, 1, 2))
	}, func(g *engine.Graph, x *engine.Node) *engine.Node { return x },
		[]float64{-b / ((a - 1) * (a - 1)), 1 / (a - 1)})
}

// The mean is infinite for α ≤ 1 and the variance for α ≤ 2 (as in Pyro).
func TestInverseGammaInfiniteMoments(t *testing.T) {
	g := engine.NewGraph()
	d := InverseGamma(g.Constant([]float64{0.5, 1, 1.5, 3}, 4), g.Scalar(2))
	v := evalNodes(t, g, d.Mean(), d.Variance())
	inf := math.Inf(1)
	sameFloats(t, v[0], []float64{inf, inf, 4, 1})
	sameFloats(t, v[1], []float64{inf, inf, inf, 1})
}

// The log density is −Inf for x ≤ 0, outside the support.
func TestInverseGammaLogProbOutsideSupport(t *testing.T) {
	got := runLogProb(t, func(g *engine.Graph) Distribution {
		return InverseGamma(g.Scalar(2), g.Scalar(1))
	}, []float64{0, -1}, 2)
	sameFloats(t, got, []float64{math.Inf(-1), math.Inf(-1)})
}

func TestInverseGammaRejectsNonPositiveParameters(t *testing.T) {
	checkRejects(t, "InverseGamma", "concentration", func(g *engine.Graph) Distribution {
		return InverseGamma(g.Scalar(math.NaN()), g.Scalar(1))
	})
	checkRejects(t, "InverseGamma", "rate", func(g *engine.Graph) Distribution {
		return InverseGamma(g.Scalar(1), g.Constant([]float64{1, 0}, 2))
	})
	checkRejectsAtRun(t, "InverseGamma", "concentration", func(g *engine.Graph, bad *engine.Node) Distribution {
		return InverseGamma(bad, g.Scalar(1))
	})
}
