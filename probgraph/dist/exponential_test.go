package dist

import (
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["Exponential"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		return Exponential(p["rate"])
	}
}

func TestExponentialSampleMoments(t *testing.T) {
	checkMoments(t, func(g *engine.Graph) Distribution { return Exponential(g.Constant([]float64{0.5, 3}, 2)) },
		[]float64{2, 1.0 / 3}, []float64{4, 1.0 / 9})
}

// E[x] = 1/rate, so d/drate E[x] = −1/rate²; the loss averages over the two
// members of the batch, which halves each derivative.
func TestExponentialReparamGradient(t *testing.T) {
	checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
		theta := g.Param("rate", []float64{0.5, 2}, 2)
		return theta, Exponential(theta)
	}, func(g *engine.Graph, x *engine.Node) *engine.Node { return x }, []float64{-4.0 / 2, -0.25 / 2})
}

func TestExponentialSupport(t *testing.T) {
	checkDrawsInSupport(t, "nonnegative", func(g *engine.Graph) Distribution { return Exponential(g.Scalar(4)) })
}

func TestExponentialInvalidParameters(t *testing.T) {
	expectParamError(t, "Exponential", "rate", false, func(g *engine.Graph) Distribution {
		return Exponential(g.Constant([]float64{1, 2, 0}, 3))
	})
	expectRunParamError(t, "Exponential", "rate", func(g *engine.Graph) Distribution {
		return Exponential(g.Param("r", []float64{-1}))
	}, logProbOf)
}

// The closed form agrees with the Monte Carlo estimate of E_p[log p − log q]
// within 5 standard errors.
func TestExponentialKLMatchesMonteCarlo(t *testing.T) {
	g := engine.NewGraph()
	p := Exponential(g.Constant([]float64{0.5, 2}, 2))
	q := Exponential(g.Constant([]float64{1.5, 1.8}, 2))
	checkKLMonteCarlo(t, p, q, 100000, 3)
}
