package dist

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["OneHotCategorical"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		if l, ok := p["logits"]; ok {
			return OneHotCategoricalLogits(l)
		}
		return OneHotCategorical(p["probs"])
	}
}

func TestOneHotCategoricalSampleMoments(t *testing.T) {
	p := []float64{0.05, 0.15, 0.8, 1.0 / 3, 1.0 / 3, 1.0 / 3}
	variance := make([]float64, len(p))
	for i, x := range p {
		variance[i] = x * (1 - x)
	}
	checkMoments(t, func(g *engine.Graph) Distribution {
		return OneHotCategorical(g.Constant(p, 2, 3))
	}, p, variance)
}

// A one-hot vector scores as its index does under Categorical, and the
// gradient in the logits matches central differences.
func TestOneHotCategoricalMatchesCategorical(t *testing.T) {
	g := engine.NewGraph()
	logits := g.Constant([]float64{0.3, -2, 1, 0.5, 0.5, 4}, 2, 3)
	idx := []float64{2, 0, 1, 1}
	oh := make([]float64, 0, 12)
	for _, k := range idx {
		row := make([]float64, 3)
		row[int(k)] = 1
		oh = append(oh, row...)
	}
	a := OneHotCategoricalLogits(logits).LogProb(g.Constant(oh, 2, 2, 3))
	b := CategoricalLogits(logits).LogProb(g.Constant(idx, 2, 2))
	v := evalNodes(t, g, a, b)
	for i := range v[0] {
		if v[0][i] != v[1][i] {
			t.Errorf("element %d: one-hot %v, index %v", i, v[0][i], v[1][i])
		}
	}
	checkLogProbGradFD(t, []float64{0.3, -2, 1, 0.5, 0.5, 4}, []int{2, 3}, func(g *engine.Graph, th *engine.Node) *engine.Node {
		return OneHotCategoricalLogits(th).LogProb(g.Constant(oh, 2, 2, 3))
	})
}

func TestOneHotCategoricalLogProbOutsideSupportIsMinusInf(t *testing.T) {
	g := engine.NewGraph()
	d := OneHotCategorical(g.Constant([]float64{0.2, 0.3, 0.5}, 3))
	x := g.Constant([]float64{1, 1, 0, 0, 0, 0, 0.5, 0.5, 0, 0, 0, 2, 0, 1, 0}, 5, 3)
	v := evalNodes(t, g, d.LogProb(x))[0]
	for i := 0; i < 4; i++ {
		if !math.IsInf(v[i], -1) {
			t.Errorf("row %d: log_prob %v, want -Inf", i, v[i])
		}
	}
	if v[4] != math.Log(0.3) {
		t.Errorf("log_prob(e1) = %v, want log 0.3", v[4])
	}
}

func TestOneHotCategoricalBadParameters(t *testing.T) {
	checkBadParams(t, []badParamCase{
		{name: "row sum", family: "OneHotCategorical", param: "probs", value: []float64{0.2, 0.2}, shape: []int{2},
			x:     []float64{1, 0},
			build: func(g *engine.Graph, bad *engine.Node) Distribution { return OneHotCategorical(bad) }},
	})
}
