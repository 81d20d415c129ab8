package dist

import (
	"math"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// The fused normal density's gradients in the value, the location and the
// scale (broadcast from one scalar, as a likelihood's noise scale is) match
// finite differences.
func TestNormalLogProbGradients(t *testing.T) {
	x := []float64{0.3, -1.2, 2.5, 0.01}
	checkLogProbGradFD(t, []float64{0.4, -0.9, 2.2, -0.3}, []int{4}, func(g *engine.Graph, th *engine.Node) *engine.Node {
		return Normal(th, g.Scalar(0.7)).LogProb(g.Constant(x, 4))
	})
	checkLogProbGradFD(t, []float64{0.8}, []int{}, func(g *engine.Graph, th *engine.Node) *engine.Node {
		return Normal(g.Constant([]float64{0.4, -0.9, 2.2, -0.3}, 4), th).LogProb(g.Constant(x, 4))
	})
	checkLogProbGradFD(t, x, []int{4}, func(g *engine.Graph, th *engine.Node) *engine.Node {
		return Normal(g.Scalar(0.2), g.Constant([]float64{0.5, 1, 2, 3}, 4)).LogProb(th)
	})
}

// The second derivatives (through the score op's gradient) match the
// closed forms: ∂²/∂μ² = −1/σ², ∂²/∂σ² of −z²/2 − log σ = −3z²/σ² + 1/σ².
func TestNormalLogProbSecondDerivatives(t *testing.T) {
	g := engine.NewGraph()
	mu := g.Param("mu", []float64{0.3}, 1)
	sigma := g.Param("sigma", []float64{0.8}, 1)
	lp := g.Sum(Normal(mu, sigma).LogProb(g.Constant([]float64{1.1}, 1)))
	gr := g.Grad(lp, mu, sigma)
	h := g.Grad(g.Sum(gr[0]), mu)[0]
	hs := g.Grad(g.Sum(gr[1]), sigma)[0]
	v := evalNodes(t, g, h, hs)
	z := (1.1 - 0.3) / 0.8
	if want := -1 / (0.8 * 0.8); math.Abs(v[0][0]-want) > 1e-12 {
		t.Errorf("∂²/∂μ² = %v, want %v", v[0][0], want)
	}
	if want := (-3*z*z + 1) / (0.8 * 0.8); math.Abs(v[1][0]-want) > 1e-12 {
		t.Errorf("∂²/∂σ² = %v, want %v", v[1][0], want)
	}
}

// In a fused loop the density and its score in μ come from one pass; the
// values and gradients are, bit for bit, those of the ops run one by one.
func TestNormalLogProbPairMatchesSeparateOps(t *testing.T) {
	const n, d = 2000, 5
	xs, ys := make([]float64, n*d), make([]float64, n)
	for i := range xs {
		xs[i] = math.Cos(float64(3 * i))
	}
	for i := range ys {
		ys[i] = math.Sin(float64(i))
	}
	var res [2][][]float64
	for k, fused := range []bool{true, false} {
		g := engine.NewGraph()
		beta := g.Param("beta", []float64{0.3, -1, 2, 0.1, -0.4}, d)
		sigma := g.Param("sigma", []float64{0.6}, 1)
		lp := Normal(g.MatVec(g.Constant(xs, n, d), beta), g.Reshape(sigma)).LogProb(g.Constant(ys, n))
		loss := g.Sum(lp)
		grads := g.Grad(loss, beta, sigma)
		prog, err := g.Compile([]*engine.Node{lp, loss, grads[0], grads[1]}, engine.WithFusion(fused))
		if err != nil {
			t.Fatal(err)
		}
		if fused && !strings.Contains(prog.Describe(), "normal_score") {
			t.Fatalf("the score is not computed in the density's pass:\n%s", prog.Describe())
		}
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		for _, o := range []*engine.Node{lp, loss, grads[0], grads[1]} {
			res[k] = append(res[k], append([]float64(nil), prog.Value(o)...))
		}
	}
	for o := range res[0] {
		for i, v := range res[0][o] {
			if math.Float64bits(v) != math.Float64bits(res[1][o][i]) {
				t.Fatalf("output %d element %d: fused %v, op by op %v", o, i, v, res[1][o][i])
			}
		}
	}
}
