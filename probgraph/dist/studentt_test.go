package dist

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["StudentT"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		return StudentT(p["df"], p["loc"], p["scale"])
	}
}

// df ≥ 9 keeps the eighth moment, which the standard error of the sample
// variance relies on, finite.
func TestStudentTSampleMoments(t *testing.T) {
	df, loc, scale := []float64{9, 30}, []float64{0.5, -2}, []float64{1.5, 0.3}
	variance := make([]float64, 2)
	for i := range df {
		variance[i] = scale[i] * scale[i] * df[i] / (df[i] - 2)
	}
	checkMoments(t, func(g *engine.Graph) Distribution {
		return StudentT(g.Constant(df, 2), g.Constant(loc, 2), g.Constant(scale, 2))
	}, loc, variance)
}

// With df ≤ 2 the variance is infinite: check quantiles instead. The
// fraction of 10⁵ draws below the q-quantile has standard error
// √(q(1−q)/n); allow 5 of them.
func TestStudentTHeavyTailQuantiles(t *testing.T) {
	const n = 100000
	df := []float64{0.6, 1, 1.8}
	v, per := drawSamples(t, n, 777, func(g *engine.Graph) Distribution {
		return StudentT(g.Constant(df, 3), g.Scalar(1), g.Scalar(2))
	})
	for j, nu := range df {
		ref := distuv.StudentsT{Mu: 1, Sigma: 2, Nu: nu}
		for _, q := range []float64{0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99} {
			x := ref.Quantile(q)
			below := 0
			for i := 0; i < n; i++ {
				if v[i*per+j] <= x {
					below++
				}
			}
			se := math.Sqrt(q * (1 - q) / n)
			if frac := float64(below) / n; math.Abs(frac-q) > 5*se {
				t.Errorf("df=%g: %.5f of draws below the %g-quantile %.4g (5 SE = %.2g)", nu, frac, q, x, 5*se)
			}
		}
	}
}

// E[x²] = loc² + scale²·df/(df−2), so d/d(df) = −2 scale²/(df−2)²,
// d/dloc = 2 loc and d/dscale = 2 scale·df/(df−2); the df gradient flows
// through the Gamma draw's implicit gradient.
func TestStudentTReparamGradient(t *testing.T) {
	df, loc, scale := 9.0, 0.7, 1.3
	checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
		theta := g.Param("theta", []float64{df, loc, scale}, 3)
		return theta, StudentT(g.Slice(theta, 0, 0, 1), g.Slice(theta, 0, 1, 2), g.Slice(theta, 0, 2, 3))
	}, func(g *engine.Graph, x *engine.Node) *engine.Node { return g.Square(x) },
		[]float64{-2 * scale * scale / ((df - 2) * (df - 2)), 2 * loc, 2 * scale * df / (df - 2)})
}

// d/dloc E[x] = 1 for every draw, heavy tails or not.
func TestStudentTReparamGradientLoc(t *testing.T) {
	checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
		loc := g.Param("loc", []float64{0.3}, 1)
		return loc, StudentT(g.Scalar(1.5), loc, g.Scalar(2))
	}, func(g *engine.Graph, x *engine.Node) *engine.Node { return x }, []float64{1})
}

// As in Pyro: the mean is NaN for df ≤ 1; the variance is NaN for df ≤ 1
// and +Inf for 1 < df ≤ 2.
func TestStudentTUndefinedMoments(t *testing.T) {
	g := engine.NewGraph()
	d := StudentT(g.Constant([]float64{0.5, 1, 1.5, 2, 4}, 5), g.Scalar(3), g.Scalar(2))
	v := evalNodes(t, g, d.Mean(), d.Variance())
	nan, inf := math.NaN(), math.Inf(1)
	sameFloats(t, v[0], []float64{nan, nan, 3, 3, 3})
	sameFloats(t, v[1], []float64{nan, nan, inf, inf, 8})
}

func TestStudentTRejectsNonPositiveParameters(t *testing.T) {
	checkRejects(t, "StudentT", "df", func(g *engine.Graph) Distribution {
		return StudentT(g.Scalar(0), g.Scalar(0), g.Scalar(1))
	})
	checkRejects(t, "StudentT", "scale", func(g *engine.Graph) Distribution {
		return StudentT(g.Scalar(3), g.Scalar(0), g.Constant([]float64{1, -1}, 2))
	})
	checkRejectsAtRun(t, "StudentT", "df", func(g *engine.Graph, bad *engine.Node) Distribution {
		return StudentT(bad, g.Scalar(0), g.Scalar(1))
	})
}
