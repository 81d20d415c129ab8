package dist

import (
	"errors"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["Categorical"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		if l, ok := p["logits"]; ok {
			return CategoricalLogits(l)
		}
		return Categorical(p["probs"])
	}
}

// oneHotOf maps category draws to their indicator vectors over k categories.
func oneHotOf(k int) func(g *engine.Graph, x *engine.Node) *engine.Node {
	return func(g *engine.Graph, x *engine.Node) *engine.Node {
		return g.Equal(g.Unsqueeze(x, -1), indexConst(g, k, k))
	}
}

// The indicator of each category has mean p and variance p(1 − p).
func TestCategoricalSampleMoments(t *testing.T) {
	p := []float64{0.1, 0.6, 0.3, 0.25, 0.25, 0.5}
	variance := make([]float64, len(p))
	for i, x := range p {
		variance[i] = x * (1 - x)
	}
	checkMoments(t, func(g *engine.Graph) Distribution {
		return mappedSamples{Categorical(g.Constant(p, 2, 3)), oneHotOf(3)}
	}, p, variance)
}

func TestCategoricalLogitsSampleMoments(t *testing.T) {
	l := []float64{0.3, -1, 2, 0}
	z := 0.0
	for _, x := range l {
		z += math.Exp(x)
	}
	var mean, variance []float64
	for _, x := range l {
		p := math.Exp(x) / z
		mean, variance = append(mean, p), append(variance, p*(1-p))
	}
	checkMoments(t, func(g *engine.Graph) Distribution {
		return mappedSamples{CategoricalLogits(g.Constant(l, 4)), oneHotOf(4)}
	}, mean, variance)
}

// Categories of probability 0, leading, inner or trailing, are never drawn.
func TestCategoricalSampleSkipsZeroProbabilities(t *testing.T) {
	v, _ := drawSamples(t, 20000, 3, func(g *engine.Graph) Distribution {
		return Categorical(g.Constant([]float64{0, 0.5, 0, 0.5, 0}, 5))
	})
	for _, x := range v {
		if x != 1 && x != 3 {
			t.Fatalf("drew category %v", x)
		}
	}
}

// The log-prob's gradient in probs (renormalized, so the simplex check
// tolerates the 1e-6 steps) and in logits matches central differences.
func TestCategoricalLogProbGradient(t *testing.T) {
	x := []float64{0, 2, 1, 1, 3, 0}
	t.Run("probs", func(t *testing.T) {
		checkLogProbGradFD(t, []float64{0.1, 0.2, 0.3, 0.4, 0.25, 0.25, 0.4, 0.1}, []int{2, 4},
			func(g *engine.Graph, th *engine.Node) *engine.Node {
				return Categorical(th).LogProb(g.Constant(x, 3, 2))
			})
	})
	t.Run("logits", func(t *testing.T) {
		checkLogProbGradFD(t, []float64{0.5, -1, 2, 0, 0.3, 0.3, -0.7, 1.1}, []int{2, 4},
			func(g *engine.Graph, th *engine.Node) *engine.Node {
				return CategoricalLogits(th).LogProb(g.Constant(x, 3, 2))
			})
	})
	t.Run("entropy", func(t *testing.T) {
		checkLogProbGradFD(t, []float64{0.5, -1, 2, 0}, []int{4},
			func(g *engine.Graph, th *engine.Node) *engine.Node { return CategoricalLogits(th).Entropy() })
	})
}

func TestCategoricalLogProbOutsideSupportIsMinusInf(t *testing.T) {
	g := engine.NewGraph()
	d := Categorical(g.Constant([]float64{0.2, 0.3, 0.5}, 3))
	lp := d.LogProb(g.Constant([]float64{-1, 3, 1.5, math.NaN(), 2}, 5))
	v := evalNodes(t, g, lp)[0]
	for i := 0; i < 4; i++ {
		if !math.IsInf(v[i], -1) {
			t.Errorf("value %d: log_prob %v, want -Inf", i, v[i])
		}
	}
	if v[4] != math.Log(0.5) {
		t.Errorf("log_prob(2) = %v, want log 0.5", v[4])
	}
}

func TestCategoricalKLZeroProbabilities(t *testing.T) {
	g := engine.NewGraph()
	p := Categorical(g.Constant([]float64{0.5, 0.5, 0, 0, 0.5, 0.5}, 2, 3))
	q := Categorical(g.Constant([]float64{0.5, 0.25, 0.25, 0.5, 0, 0.5}, 2, 3))
	v := evalNodes(t, g, KL(p, q))[0]
	if want := 0.5 * math.Log(2); math.Abs(v[0]-want) > 1e-15 || !math.IsInf(v[1], 1) {
		t.Errorf("KL = %v, want [%v +Inf]", v, want)
	}
}

func TestCategoricalKLCategoryMismatch(t *testing.T) {
	g := engine.NewGraph()
	KL(CategoricalLogits(g.Fill(0, 3)), CategoricalLogits(g.Fill(0, 4)))
	if err := g.Err(); !errors.Is(err, ErrShape) {
		t.Errorf("error %v, want ErrShape", err)
	}
}

func TestCategoricalBadParameters(t *testing.T) {
	build := func(g *engine.Graph, bad *engine.Node) Distribution { return Categorical(bad) }
	checkBadParams(t, []badParamCase{
		{name: "row sum", family: "Categorical", param: "probs", value: []float64{0.2, 0.8, 0.3, 0.3}, shape: []int{2, 2},
			x: []float64{0, 1}, build: build},
		{name: "negative", family: "Categorical", param: "probs", value: []float64{-0.5, 1.5}, shape: []int{2},
			x: []float64{0}, build: build},
	})
}

// A batched constant on the simplex row by row is accepted.
func TestCategoricalBatchedConstantProbs(t *testing.T) {
	g := engine.NewGraph()
	Categorical(g.Constant([]float64{0.2, 0.8, 0.7, 0.3, 1, 0}, 3, 2))
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
}
