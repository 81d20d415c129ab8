package engine

import (
	"math"
	"math/rand/v2"
	"testing"
)

// negative draws from (−3, −0.05): the domain of log1mexp, away from its pole
// at 0.
func negative(r *rand.Rand, _ int, v []float64) {
	for i := range v {
		v[i] = -0.05 - 2.95*r.Float64()
	}
}

// tails draws from (−30, 8): both tails of the normal distribution function,
// including the asymptotic branch of LogNdtr below −20.
func tails(r *rand.Rand, _ int, v []float64) {
	for i := range v {
		v[i] = -30 + 38*r.Float64()
	}
}

// secondOrder wraps a unary op so the harness checks the derivative of its
// gradient: build returns d/dx Σ f(x).
func secondOrder(f func(g *Graph, x *Node) *Node) func(g *Graph, x *Node) *Node {
	return func(g *Graph, x *Node) *Node { return g.Grad(g.Sum(f(g, x)), x)[0] }
}

func TestGradSpecial(t *testing.T) {
	var cs []gradCase
	unary := func(op string, f func(g *Graph, x *Node) *Node, init func(*rand.Rand, int, []float64)) {
		cs = append(cs, unaryCases(op, f, init)...)
	}
	unary("log1mexp", (*Graph).Log1mExp, negative)
	unary("ndtr", (*Graph).Ndtr, nil)
	unary("ndtr_tails", (*Graph).Ndtr, tails)
	unary("log_ndtr", (*Graph).LogNdtr, nil)
	unary("log_ndtr_tails", (*Graph).LogNdtr, tails)
	unary("log1mexp_grad", secondOrder((*Graph).Log1mExp), negative)
	unary("log_ndtr_grad", secondOrder((*Graph).LogNdtr), tails)
	unary("polygamma3", func(g *Graph, x *Node) *Node { return g.Polygamma(3, x) }, positive)
	cs = append(cs, binaryCases("xlogy", (*Graph).Xlogy, func(r *rand.Rand, i int, v []float64) {
		if i == 0 {
			for j := range v {
				v[j] = r.NormFloat64()
			}
			return
		}
		positive(r, i, v)
	})...)
	cs = append(cs, binaryCases("logaddexp", (*Graph).LogAddExp, nil)...)
	cs = append(cs, binaryCases("lbeta", (*Graph).Lbeta, positive)...)
	// large arguments take Lbeta's Stirling branches
	cs = append(cs, binaryCases("lbeta_large", (*Graph).Lbeta, func(r *rand.Rand, i int, v []float64) {
		for j := range v {
			v[j] = math.Exp(1 + 4*r.Float64()) // (2.7, 148)
		}
	})...)
	for _, c := range []struct {
		op string
		f  func(g *Graph, a, b *Node) *Node
	}{{"logaddexp_grad", (*Graph).LogAddExp}, {"lbeta_grad", (*Graph).Lbeta}, {"xlogy_grad", (*Graph).Xlogy}} {
		cs = append(cs, gradCase{op: c.op, name: "[3 1]x[4]", shapes: []Shape{{3, 1}, {4}}, init: positive,
			build: func(g *Graph, x []*Node) *Node {
				return g.Grad(g.Sum(g.Square(c.f(g, x[0], x[1]))), x[0])[0]
			}})
	}
	runGradCases(t, cs)
}

// TestXlogyAtZero checks the conventions where x == 0: value 0 (even for
// y = 0 or +Inf) and both partial derivatives 0.
func TestXlogyAtZero(t *testing.T) {
	g := NewGraph()
	x := g.Param("x", []float64{0, 0, 0, 2}, 4)
	y := g.Param("y", []float64{0, 1, math.Inf(1), 0.5}, 4)
	out := g.Xlogy(x, y)
	grads := g.Grad(g.Sum(out), x, y)
	prog, err := g.Compile(append([]*Node{out}, grads...))
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	want := [][]float64{
		{0, 0, 0, 2 * math.Log(0.5)},
		{0, 0, 0, math.Log(0.5)},
		{0, 0, 0, 4},
	}
	for i, n := range append([]*Node{out}, grads...) {
		for j, v := range prog.Value(n) {
			if v != want[i][j] {
				t.Errorf("output %d element %d: got %v, want %v", i, j, v, want[i][j])
			}
		}
	}
}

// TestSpecialPoles checks the values at poles, zeros of both signs and
// infinities, which follow SciPy.
func TestSpecialPoles(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	negZero := math.Copysign(0, -1)
	for _, c := range []struct {
		name string
		got  float64
		want float64
	}{
		{"Digamma(+0)", Digamma(0), -inf},
		{"Digamma(-0)", Digamma(negZero), inf},
		{"Digamma(-3)", Digamma(-3), nan},
		{"Digamma(-Inf)", Digamma(-inf), nan},
		{"Digamma(+Inf)", Digamma(inf), inf},
		{"Digamma(NaN)", Digamma(nan), nan},
		{"Polygamma(1, 0)", Polygamma(1, 0), inf},
		{"Polygamma(2, 0)", Polygamma(2, 0), -inf},
		{"Polygamma(2, -0)", Polygamma(2, negZero), -inf},
		{"Polygamma(3, -7)", Polygamma(3, -7), inf},
		{"Polygamma(4, -7)", Polygamma(4, -7), -inf},
		{"Polygamma(1, -Inf)", Polygamma(1, -inf), inf},
		{"Polygamma(1, +Inf)", Polygamma(1, inf), 0},
		{"Polygamma(2, +Inf)", Polygamma(2, inf), 0},
		{"Polygamma(-1, 2)", Polygamma(-1, 2), nan},
		{"Polygamma(2, NaN)", Polygamma(2, nan), nan},
		{"Lbeta(0, 1)", Lbeta(0, 1), inf},
		{"Lbeta(Inf, 2)", Lbeta(inf, 2), -inf},
		{"Lbeta(NaN, 2)", Lbeta(nan, 2), nan},
		{"Log1mExp(0)", Log1mExp(0), -inf},
		{"Log1mExp(1)", Log1mExp(1), nan},
		{"Log1mExp(-Inf)", Log1mExp(-inf), 0},
		{"Ndtr(-Inf)", Ndtr(-inf), 0},
		{"Ndtr(+Inf)", Ndtr(inf), 1},
		{"LogNdtr(-Inf)", LogNdtr(-inf), -inf},
		{"LogNdtr(+Inf)", LogNdtr(inf), 0},
		{"LogNdtr(NaN)", LogNdtr(nan), nan},
		{"LogAddExp(-Inf, -Inf)", LogAddExp(-inf, -inf), -inf},
		{"LogAddExp(+Inf, -Inf)", LogAddExp(inf, -inf), inf},
		{"LogAddExp(NaN, 1)", LogAddExp(nan, 1), nan},
		{"Xlogy(0, NaN)", Xlogy(0, nan), nan},
	} {
		ok := c.got == c.want || (math.IsNaN(c.want) && math.IsNaN(c.got))
		if !ok {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// the sign of a zero result: (−1)ⁿ⁺¹·0
	if math.Signbit(Polygamma(1, inf)) || !math.Signbit(Polygamma(2, inf)) {
		t.Errorf("Polygamma(n, +Inf): signs of zero %v, %v", Polygamma(1, inf), Polygamma(2, inf))
	}
}

// TestPolygammaHighOrder checks orders beyond the reference file (the
// Hurwitz-zeta tail at larger s, and the shift recurrence used above
// maxReflect for negative x) against the recurrence
// ψ⁽ⁿ⁾(x+1) = ψ⁽ⁿ⁾(x) + (−1)ⁿ n!/xⁿ⁺¹, which ties independent evaluations.
func TestPolygammaHighOrder(t *testing.T) {
	for _, n := range []int{5, 8, 15, 30, 41, 45} {
		for _, x := range []float64{0.3, 1.7, 12.5, -0.3, -2.7} {
			lhs := Polygamma(n, x+1)
			sign := 1.0
			if n%2 == 1 {
				sign = -1
			}
			rhs := Polygamma(n, x) + sign*factorial(n)*ipow(1/x, n+1)
			// rhs may cancel: judge the error against its larger term
			scale := math.Max(math.Abs(Polygamma(n, x)), math.Abs(lhs))
			if e := math.Abs(lhs-rhs) / scale; !(e < 1e-13) {
				t.Errorf("n=%d x=%v: ψ(x+1) = %v, ψ(x) + (−1)ⁿn!/xⁿ⁺¹ = %v (error %.2g)", n, x, lhs, rhs, e)
			}
		}
	}
}
