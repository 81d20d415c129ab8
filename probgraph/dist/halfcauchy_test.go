package dist

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["HalfCauchy"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		return HalfCauchy(p["scale"])
	}
}

// The half-Cauchy has no finite mean, so the sampler is checked against its
// quantile function σ·tan(πp/2).
func TestHalfCauchySampleQuantiles(t *testing.T) {
	scale := []float64{0.5, 3}
	checkQuantileCoverage(t, func(g *engine.Graph) Distribution { return HalfCauchy(g.Constant(scale, 2)) },
		func(j int, p float64) float64 { return scale[j] * math.Tan(math.Pi*p/2) })
}

// E[log(1 + x²)] = 2 log(1 + σ) (log|z + i| is harmonic in the upper half
// plane and the Cauchy density is its Poisson kernel), so the gradient is
// 2/(1 + σ); the pathwise term 2x/(1+x²)·x/σ is bounded, so its variance is
// finite. The loss averages over the two members of the batch, which halves
// each derivative.
func TestHalfCauchyReparamGradient(t *testing.T) {
	checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
		theta := g.Param("scale", []float64{0.5, 2}, 2)
		return theta, HalfCauchy(theta)
	}, func(g *engine.Graph, x *engine.Node) *engine.Node { return g.Log1p(g.Square(x)) },
		[]float64{1 / 1.5, 1.0 / 3})
}

func TestHalfCauchyHasNoMean(t *testing.T) {
	g := engine.NewGraph()
	var d Distribution = HalfCauchy(g.Scalar(1))
	if _, ok := d.(Meaner); ok {
		t.Error("HalfCauchy implements Meaner; its mean is infinite")
	}
	if _, ok := d.(Variancer); ok {
		t.Error("HalfCauchy implements Variancer; its variance is infinite")
	}
}

func TestHalfCauchySupport(t *testing.T) {
	checkDrawsInSupport(t, "nonnegative", func(g *engine.Graph) Distribution { return HalfCauchy(g.Scalar(0.1)) })
}

func TestHalfCauchyInvalidParameters(t *testing.T) {
	expectParamError(t, "HalfCauchy", "scale", false, func(g *engine.Graph) Distribution {
		return HalfCauchy(g.Scalar(math.NaN()))
	})
	expectRunParamError(t, "HalfCauchy", "scale", func(g *engine.Graph) Distribution {
		return HalfCauchy(g.Param("s", []float64{-0.1}))
	}, func(g *engine.Graph, d Distribution) *engine.Node { return d.(Entropier).Entropy() })
}
