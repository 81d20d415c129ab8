package dist

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// The fused log density of a shared factor and the generic graph
// (gaussianLogProb: a triangular solve, squares and sums) agree in value and
// in their gradients with respect to the value, the mean and the factor's
// free entries, for a single vector and for a batch of members, to a few
// hundred ulp of the largest magnitude (both are backward-stable solves of
// a well-conditioned N = 7 factor).
func TestMVNFusedMatchesGeneric(t *testing.T) {
	const n = 7
	m := n * (n + 1) / 2
	for _, xs := range []engine.Shape{{n}, {3, 2, n}} {
		r := rand.New(rand.NewPCG(11, uint64(xs.Size())))
		draw := func(k int, s float64) []float64 {
			v := make([]float64, k)
			for i := range v {
				v[i] = s * r.NormFloat64()
			}
			return v
		}
		g := engine.NewGraph()
		loc := g.Param("loc", draw(n, 1), n)
		vec := g.Param("vec", draw(m, 0.3), m)
		x := g.Param("x", draw(xs.Size(), 2), xs...)
		d := MultivariateNormal(loc, LowerCholeskyTransform{}.Forward(vec))
		fused := d.LogProb(x)
		generic := gaussianLogProb(g, d, x, n, d.batch)
		if op := fused.Op(); op == nil || op.String() != (mvnTrilLogProbOp{}).String() {
			t.Fatalf("LogProb is %v, not the fused op", fused.Op())
		}
		w := g.Constant(draw(fused.Shape().Size(), 1), fused.Shape()...)
		gf := g.Grad(g.Sum(g.Mul(fused, w)), loc, vec, x)
		gg := g.Grad(g.Sum(g.Mul(generic, w)), loc, vec, x)
		prog, err := g.Compile(append(append([]*engine.Node{fused, generic}, gf...), gg...))
		if err != nil {
			t.Fatal(err)
		}
		must(t, prog.Run())
		pairs := [][2]*engine.Node{{fused, generic}}
		for i := range gf {
			pairs = append(pairs, [2]*engine.Node{gf[i], gg[i]})
		}
		for k, p := range pairs {
			a, b := prog.Value(p[0]), prog.Value(p[1])
			scale := 0.0
			for _, v := range b {
				scale = math.Max(scale, math.Abs(v))
			}
			for i := range a {
				if math.Abs(a[i]-b[i]) > 256*0x1p-52*scale {
					t.Errorf("x %v, output %d [%d]: fused %.17g, generic %.17g", xs, k, i, a[i], b[i])
				}
			}
		}
	}
}

// Asking for a second derivative of the fused density fails the graph with
// ErrNotDifferentiable instead of returning a wrong one.
func TestMVNFusedNotTwice(t *testing.T) {
	g := engine.NewGraph()
	x := g.Param("x", []float64{0.5, -1}, 2)
	lp := MultivariateNormal(g.Fill(0, 2), g.Constant([]float64{1, 0, 0.5, 2}, 2, 2)).LogProb(x)
	gx := g.Grad(lp, x)[0]
	g.Grad(g.Sum(gx), x)
	if err := g.Err(); !errors.Is(err, engine.ErrNotDifferentiable) {
		t.Fatalf("second derivative: error %v, want ErrNotDifferentiable", err)
	}
}

// A factor made by LowerCholeskyTransform is checked on its lower triangle
// only (its upper one is zero by construction), and still fails the run with
// ErrParameter when an entry below the diagonal is NaN or a diagonal entry
// underflows to zero (exp(−1000)); a valid one passes.
func TestMVNUnpackedFactorRunTimeCheck(t *testing.T) {
	for _, c := range []struct {
		name string
		vec  []float64
		ok   bool
	}{
		{"valid", []float64{0.5, 0.1, -0.2}, true},
		{"NaN below", []float64{math.NaN(), 0.1, -0.2}, false},
		{"zero diagonal", []float64{0.5, 0.1, -1000}, false},
	} {
		g := engine.NewGraph()
		l := LowerCholeskyTransform{}.Forward(g.Param("vec", c.vec, 3))
		lp := MultivariateNormal(g.Fill(0, 2), l).LogProb(g.Fill(0.5, 2))
		prog, err := g.Compile([]*engine.Node{lp})
		if err != nil {
			t.Fatal(err)
		}
		err = prog.Run()
		if c.ok && err != nil || !c.ok && !errors.Is(err, ErrParameter) {
			t.Errorf("%s: run error %v, want ok = %v", c.name, err, c.ok)
		}
	}
}
