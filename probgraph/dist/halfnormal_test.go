package dist

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["HalfNormal"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		return HalfNormal(p["scale"])
	}
}

func TestHalfNormalSampleMoments(t *testing.T) {
	scale := []float64{0.5, 2}
	checkMoments(t, func(g *engine.Graph) Distribution { return HalfNormal(g.Constant(scale, 2)) },
		[]float64{0.5 * math.Sqrt(2/math.Pi), 2 * math.Sqrt(2/math.Pi)},
		[]float64{0.25 * (1 - 2/math.Pi), 4 * (1 - 2/math.Pi)})
}

// E[x²] = σ², so d/dσ E[x²] = 2σ; the loss averages over the two members of
// the batch, which halves each derivative.
func TestHalfNormalReparamGradient(t *testing.T) {
	checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
		theta := g.Param("scale", []float64{0.8, 1.7}, 2)
		return theta, HalfNormal(theta)
	}, func(g *engine.Graph, x *engine.Node) *engine.Node { return g.Square(x) }, []float64{1.6 / 2, 3.4 / 2})
}

func TestHalfNormalSupport(t *testing.T) {
	checkDrawsInSupport(t, "nonnegative", func(g *engine.Graph) Distribution { return HalfNormal(g.Scalar(3)) })
}

func TestHalfNormalInvalidParameters(t *testing.T) {
	expectParamError(t, "HalfNormal", "scale", false, func(g *engine.Graph) Distribution {
		return HalfNormal(g.Scalar(-2))
	})
	expectRunParamError(t, "HalfNormal", "scale", func(g *engine.Graph) Distribution {
		return HalfNormal(g.Param("s", []float64{1, 0}, 2))
	}, logProbOf)
}
