package dist

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["Cauchy"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		return Cauchy(p["loc"], p["scale"])
	}
}

// The Cauchy has no mean or variance, so the sampler is checked against its
// quantile function loc + scale·tan(π(p − ½)).
func TestCauchySampleQuantiles(t *testing.T) {
	loc, scale := []float64{-1, 4}, []float64{0.5, 3}
	checkQuantileCoverage(t, func(g *engine.Graph) Distribution {
		return Cauchy(g.Constant(loc, 2), g.Constant(scale, 2))
	}, func(j int, p float64) float64 { return loc[j] + scale[j]*math.Tan(math.Pi*(p-0.5)) })
}

// E[log(1 + x²)] = log(μ² + (σ + 1)²) (log|z + i| is harmonic in the upper
// half plane and the Cauchy density is its Poisson kernel); f is chosen so
// that the pathwise gradient has finite variance.
func TestCauchyReparamGradient(t *testing.T) {
	mu, sigma := 0.4, 0.8
	den := mu*mu + (sigma+1)*(sigma+1)
	checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
		theta := g.Param("theta", []float64{mu, sigma}, 2)
		return theta, Cauchy(g.Slice(theta, 0, 0, 1), g.Slice(theta, 0, 1, 2))
	}, func(g *engine.Graph, x *engine.Node) *engine.Node { return g.Log1p(g.Square(x)) },
		[]float64{2 * mu / den, 2 * (sigma + 1) / den})
}

func TestCauchyHasNoMean(t *testing.T) {
	g := engine.NewGraph()
	var d Distribution = Cauchy(g.Scalar(0), g.Scalar(1))
	if _, ok := d.(Meaner); ok {
		t.Error("Cauchy implements Meaner; it has no mean")
	}
	if _, ok := d.(Variancer); ok {
		t.Error("Cauchy implements Variancer; it has no variance")
	}
}

func TestCauchySupport(t *testing.T) {
	checkDrawsInSupport(t, "real", func(g *engine.Graph) Distribution { return Cauchy(g.Scalar(1), g.Scalar(2)) })
}

func TestCauchyInvalidParameters(t *testing.T) {
	expectParamError(t, "Cauchy", "scale", false, func(g *engine.Graph) Distribution {
		return Cauchy(g.Scalar(0), g.Scalar(0))
	})
	expectParamError(t, "Cauchy", "scale", true, func(g *engine.Graph) Distribution {
		return Cauchy(g.Fill(0, 2, 3), g.Fill(1, 2))
	})
	expectRunParamError(t, "Cauchy", "scale", func(g *engine.Graph) Distribution {
		return Cauchy(g.Scalar(0), g.Param("s", []float64{2, -2}, 2))
	}, logProbOf)
}
