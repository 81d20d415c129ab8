package dist

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["RelaxedBernoulli"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		if l, ok := p["logits"]; ok {
			return RelaxedBernoulliLogits(p["temperature"], l)
		}
		return RelaxedBernoulli(p["temperature"], p["probs"])
	}
}

// Mean and variance of the draws against quadrature values (E[x] and Var[x]
// have no closed form).
func TestRelaxedBernoulliSampleMoments(t *testing.T) {
	e := loadDiscreteExpectations(t)
	var temp, logit, mean, variance []float64
	for _, c := range e.RelaxedBernoulli {
		temp, logit = append(temp, c.Temperature), append(logit, c.Logit)
		mean, variance = append(mean, c.Mean), append(variance, c.Variance)
	}
	checkMoments(t, func(g *engine.Graph) Distribution {
		return RelaxedBernoulliLogits(g.Constant(temp, len(temp)), g.Constant(logit, len(logit)))
	}, mean, variance)
}

// The pathwise gradient of E[x] in (logit, temperature) against the
// derivative of the quadrature value, and in (probs, temperature) through the
// chain rule dE/dp = dE/dlogit / (p(1 − p)).
func TestRelaxedBernoulliReparamGradient(t *testing.T) {
	e := loadDiscreteExpectations(t)
	identity := func(g *engine.Graph, x *engine.Node) *engine.Node { return x }
	for _, c := range e.RelaxedBernoulli {
		c := c
		checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
			th := g.Param("theta", []float64{c.Logit, c.Temperature}, 2)
			return th, RelaxedBernoulliLogits(g.Reshape(g.Slice(th, 0, 1, 2)), g.Reshape(g.Slice(th, 0, 0, 1)))
		}, identity, c.GradMean)
	}
	c := e.RelaxedBernoulli[0]
	p := 1 / (1 + math.Exp(-c.Logit))
	checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
		th := g.Param("theta", []float64{p, c.Temperature}, 2)
		return th, RelaxedBernoulli(g.Reshape(g.Slice(th, 0, 1, 2)), g.Reshape(g.Slice(th, 0, 0, 1)))
	}, identity, []float64{c.GradMean[0] / (p * (1 - p)), c.GradMean[1]})
}

func TestRelaxedBernoulliLogProbGradient(t *testing.T) {
	x := []float64{0.1, 0.7, 0.999, 0.5, 0.02, 0.4}
	checkLogProbGradFD(t, []float64{0.6, -0.4, 1.3, 0.8}, []int{4}, func(g *engine.Graph, th *engine.Node) *engine.Node {
		return RelaxedBernoulliLogits(g.Slice(th, 0, 3, 4), g.Slice(th, 0, 0, 3)).LogProb(g.Constant(x, 2, 3))
	})
}

// The straight-through draw is the rounded soft draw, and its gradient is
// the soft draw's.
func TestRelaxedBernoulliStraightThrough(t *testing.T) {
	g := engine.NewGraph()
	th := g.Param("logits", []float64{-0.5, 0.2, 1.5}, 3)
	hard, soft := RelaxedBernoulliLogits(g.Scalar(0.7), th).SampleStraightThrough(200)
	w := g.Constant([]float64{1, -2, 3}, 3)
	gh := g.Grad(g.Sum(g.Mul(hard, w)), th)[0]
	gs := g.Grad(g.Sum(g.Mul(soft, w)), th)[0]
	v := evalNodes(t, g, hard, soft, gh, gs)
	for i := range v[0] {
		if want := b2f(v[1][i] > 0.5); v[0][i] != want {
			t.Fatalf("draw %d: hard %v for soft %v", i, v[0][i], v[1][i])
		}
	}
	for i := range v[2] {
		if v[2][i] != v[3][i] {
			t.Errorf("gradient %d: straight-through %v, soft %v", i, v[2][i], v[3][i])
		}
	}
}

func TestRelaxedBernoulliBadParameters(t *testing.T) {
	checkBadParams(t, []badParamCase{
		{name: "temperature", family: "RelaxedBernoulli", param: "temperature", value: []float64{0}, x: []float64{0.5},
			build: func(g *engine.Graph, bad *engine.Node) Distribution { return RelaxedBernoulli(bad, g.Scalar(0.3)) }},
		{name: "probs", family: "RelaxedBernoulli", param: "probs", value: []float64{0.3, 1.01}, shape: []int{2},
			x:     []float64{0.5, 0.5},
			build: func(g *engine.Graph, bad *engine.Node) Distribution { return RelaxedBernoulli(g.Scalar(1), bad) }},
	})
}
