package engine

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMatMulPathsMatchNaive checks every kernel path (matrix-vector,
// vector-matrix, outer product, the serial loop and, for 130×129×128,
// ignis's blocked Gemm (gonum's without AVX2 and FMA)) with both
// transposes against a naive triple loop. (Like BLAS, the kernels may skip
// a zero factor, so 0·Inf inside a product need not give NaN.)
func TestMatMulPathsMatchNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, sz := range [][3]int{{7, 1, 5}, {1, 6, 4}, {5, 4, 1}, {9, 8, 7}, {1, 1, 3}, {130, 129, 128}} {
		m, n, k := sz[0], sz[1], sz[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				as, bs := Shape{m, k}, Shape{k, n}
				if ta {
					as = Shape{k, m}
				}
				if tb {
					bs = Shape{n, k}
				}
				a, b := make([]float64, as.Size()), make([]float64, bs.Size())
				for i := range a {
					a[i] = r.NormFloat64()
				}
				for i := range b {
					b[i] = r.NormFloat64()
				}
				g := NewGraph()
				c := g.MatMulT(g.Constant(a, as...), g.Constant(b, bs...), ta, tb)
				p, err := g.Compile([]*Node{c})
				if err != nil {
					t.Fatal(err)
				}
				if err := p.Run(); err != nil {
					t.Fatal(err)
				}
				got := p.Value(c)
				at := func(i, q int) float64 {
					if ta {
						return a[q*m+i]
					}
					return a[i*k+q]
				}
				bt := func(q, j int) float64 {
					if tb {
						return b[j*k+q]
					}
					return b[q*n+j]
				}
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						want := 0.0
						for q := 0; q < k; q++ {
							want += at(i, q) * bt(q, j)
						}
						if math.Abs(got[i*n+j]-want) > 1e-12*(1+math.Abs(want))*float64(k) {
							t.Fatalf("m=%d n=%d k=%d ta=%t tb=%t: C[%d,%d] = %v, want %v", m, n, k, ta, tb, i, j, got[i*n+j], want)
						}
					}
				}
			}
		}
	}
}
