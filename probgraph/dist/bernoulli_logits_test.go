package dist

import (
	"math"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// The fused Bernoulli-logits log density, its gradient and its second
// derivative in the logits agree with the same quantities built from
// log-sigmoids (the unfused formula) to a few units of round-off, across
// logits from −Inf to +Inf, and give −Inf with zero derivatives off the
// support. The value is broadcast against the logits ([2, n] against [n]),
// so the gradient also checks the sum over the broadcast axis.
func TestBernoulliLogitsFusedMatchesLogSigmoidForm(t *testing.T) {
	l := []float64{math.Inf(-1), -800, -40, -20.5, -3, -0.7, -1e-9, 0, 1e-9, 0.3, 0.88, 2.5, 19, 40, 800, math.Inf(1)}
	n := len(l)
	x := make([]float64, 2*n)
	for i := range n {
		x[i], x[n+i] = 1, 0
	}
	x[3], x[n+5] = 0.5, 2 // off the support
	w := make([]float64, 2*n)
	for i := range w {
		w[i] = 0.25 + float64(i%7)/8
	}
	type result struct{ lp, grad, hess []float64 }
	run := func(fused bool) result {
		g := engine.NewGraph()
		lg := g.Param("l", l, n)
		xv := g.Constant(x, 2, n)
		var lp *engine.Node
		if fused {
			lp = BernoulliLogits(lg).LogProb(xv)
		} else {
			lb := g.BroadcastTo(lg, 2, n)
			in := Boolean().Check(xv)
			lp = maskSupport(g, in, g.Where(xv, g.LogSigmoid(lb), g.LogSigmoid(g.Neg(lb))))
		}
		// A weighted sum keeps the rows' gradients distinct; the Hessian
		// is diagonal, so the gradient of Σ ∂/∂l is its diagonal. Terms
		// off the support are masked out of the loss (−Inf · w).
		mask := g.Constant(func() []float64 {
			m := make([]float64, 2*n)
			for i, v := range x {
				if v == 0 || v == 1 {
					m[i] = 1
				}
			}
			return m
		}(), 2, n)
		loss := g.Sum(g.Mul(g.Where(mask, lp, g.Scalar(0)), g.Constant(w, 2, n)))
		grad := g.Grad(loss, lg)[0]
		hess := g.Grad(g.Sum(grad), lg)[0]
		prog, err := g.Compile([]*engine.Node{lp, grad, hess})
		if err != nil {
			t.Fatal(err)
		}
		if err := prog.Replay(); err != nil {
			t.Fatal(err)
		}
		c := func(v *engine.Node) []float64 { return append([]float64(nil), prog.Value(v)...) }
		return result{c(lp), c(grad), c(hess)}
	}
	got, want := run(true), run(false)
	// Both sides are a few correctly rounded steps from the exact value.
	close := func(a, b float64) bool {
		if a == b || (math.IsNaN(a) && math.IsNaN(b)) {
			return true
		}
		return math.Abs(a-b) <= 8*0x1p-52*math.Max(math.Abs(a), math.Abs(b))
	}
	for i := range got.lp {
		if !close(got.lp[i], want.lp[i]) {
			t.Errorf("log density at x = %v, l = %v: fused %v, log-sigmoid form %v", x[i], l[i%n], got.lp[i], want.lp[i])
		}
	}
	if !math.IsInf(got.lp[3], -1) || !math.IsInf(got.lp[n+5], -1) {
		t.Errorf("off the support: log densities %v and %v, want −Inf", got.lp[3], got.lp[n+5])
	}
	for i := range n {
		if !close(got.grad[i], want.grad[i]) {
			t.Errorf("gradient at l = %v: fused %v, log-sigmoid form %v", l[i], got.grad[i], want.grad[i])
		}
		// −Σ_rows w·σ(l)σ(−l) over the rows on the support.
		sig := 1 / (1 + math.Exp(-l[i]))
		h := 0.0
		for r := range 2 {
			if v := x[r*n+i]; v == 0 || v == 1 {
				h -= w[r*n+i] * sig * (1 - sig)
			}
		}
		if math.Abs(got.hess[i]-h) > 1e-15+1e-13*math.Abs(h) {
			t.Errorf("second derivative at l = %v: fused %v, want %v", l[i], got.hess[i], h)
		}
	}
}

// In a fused loop the density and the score come from one pass that shares
// their exponentials; the values are the same, bit for bit, as those of the
// two ops run one by one.
func TestBernoulliLogitsPairMatchesSeparateOps(t *testing.T) {
	const n, d = 2000, 7 // one chunk: sums are added in the same order
	x := make([]float64, n*d)
	y := make([]float64, n)
	for i := range x {
		x[i] = math.Sin(float64(i)) * 3
	}
	for i := range y {
		y[i] = float64(i % 2)
	}
	y[17] = 0.5 // off the support
	var results [2][][]float64
	for k, fused := range []bool{true, false} {
		g := engine.NewGraph()
		beta := g.Param("beta", []float64{0.3, -1, 2, 0.1, -0.4, 5, -7}, d)
		lp := BernoulliLogits(g.MatVec(g.Constant(x, n, d), beta)).LogProb(g.Constant(y, n))
		mask := g.Where(g.Greater(lp, g.Scalar(math.Inf(-1))), lp, g.Scalar(0))
		loss := g.Sum(mask)
		grad := g.Grad(loss, beta)[0]
		p, err := g.Compile([]*engine.Node{lp, loss, grad}, engine.WithFusion(fused))
		if err != nil {
			t.Fatal(err)
		}
		if fused && !strings.Contains(p.Describe(), "bernoulli_logits_score") {
			t.Fatalf("the score is not computed in the density's pass:\n%s", p.Describe())
		}
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		for _, o := range []*engine.Node{lp, loss, grad} {
			results[k] = append(results[k], append([]float64(nil), p.Value(o)...))
		}
	}
	for o := range results[0] {
		for i, v := range results[0][o] {
			if math.Float64bits(v) != math.Float64bits(results[1][o][i]) {
				t.Fatalf("output %d element %d: fused %v, op by op %v", o, i, v, results[1][o][i])
			}
		}
	}
}
