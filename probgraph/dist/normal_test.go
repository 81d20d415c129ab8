package dist

import (
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["Normal"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		return Normal(p["loc"], p["scale"])
	}
}

func TestNormalSampleMoments(t *testing.T) {
	checkMoments(t, func(g *engine.Graph) Distribution {
		return Normal(g.Constant([]float64{-1, 0, 3}, 3), g.Constant([]float64{0.5, 1, 2}, 3))
	}, []float64{-1, 0, 3}, []float64{0.25, 1, 4})
}

// d/dμ E[x²] = 2μ and d/dσ E[x²] = 2σ.
func TestNormalReparamGradient(t *testing.T) {
	checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
		theta := g.Param("theta", []float64{0.7, 1.3}, 2)
		return theta, Normal(g.Slice(theta, 0, 0, 1), g.Slice(theta, 0, 1, 2))
	}, func(g *engine.Graph, x *engine.Node) *engine.Node { return g.Square(x) }, []float64{1.4, 2.6})
}
