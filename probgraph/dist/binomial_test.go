package dist

import (
	"errors"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["Binomial"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		if l, ok := p["logits"]; ok {
			return BinomialLogits(p["total_count"], l)
		}
		return Binomial(p["total_count"], p["probs"])
	}
}

func binomialPMF(n, p float64) func(k int) float64 {
	return func(k int) float64 {
		x := float64(k)
		if x > n {
			return 0
		}
		return math.Exp(logGammaFn(n+1) - logGammaFn(x+1) - logGammaFn(n-x+1) + x*math.Log(p) + (n-x)*math.Log1p(-p))
	}
}

// Members on both sides of the switch from inversion (n·min(p, 1−p) < 10) to
// BTRS, with p on both sides of ½, and a degenerate member of each kind.
func TestBinomialSampleMoments(t *testing.T) {
	n := []float64{10, 30, 40, 1000, 2e6, 0, 7, 12}
	p := []float64{0.3, 0.9, 0.5, 0.02, 0.7, 0.4, 0, 1}
	var mean, variance []float64
	for i := range n {
		mean, variance = append(mean, n[i]*p[i]), append(variance, n[i]*p[i]*(1-p[i]))
	}
	checkMoments(t, func(g *engine.Graph) Distribution {
		return Binomial(g.Constant(n, len(n)), g.Constant(p, len(p)))
	}, mean, variance)
}

// The sampler is exact: every frequency matches the mass function, in the
// inversion regime (p < ½ and p > ½) and in the BTRS regime.
func TestBinomialSampleFrequencies(t *testing.T) {
	for _, c := range []struct {
		name string
		n, p float64
	}{{"inversion", 20, 0.2}, {"inversion flipped", 15, 0.85}, {"btrs", 60, 0.4}, {"btrs flipped", 200, 0.93}} {
		t.Run(c.name, func(t *testing.T) {
			checkFrequencies(t, func(g *engine.Graph) Distribution {
				return Binomial(g.Scalar(c.n), g.Scalar(c.p))
			}, binomialPMF(c.n, c.p), int(c.n))
		})
	}
}

func TestBinomialLogitsSampleMoments(t *testing.T) {
	p := 1 / (1 + math.Exp(-0.8))
	checkMoments(t, func(g *engine.Graph) Distribution {
		return BinomialLogits(g.Scalar(25), g.Scalar(0.8))
	}, []float64{25 * p}, []float64{25 * p * (1 - p)})
}

// The log-prob's gradient in probs, logits and total count matches central
// differences.
func TestBinomialLogProbGradient(t *testing.T) {
	x := []float64{0, 3, 7, 2, 9, 1}
	t.Run("probs", func(t *testing.T) {
		checkLogProbGradFD(t, []float64{0.1, 0.5, 0.8}, []int{3}, func(g *engine.Graph, th *engine.Node) *engine.Node {
			return Binomial(g.Scalar(9), th).LogProb(g.Constant(x, 2, 3))
		})
	})
	t.Run("logits", func(t *testing.T) {
		checkLogProbGradFD(t, []float64{-2, 0.3, 1.5}, []int{3}, func(g *engine.Graph, th *engine.Node) *engine.Node {
			return BinomialLogits(g.Scalar(9), th).LogProb(g.Constant(x, 2, 3))
		})
	})
}

func TestBinomialLogProbOutsideSupportIsMinusInf(t *testing.T) {
	g := engine.NewGraph()
	d := Binomial(g.Constant([]float64{3, 5}, 2), g.Scalar(0.5))
	lp := d.LogProb(g.Constant([]float64{4, -1, 2.5, 5, 3, 0}, 3, 2))
	v := evalNodes(t, g, lp)[0]
	for i, want := range []float64{math.Inf(-1), math.Inf(-1), math.Inf(-1), 5 * math.Log(0.5), 3 * math.Log(0.5)} {
		if math.Abs(v[i]-want) > 1e-15 && v[i] != want {
			t.Errorf("element %d: %v, want %v", i, v[i], want)
		}
	}
}

// Enumeration and entropy need the total count as a constant: a parameter,
// or for enumeration a constant with several values, is ErrNotSupported.
func TestBinomialEnumerationNeedsConstantCount(t *testing.T) {
	g := engine.NewGraph()
	Binomial(g.Param("n", []float64{4}), g.Scalar(0.3)).EnumerateSupport(false)
	if err := g.Err(); !errors.Is(err, ErrNotSupported) {
		t.Errorf("parameter count: %v, want ErrNotSupported", err)
	}
	Binomial(g.Constant([]float64{4, 5}, 2), g.Scalar(0.3)).EnumerateSupport(false)
	if err := g.Err(); !errors.Is(err, ErrNotSupported) {
		t.Errorf("two counts: %v, want ErrNotSupported", err)
	}
	Binomial(g.Param("n", []float64{4}), g.Scalar(0.3)).Entropy()
	if err := g.Err(); !errors.Is(err, ErrNotSupported) {
		t.Errorf("entropy with a parameter count: %v, want ErrNotSupported", err)
	}
	s := Binomial(g.Scalar(4), g.Fill(0.3, 2, 3)).EnumerateSupport(true)
	v := evalNodes(t, g, s)[0]
	if !s.Shape().Equal(engine.Shape{5, 2, 3}) || v[6] != 1 || v[29] != 4 {
		t.Errorf("support %v %v", s.Shape(), v)
	}
}

func TestBinomialBadParameters(t *testing.T) {
	checkBadParams(t, []badParamCase{
		{name: "fractional count", family: "Binomial", param: "total_count", value: []float64{2.5}, x: []float64{1},
			build: func(g *engine.Graph, bad *engine.Node) Distribution { return Binomial(bad, g.Scalar(0.4)) }},
		{name: "negative count", family: "Binomial", param: "total_count", value: []float64{3, -1}, shape: []int{2},
			x:     []float64{1, 0},
			build: func(g *engine.Graph, bad *engine.Node) Distribution { return BinomialLogits(bad, g.Scalar(0)) }},
		{name: "probs", family: "Binomial", param: "probs", value: []float64{1.2}, x: []float64{1},
			build: func(g *engine.Graph, bad *engine.Node) Distribution { return Binomial(g.Scalar(3), bad) }},
	})
}

// Drawing allocates nothing once compiled, in either sampler regime.
func TestDiscreteSamplersDoNotAllocate(t *testing.T) {
	g := engine.NewGraph()
	b := Binomial(g.Constant([]float64{5, 500}, 2), g.Scalar(0.3)).Sample(50)
	p := Poisson(g.Constant([]float64{2, 200}, 2)).Sample(50)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	prog, err := g.Compile([]*engine.Node{b, p})
	if err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(20, func() {
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("%v allocations per run", a)
	}
}
