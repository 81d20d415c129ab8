package dist

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["Gumbel"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		return Gumbel(p["loc"], p["scale"])
	}
}

func TestGumbelSampleMoments(t *testing.T) {
	loc, scale := []float64{-1, 2}, []float64{0.5, 1.5}
	checkMoments(t, func(g *engine.Graph) Distribution {
		return Gumbel(g.Constant(loc, 2), g.Constant(scale, 2))
	}, []float64{loc[0] + eulerGamma*scale[0], loc[1] + eulerGamma*scale[1]},
		[]float64{math.Pi * math.Pi / 6 * 0.25, math.Pi * math.Pi / 6 * 2.25})
}

// E[x²] = π²σ²/6 + (μ + γσ)², so d/dμ = 2(μ + γσ) and
// d/dσ = π²σ/3 + 2γ(μ + γσ).
func TestGumbelReparamGradient(t *testing.T) {
	mu, sigma := 0.7, 1.3
	m := mu + eulerGamma*sigma
	checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
		theta := g.Param("theta", []float64{mu, sigma}, 2)
		return theta, Gumbel(g.Slice(theta, 0, 0, 1), g.Slice(theta, 0, 1, 2))
	}, func(g *engine.Graph, x *engine.Node) *engine.Node { return g.Square(x) },
		[]float64{2 * m, math.Pi*math.Pi*sigma/3 + 2*eulerGamma*m})
}

func TestGumbelSupport(t *testing.T) {
	checkDrawsInSupport(t, "real", func(g *engine.Graph) Distribution { return Gumbel(g.Scalar(1), g.Scalar(2)) })
}

func TestGumbelInvalidParameters(t *testing.T) {
	expectParamError(t, "Gumbel", "scale", false, func(g *engine.Graph) Distribution {
		return Gumbel(g.Scalar(0), g.Scalar(math.Inf(-1)))
	})
	expectRunParamError(t, "Gumbel", "scale", func(g *engine.Graph) Distribution {
		return Gumbel(g.Scalar(0), g.Param("s", []float64{-3}))
	}, func(g *engine.Graph, d Distribution) *engine.Node { return d.Sample(2) })
}
