package dist

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["Bernoulli"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		if l, ok := p["logits"]; ok {
			return BernoulliLogits(l)
		}
		return Bernoulli(p["probs"])
	}
}

func TestBernoulliSampleMoments(t *testing.T) {
	p := []float64{0.02, 0.5, 0.93}
	checkMoments(t, func(g *engine.Graph) Distribution {
		return Bernoulli(g.Constant(p, 3))
	}, p, []float64{0.02 * 0.98, 0.25, 0.93 * 0.07})
}

func TestBernoulliLogitsSampleMoments(t *testing.T) {
	l := []float64{-1.5, 0.4}
	var mean, variance []float64
	for _, x := range l {
		p := 1 / (1 + math.Exp(-x))
		mean, variance = append(mean, p), append(variance, p*(1-p))
	}
	checkMoments(t, func(g *engine.Graph) Distribution {
		return BernoulliLogits(g.Constant(l, 2))
	}, mean, variance)
}

// The log-prob's gradient in probs and in logits matches central differences.
func TestBernoulliLogProbGradient(t *testing.T) {
	x := []float64{1, 0, 1, 1, 0, 0}
	t.Run("probs", func(t *testing.T) {
		checkLogProbGradFD(t, []float64{0.2, 0.55, 0.9}, []int{3}, func(g *engine.Graph, th *engine.Node) *engine.Node {
			return Bernoulli(th).LogProb(g.Constant(x, 2, 3))
		})
	})
	t.Run("logits", func(t *testing.T) {
		checkLogProbGradFD(t, []float64{-2, 0.3, 4}, []int{3}, func(g *engine.Graph, th *engine.Node) *engine.Node {
			return BernoulliLogits(th).LogProb(g.Constant(x, 2, 3))
		})
	})
}

func TestBernoulliLogProbOutsideSupportIsMinusInf(t *testing.T) {
	g := engine.NewGraph()
	d := Bernoulli(g.Scalar(0.3))
	x := g.Constant([]float64{-1, 0.5, 2, math.NaN(), 0, 1}, 6)
	lp := d.LogProb(x)
	grad := g.Grad(g.Sum(g.Where(g.Equal(lp, g.Scalar(math.Inf(-1))), g.Scalar(0), lp)), x)[0]
	v := evalNodes(t, g, lp, grad)
	for i := 0; i < 4; i++ {
		if !math.IsInf(v[0][i], -1) {
			t.Errorf("log_prob(%v) = %v, want -Inf", []float64{-1, 0.5, 2, math.NaN()}[i], v[0][i])
		}
	}
	if math.Abs(v[0][4]-math.Log(0.7)) > 1e-15 || math.Abs(v[0][5]-math.Log(0.3)) > 1e-15 {
		t.Errorf("log_prob(0), log_prob(1) = %v, %v", v[0][4], v[0][5])
	}
	for i, gv := range v[1] {
		if math.IsNaN(gv) {
			t.Errorf("gradient %d is NaN", i)
		}
	}
}

// Probabilities of exactly 0 and 1 give finite log-masses where the value is
// possible and a KL that follows 0·log 0 = 0.
func TestBernoulliDegenerateProbs(t *testing.T) {
	g := engine.NewGraph()
	p := Bernoulli(g.Constant([]float64{0, 1, 0, 0.5}, 4))
	q := Bernoulli(g.Constant([]float64{0.5, 0.5, 0, 0}, 4))
	lp := p.LogProb(g.Constant([]float64{0, 1, 0, 1}, 4))
	v := evalNodes(t, g, lp, KL(p, q), p.Entropy())
	wantLP := []float64{0, 0, 0, math.Log(0.5)}
	wantKL := []float64{math.Log(2), math.Log(2), 0, math.Inf(1)}
	wantH := []float64{0, 0, 0, math.Log(2)}
	for i := range wantLP {
		if v[0][i] != wantLP[i] || v[1][i] != wantKL[i] || v[2][i] != wantH[i] {
			t.Errorf("member %d: log_prob %v KL %v entropy %v, want %v %v %v",
				i, v[0][i], v[1][i], v[2][i], wantLP[i], wantKL[i], wantH[i])
		}
	}
}

func TestBernoulliBadParameters(t *testing.T) {
	checkBadParams(t, []badParamCase{
		{name: "above one", family: "Bernoulli", param: "probs", value: []float64{0.5, 1.5}, shape: []int{2},
			x:     []float64{0, 1},
			build: func(g *engine.Graph, bad *engine.Node) Distribution { return Bernoulli(bad) }},
		{name: "negative", family: "Bernoulli", param: "probs", value: []float64{-0.1}, shape: nil,
			x:     []float64{1},
			build: func(g *engine.Graph, bad *engine.Node) Distribution { return Bernoulli(bad) }},
	})
}
