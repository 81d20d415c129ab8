package gp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// generalProfile writes v·φ(S) with the engine's general ops, whose
// gradients are the chain rule through SqDist, the square root and the
// exponential: the reference for the fused profile's gradient.
func generalProfile(g *engine.Graph, p engine.Stationary, s, v *engine.Node) *engine.Node {
	var phi *engine.Node
	switch p {
	case engine.StationaryRBF:
		phi = g.Exp(g.Scale(s, -0.5))
	case engine.StationaryMatern12:
		phi = g.Exp(g.Neg(g.Sqrt(s)))
	case engine.StationaryMatern32:
		r := g.Scale(g.Sqrt(s), math.Sqrt(3))
		phi = g.Mul(g.AddScalar(r, 1), g.Exp(g.Neg(r)))
	default:
		r := g.Scale(g.Sqrt(s), math.Sqrt(5))
		phi = g.Mul(g.Add(g.AddScalar(r, 1), g.Scale(g.Mul(r, r), 1.0/3)), g.Exp(g.Neg(r)))
	}
	if v == nil {
		return phi
	}
	return g.Mul(g.Reshape(v, append(v.Shape(), 1, 1)...), phi)
}

// TestStationaryGradientsMatchGeneralOps checks the fused gradient of
// stationary kernel matrices (lengthscales and variance in one pass,
// points through SqDist) against the same matrices written with general
// ops, for every profile, with batched and shared points, per-dimension,
// shared and batched lengthscales, and points that need gradients (as
// inducing points do). The loss is Σ R ⊙ K with fixed random weights R.
// Points are distinct (no zero distance, where √S has no derivative), so
// both sides are exact formulas; each gradient is a sum of at most
// 3·12·9 = 324 terms computed in different orders, so they agree to a few
// hundred ulps of the largest entry: 1e-11 relative to it.
func TestStationaryGradientsMatchGeneralOps(t *testing.T) {
	const b, n, m, d = 3, 12, 9, 2
	r := rand.New(rand.NewPCG(7, 7))
	vals := func(k int, lo, hi float64) []float64 {
		out := make([]float64, k)
		for i := range out {
			out[i] = lo + (hi-lo)*r.Float64()
		}
		return out
	}
	type shapes struct{ x1, x2, ls, v []int }
	configs := map[string]shapes{
		"batched":               {[]int{b, n, d}, []int{b, m, d}, []int{b, d}, []int{b}},
		"shared points":         {[]int{n, d}, []int{m, d}, []int{b, d}, []int{b}},
		"shared lengthscale":    {[]int{b, n, d}, []int{m, d}, []int{d}, []int{b}},
		"one lengthscale":       {[]int{n, d}, []int{b, m, d}, []int{b, 1}, []int{}},
		"batch from variance":   {[]int{n, d}, []int{m, d}, []int{1}, []int{b}},
		"shared x2 batched ls1": {[]int{b, n, d}, []int{m, d}, []int{1, 1}, []int{1}},
	}
	for name, sh := range configs {
		for p := engine.StationaryRBF; p <= engine.StationaryMatern52; p++ {
			t.Run(fmt.Sprintf("%s/%v", name, p), func(t *testing.T) {
				size := func(s []int) int { return engine.Shape(s).Size() }
				x1v, x2v := vals(size(sh.x1), -2, 2), vals(size(sh.x2), -2, 2)
				lsv, vv := vals(size(sh.ls), 0.5, 2), vals(size(sh.v), 0.5, 2)
				var got, want [][]float64
				for _, fused := range []bool{true, false} {
					g := engine.NewGraph()
					x1, x2 := g.Param("x1", x1v, sh.x1...), g.Param("x2", x2v, sh.x2...)
					ls, v := g.Param("ls", lsv, sh.ls...), g.Param("v", vv, sh.v...)
					var k *engine.Node
					if fused {
						k = stationaryMatrix(g, p.String(), p, x1, x2, ls, v)
					} else {
						k = generalProfile(g, p, g.SqDist(x1, x2, ls), v)
					}
					if err := g.Err(); err != nil {
						t.Fatal(err)
					}
					rr := rand.New(rand.NewPCG(3, 3))
					w := make([]float64, k.Shape().Size())
					for i := range w {
						w[i] = rr.NormFloat64()
					}
					grads := g.Grad(g.Sum(g.Mul(k, g.Constant(w, k.Shape()...))), x1, x2, ls, v)
					prog, err := g.Compile(grads)
					if err != nil {
						t.Fatal(err)
					}
					if err := prog.Run(); err != nil {
						t.Fatal(err)
					}
					var vs [][]float64
					for _, gr := range grads {
						vs = append(vs, append([]float64(nil), prog.Value(gr)...))
					}
					if fused {
						got = vs
					} else {
						want = vs
					}
				}
				for i, what := range []string{"x1", "x2", "lengthscale", "variance"} {
					scale := 0.0
					for _, x := range want[i] {
						scale = max(scale, math.Abs(x))
					}
					for j := range want[i] {
						if e := math.Abs(got[i][j] - want[i][j]); !(e <= 1e-11*scale) {
							t.Errorf("d/d%s[%d] = %.15g, general ops %.15g (error %.2g of the largest %.3g)",
								what, j, got[i][j], want[i][j], e/scale, scale)
						}
					}
				}
			})
		}
	}
}

// TestStationaryDiagonalMatchesSeparatePass checks the training covariance
// K(x, x) + d I formed in one op (the noise added as the matrix is formed,
// φ(0) = 1 used on the diagonal in the gradients) against the profile
// followed by the separate diagonal op, for every profile, with batched
// lengthscales, a batched diagonal over shared points and a shared
// variance, and points that need gradients: the value and the gradients in
// the points, lengthscales, variance and diagonal. The two differ only in
// whether the diagonal's φ(0) = 1 is read back from the value or used
// directly, which is exact, and in summation order: 1e-12 of the largest
// entry. The values must agree exactly: the one op forms the lower
// triangle in bands of rows (n = 101 spans three) and mirrors it, and the
// distances it mirrors are symmetric bit for bit.
func TestStationaryDiagonalMatchesSeparatePass(t *testing.T) {
	const b, n, d = 3, 101, 2
	r := rand.New(rand.NewPCG(5, 5))
	vals := func(k int, lo, hi float64) []float64 {
		out := make([]float64, k)
		for i := range out {
			out[i] = lo + (hi-lo)*r.Float64()
		}
		return out
	}
	xv, lsv, vv, dv := vals(n*d, -2, 2), vals(b*d, 0.5, 2), vals(1, 0.5, 2), vals(b, 0.1, 0.5)
	w := vals(b*n*n, -1, 1)
	for p := engine.StationaryRBF; p <= engine.StationaryMatern52; p++ {
		t.Run(p.String(), func(t *testing.T) {
			names := []string{"value", "x", "lengthscale", "variance", "diagonal"}
			var res [2][][]float64
			for i, fused := range []bool{true, false} {
				g := engine.NewGraph()
				x, ls := g.Param("x", xv, n, d), g.Param("ls", lsv, b, d)
				v, dg := g.Param("v", vv), g.Param("d", dv, b)
				k := stationaryMatrix(g, p.String(), p, x, x, ls, v)
				var cov *engine.Node
				if fused {
					cov = withDiag(g, k, dg)
					if op, ok := cov.Op().(profileOp); !ok || !op.diag {
						t.Fatalf("K(x, x) + d I was built as %v, not the profile with its diagonal", cov.Op())
					}
				} else {
					cov = g.Apply(addDiagOp{}, k, dg)
				}
				wrt := []*engine.Node{x, ls, v, dg}
				outs := append([]*engine.Node{cov}, g.Grad(g.Sum(g.Mul(cov, g.Constant(w, b, n, n))), wrt...)...)
				prog, err := g.Compile(outs)
				if err != nil {
					t.Fatal(err)
				}
				if err := prog.Run(); err != nil {
					t.Fatal(err)
				}
				for _, o := range outs {
					res[i] = append(res[i], append([]float64(nil), prog.Value(o)...))
				}
			}
			for k, want := range res[1] {
				got := res[0][k]
				scale := 0.0
				for _, x := range want {
					scale = max(scale, math.Abs(x))
				}
				tol := 1e-12 * scale
				if k == 0 {
					tol = 0
				}
				bad := 0
				for i := range want {
					if e := math.Abs(got[i] - want[i]); !(e <= tol) {
						if bad++; bad <= 5 {
							t.Errorf("%s[%d] = %.17g, separate pass %.17g", names[k], i, got[i], want[i])
						}
					}
				}
			}
		})
	}
}
