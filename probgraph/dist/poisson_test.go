package dist

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["Poisson"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		return Poisson(p["rate"])
	}
}

func poissonPMF(rate float64) func(k int) float64 {
	return func(k int) float64 {
		x := float64(k)
		return math.Exp(x*math.Log(rate) - rate - logGammaFn(x+1))
	}
}

// Rates on both sides of the switch from inversion to PTRS (rate 10).
func TestPoissonSampleMoments(t *testing.T) {
	rate := []float64{0.01, 1, 9.99, 10, 35, 1e4, 3e7}
	checkMoments(t, func(g *engine.Graph) Distribution {
		return Poisson(g.Constant(rate, len(rate)))
	}, rate, rate)
}

// The sampler is exact: every frequency matches the mass function.
func TestPoissonSampleFrequencies(t *testing.T) {
	for _, c := range []struct {
		name string
		rate float64
	}{{"inversion", 4.5}, {"ptrs", 10}, {"ptrs large", 150}} {
		t.Run(c.name, func(t *testing.T) {
			checkFrequencies(t, func(g *engine.Graph) Distribution {
				return Poisson(g.Scalar(c.rate))
			}, poissonPMF(c.rate), int(3*c.rate+30))
		})
	}
}

func TestPoissonLogProbGradient(t *testing.T) {
	checkLogProbGradFD(t, []float64{0.5, 4, 40}, []int{3}, func(g *engine.Graph, th *engine.Node) *engine.Node {
		return Poisson(th).LogProb(g.Constant([]float64{0, 3, 45, 2, 7, 30}, 2, 3))
	})
}

func TestPoissonLogProbOutsideSupportIsMinusInf(t *testing.T) {
	g := engine.NewGraph()
	v := evalNodes(t, g, Poisson(g.Scalar(2)).LogProb(g.Constant([]float64{-1, 0.5, math.Inf(1), 0}, 4)))[0]
	for i := 0; i < 3; i++ {
		if !math.IsInf(v[i], -1) {
			t.Errorf("value %d: %v, want -Inf", i, v[i])
		}
	}
	if v[3] != -2 {
		t.Errorf("log_prob(0) = %v, want -2", v[3])
	}
}

func TestPoissonBadParameters(t *testing.T) {
	build := func(g *engine.Graph, bad *engine.Node) Distribution { return Poisson(bad) }
	checkBadParams(t, []badParamCase{
		{name: "zero", family: "Poisson", param: "rate", value: []float64{1, 0}, shape: []int{2}, x: []float64{0, 0}, build: build},
		{name: "negative", family: "Poisson", param: "rate", value: []float64{-3}, x: []float64{1}, build: build},
	})
}

// With a log link the density is built from η itself (log exp(η) = η), and
// its gradient in η is k − e^η.
func TestPoissonLogLinkGradient(t *testing.T) {
	checkLogProbGradFD(t, []float64{-0.7, 1.4, 3.9}, []int{3}, func(g *engine.Graph, th *engine.Node) *engine.Node {
		return Poisson(g.Exp(th)).LogProb(g.Constant([]float64{0, 3, 45, 2, 7, 30}, 2, 3))
	})
}
