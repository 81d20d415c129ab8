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

// Under a log link the density is computed from η: the same values as from
// the rate where e^η is representable, −Inf rather than an error where it
// overflows, and in a fused loop the same bits as op by op.
func TestPoissonLogLinkDensity(t *testing.T) {
	eta := []float64{-3, 0.2, 2.5}
	x := []float64{0, 4, 11}
	g := engine.NewGraph()
	e := g.Constant(eta, 3)
	viaLink := Poisson(g.Exp(e)).LogProb(g.Constant(x, 3))
	viaRate := Poisson(g.Scale(g.Exp(e), 1)).LogProb(g.Constant(x, 3))
	v := evalNodes(t, g, viaLink, viaRate)
	for i := range eta {
		if math.Abs(v[0][i]-v[1][i]) > 1e-13*(1+math.Abs(v[1][i])) {
			t.Errorf("η = %v, x = %v: log link %v, rate %v", eta[i], x[i], v[0][i], v[1][i])
		}
	}
	g = engine.NewGraph()
	if v := evalNodes(t, g, Poisson(g.Exp(g.Scalar(800))).LogProb(g.Scalar(2)))[0][0]; !math.IsInf(v, -1) {
		t.Errorf("η = 800: log link gives %v, want −Inf", v)
	}

	const n = 3000
	etas, xs := make([]float64, n), make([]float64, n)
	for i := range etas {
		etas[i] = 3 * math.Sin(float64(i))
		xs[i] = float64(i % 7)
	}
	xs[5] = -1 // off the support
	var res [2][][]float64
	for k, fused := range []bool{true, false} {
		g := engine.NewGraph()
		p := g.Param("eta", etas, n)
		lp := Poisson(g.Exp(p)).LogProb(g.Constant(xs, n))
		loss := g.Sum(g.Where(g.Greater(lp, g.Scalar(math.Inf(-1))), lp, g.Scalar(0)))
		grad := g.Grad(loss, p)[0]
		prog, err := g.Compile([]*engine.Node{lp, grad}, engine.WithFusion(fused))
		if err != nil {
			t.Fatal(err)
		}
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		res[k] = [][]float64{append([]float64(nil), prog.Value(lp)...), append([]float64(nil), prog.Value(grad)...)}
	}
	for o := range res[0] {
		for i, v := range res[0][o] {
			if math.Float64bits(v) != math.Float64bits(res[1][o][i]) {
				t.Fatalf("output %d element %d: fused %v, op by op %v", o, i, v, res[1][o][i])
			}
		}
	}
	if got, want := res[0][1][6], float64(6%7)-math.Exp(etas[6]); math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
		t.Errorf("score at 6: %v, want k − e^η = %v", got, want)
	}
}
