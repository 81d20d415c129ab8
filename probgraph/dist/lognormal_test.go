package dist

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["LogNormal"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		return LogNormal(p["loc"], p["scale"])
	}
}

func TestLogNormalSampleMoments(t *testing.T) {
	loc, scale := []float64{-0.5, 0.2}, []float64{0.3, 0.6}
	mean, variance := make([]float64, 2), make([]float64, 2)
	for i := range loc {
		s2 := scale[i] * scale[i]
		mean[i] = math.Exp(loc[i] + s2/2)
		variance[i] = math.Expm1(s2) * math.Exp(2*loc[i]+s2)
	}
	checkMoments(t, func(g *engine.Graph) Distribution {
		return LogNormal(g.Constant(loc, 2), g.Constant(scale, 2))
	}, mean, variance)
}

// d/dμ E[x] = E[x] and d/dσ E[x] = σ·E[x], with E[x] = exp(μ + σ²/2).
func TestLogNormalReparamGradient(t *testing.T) {
	mu, sigma := 0.3, 0.5
	m := math.Exp(mu + sigma*sigma/2)
	checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
		theta := g.Param("theta", []float64{mu, sigma}, 2)
		return theta, LogNormal(g.Slice(theta, 0, 0, 1), g.Slice(theta, 0, 1, 2))
	}, func(g *engine.Graph, x *engine.Node) *engine.Node { return x }, []float64{m, sigma * m})
}

func TestLogNormalSupport(t *testing.T) {
	checkDrawsInSupport(t, "positive", func(g *engine.Graph) Distribution {
		return LogNormal(g.Constant([]float64{0, -3}, 2), g.Scalar(2))
	})
}

func TestLogNormalInvalidParameters(t *testing.T) {
	expectParamError(t, "LogNormal", "scale", false, func(g *engine.Graph) Distribution {
		return LogNormal(g.Scalar(0), g.Constant([]float64{1, 0}, 2))
	})
	expectParamError(t, "LogNormal", "loc", true, func(g *engine.Graph) Distribution {
		return LogNormal(g.Fill(0, 2), g.Fill(1, 3))
	})
	expectRunParamError(t, "LogNormal", "scale", func(g *engine.Graph) Distribution {
		return LogNormal(g.Scalar(0), g.Param("s", []float64{-1}))
	}, func(g *engine.Graph, d Distribution) *engine.Node { return d.Sample(3) })
}
