package dist

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// log1pUnit takes the same steps as math.Log1p on [0, 1], so it must agree
// with it bit for bit there (and fall back to it elsewhere).
func TestLog1pUnitMatchesLog1pBitForBit(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	xs := []float64{0, 1, 5e-324, 1e-300, log1pSmall, math.Nextafter(log1pSmall, 0), log1pSqrt2M1,
		math.Nextafter(log1pSqrt2M1, 0), math.Nextafter(log1pSqrt2M1, 1), math.Sqrt2 - 1, math.Nextafter(1, 0),
		-0.5, 2, math.Inf(1), math.NaN()}
	for range 200000 {
		xs = append(xs, math.Exp(-60*r.Float64()), r.Float64())
	}
	for _, x := range xs {
		if got, want := log1pUnit(x), math.Log1p(x); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("log1pUnit(%v) = %v, math.Log1p gives %v", x, got, want)
		}
	}
}

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
