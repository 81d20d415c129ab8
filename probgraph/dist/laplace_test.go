package dist

import (
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["Laplace"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		return Laplace(p["loc"], p["scale"])
	}
}

func TestLaplaceSampleMoments(t *testing.T) {
	checkMoments(t, func(g *engine.Graph) Distribution {
		return Laplace(g.Constant([]float64{-1, 2}, 2), g.Constant([]float64{0.5, 1.5}, 2))
	}, []float64{-1, 2}, []float64{0.5, 4.5})
}

// E[x²] = μ² + 2σ², so the gradient is (2μ, 4σ).
func TestLaplaceReparamGradient(t *testing.T) {
	checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
		theta := g.Param("theta", []float64{0.7, 1.3}, 2)
		return theta, Laplace(g.Slice(theta, 0, 0, 1), g.Slice(theta, 0, 1, 2))
	}, func(g *engine.Graph, x *engine.Node) *engine.Node { return g.Square(x) }, []float64{1.4, 5.2})
}

func TestLaplaceSupport(t *testing.T) {
	checkDrawsInSupport(t, "real", func(g *engine.Graph) Distribution { return Laplace(g.Scalar(1), g.Scalar(2)) })
}

func TestLaplaceInvalidParameters(t *testing.T) {
	expectParamError(t, "Laplace", "scale", false, func(g *engine.Graph) Distribution {
		return Laplace(g.Scalar(0), g.Scalar(-1))
	})
	expectRunParamError(t, "Laplace", "scale", func(g *engine.Graph) Distribution {
		return Laplace(g.Scalar(0), g.Param("s", []float64{0}))
	}, func(g *engine.Graph, d Distribution) *engine.Node { return d.(Variancer).Variance() })
}
