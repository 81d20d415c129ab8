package engine

import (
	"math"
	"math/rand/v2"
	"testing"
)

// gradCase is one finite-difference check: inputs of the given shapes (drawn
// by init, standard normal by default) feed build; the check compares the
// gradient of Σ w·build(x), for random w, with central differences.
type gradCase struct {
	op     string // the op under test; subtests are named op/case
	name   string
	shapes []Shape
	init   func(r *rand.Rand, input int, v []float64)
	build  func(g *Graph, x []*Node) *Node
	tol    float64 // relative tolerance; 0 means 1e-6
}

// positive draws from (0.5, 2.5): a domain where log, sqrt, lgamma, … are smooth.
func positive(r *rand.Rand, _ int, v []float64) {
	for i := range v {
		v[i] = 0.5 + 2*r.Float64()
	}
}

// checkGrad compiles loss and gradients once and compares each gradient
// element with a five-point central difference (truncation error O(h⁴)).
// The error is measured relative to the largest gradient element of that
// input, so a tiny entry is not judged on its own scale.
func checkGrad(t *testing.T, c gradCase) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(len(c.name))*7919+uint64(len(c.op)), 42))
	g := NewGraph()
	xs := make([]*Node, len(c.shapes))
	for i, s := range c.shapes {
		v := make([]float64, s.Size())
		if c.init != nil {
			c.init(r, i, v)
		} else {
			for j := range v {
				v[j] = r.NormFloat64()
			}
		}
		xs[i] = g.Param("x", v, s...)
	}
	out := c.build(g, xs)
	if err := g.Err(); err != nil {
		t.Fatalf("build: %v", err)
	}
	w := make([]float64, out.shape.Size())
	for i := range w {
		w[i] = r.NormFloat64()
	}
	loss := g.Sum(g.Mul(out, g.Constant(w, out.shape...)))
	grads := g.Grad(loss, xs...)
	prog, err := g.Compile(append([]*Node{loss}, grads...))
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	if err := prog.Run(); err != nil {
		t.Fatalf("run: %v", err)
	}
	tol := c.tol
	if tol == 0 {
		tol = 1e-6
	}
	f := func() float64 {
		if err := prog.Replay(); err != nil {
			t.Fatalf("replay: %v", err)
		}
		return prog.Scalar(loss)
	}
	anas := make([][]float64, len(xs))
	for i := range xs {
		anas[i] = append([]float64(nil), prog.Value(grads[i])...)
	}
	for i, x := range xs {
		ana := anas[i]
		xv := prog.Value(x)
		num := make([]float64, len(xv))
		for j := range xv {
			x0 := xv[j]
			h := 1e-4 * math.Max(1, math.Abs(x0))
			xv[j] = x0 + 2*h
			f2 := f()
			xv[j] = x0 + h
			f1 := f()
			xv[j] = x0 - h
			fm1 := f()
			xv[j] = x0 - 2*h
			fm2 := f()
			xv[j] = x0
			num[j] = (-f2 + 8*f1 - 8*fm1 + fm2) / (12 * h)
		}
		scale, worst := 0.0, 0.0
		for j := range num {
			scale = math.Max(scale, math.Max(math.Abs(num[j]), math.Abs(ana[j])))
		}
		for j := range num {
			worst = math.Max(worst, math.Abs(num[j]-ana[j]))
		}
		// Round-off in the differences is about 1e-12 of the loss; a floor on
		// the scale keeps an all-zero gradient from being judged on noise.
		worst /= math.Max(scale, 1e-3)
		if !(worst <= tol) {
			t.Errorf("input %d %v: relative error %.3g > %g\nanalytic %v\nnumeric  %v", i, x.shape, worst, tol, ana, num)
		} else {
			t.Logf("input %d %v: relative error %.2g", i, x.shape, worst)
		}
	}
}

func runGradCases(t *testing.T, cases []gradCase) {
	for _, c := range cases {
		t.Run(c.op+"/"+c.name, func(t *testing.T) { checkGrad(t, c) })
	}
}
