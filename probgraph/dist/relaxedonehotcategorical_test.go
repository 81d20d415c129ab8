package dist

import (
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["RelaxedOneHotCategorical"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		if l, ok := p["logits"]; ok {
			return RelaxedOneHotCategoricalLogits(p["temperature"], l)
		}
		return RelaxedOneHotCategorical(p["temperature"], p["probs"])
	}
}

// Mean and variance of each coordinate against quadrature values, for a
// batch of two members with their own temperatures.
func TestRelaxedOneHotCategoricalSampleMoments(t *testing.T) {
	e := loadDiscreteExpectations(t)
	var temp, logits, mean, variance []float64
	for _, c := range e.RelaxedOneHot {
		temp = append(temp, c.Temperature)
		logits = append(logits, c.Logits...)
		mean, variance = append(mean, c.Mean...), append(variance, c.Variance...)
	}
	checkMoments(t, func(g *engine.Graph) Distribution {
		return RelaxedOneHotCategoricalLogits(g.Constant(temp, len(temp)), g.Constant(logits, len(temp), 3))
	}, mean, variance)
}

// The pathwise gradient of E[w·x] in (logits, temperature) against the
// quadrature value of its derivative.
func TestRelaxedOneHotCategoricalReparamGradient(t *testing.T) {
	e := loadDiscreteExpectations(t)
	for _, c := range e.RelaxedOneHot {
		checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
			th := g.Param("theta", append(append([]float64{}, c.Logits...), c.Temperature), 4)
			return th, RelaxedOneHotCategoricalLogits(g.Reshape(g.Slice(th, 0, 3, 4)), g.Slice(th, 0, 0, 3))
		}, func(g *engine.Graph, x *engine.Node) *engine.Node {
			return g.Sum(g.Mul(x, g.Constant(c.Weights, 3)), -1)
		}, c.GradWeightedMean)
	}
}

func TestRelaxedOneHotCategoricalLogProbGradient(t *testing.T) {
	x := []float64{0.2, 0.3, 0.5, 0.9, 0.05, 0.05, 0.01, 0.01, 0.98, 0.4, 0.4, 0.2}
	t.Run("logits", func(t *testing.T) {
		checkLogProbGradFD(t, []float64{0.3, -1, 0.6, 0.7, 1.8}, []int{5}, func(g *engine.Graph, th *engine.Node) *engine.Node {
			d := RelaxedOneHotCategoricalLogits(g.Slice(th, 0, 3, 5), g.Reshape(g.Slice(th, 0, 0, 3), 1, 3))
			return d.LogProb(g.Constant(x, 2, 2, 3))
		})
	})
	t.Run("probs", func(t *testing.T) {
		checkLogProbGradFD(t, []float64{0.2, 0.5, 0.3}, []int{3}, func(g *engine.Graph, th *engine.Node) *engine.Node {
			return RelaxedOneHotCategorical(g.Scalar(0.8), th).LogProb(g.Constant(x, 4, 3))
		})
	})
}

// The straight-through draw is the one-hot vector of the soft draw's
// largest coordinate, and its gradient is the soft draw's.
func TestRelaxedOneHotCategoricalStraightThrough(t *testing.T) {
	g := engine.NewGraph()
	th := g.Param("logits", []float64{-0.5, 0.2, 1.5}, 3)
	hard, soft := RelaxedOneHotCategoricalLogits(g.Scalar(0.7), th).SampleStraightThrough(100)
	w := g.Constant([]float64{1, -2, 3}, 3)
	gh := g.Grad(g.Sum(g.Mul(hard, w)), th)[0]
	gs := g.Grad(g.Sum(g.Mul(soft, w)), th)[0]
	v := evalNodes(t, g, hard, soft, gh, gs)
	for r := 0; r < 100; r++ {
		h, s := v[0][3*r:3*r+3], v[1][3*r:3*r+3]
		best := 0
		for k := range s {
			if s[k] > s[best] {
				best = k
			}
		}
		for k := range h {
			if h[k] != b2f(k == best) {
				t.Fatalf("draw %d: hard %v for soft %v", r, h, s)
			}
		}
	}
	for i := range v[2] {
		if v[2][i] != v[3][i] {
			t.Errorf("gradient %d: straight-through %v, soft %v", i, v[2][i], v[3][i])
		}
	}
}

func TestRelaxedOneHotCategoricalBadParameters(t *testing.T) {
	checkBadParams(t, []badParamCase{
		{name: "temperature", family: "RelaxedOneHotCategorical", param: "temperature", value: []float64{1, -0.5},
			shape: []int{2}, x: []float64{0.5, 0.5, 0.5, 0.5},
			build: func(g *engine.Graph, bad *engine.Node) Distribution {
				return RelaxedOneHotCategoricalLogits(bad, g.Fill(0, 2))
			}},
		{name: "probs", family: "RelaxedOneHotCategorical", param: "probs", value: []float64{0.5, 0.6}, shape: []int{2},
			x: []float64{0.5, 0.5},
			build: func(g *engine.Graph, bad *engine.Node) Distribution {
				return RelaxedOneHotCategorical(g.Scalar(1), bad)
			}},
	})
}
