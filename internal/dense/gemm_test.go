package dense

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// kernels lists the micro-kernels this machine can run: always the Go one,
// and the assembly one where the processor has AVX2 and FMA.
func kernels() []struct {
	name   string
	goOnly bool
} {
	ks := []struct {
		name   string
		goOnly bool
	}{{"go", true}}
	if haveAsm {
		ks = append(ks, struct {
			name   string
			goOnly bool
		}{"asm", false})
	}
	return ks
}

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = 2*rng.Float64() - 1
	}
	return s
}

// TestGemmMatchesGonum compares Gemm with gonum's Dgemm on shapes on both
// sides of the register tile (6×8) and the cache blocks (mc = 72, kc = 256,
// nc = 512), with every combination of transposes, padded strides, and
// alpha/beta including beta = 0 over a C full of NaN. Each element of the
// product is a sum of k terms of size ≤ 1, so the two results, summed in
// different orders, may differ by about k·ε·max|term|; the bound is 2k·ε
// plus the rounding of the beta term.
func TestGemmMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dims := [][3]int{
		{1, 1, 1}, {6, 8, 1}, {5, 7, 3}, {7, 9, 13}, {12, 16, 256}, {13, 17, 257},
		{72, 64, 100}, {73, 65, 300}, {100, 513, 40}, {150, 530, 520}, {3, 600, 2},
	}
	for _, kn := range kernels() {
		for _, d := range dims {
			m, n, k := d[0], d[1], d[2]
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					for _, ab := range [][2]float64{{1, 0}, {-0.5, 1}, {2, -1.5}} {
						name := fmt.Sprintf("%s/m=%d,n=%d,k=%d,tA=%t,tB=%t,alpha=%g,beta=%g", kn.name, m, n, k, tA, tB, ab[0], ab[1])
						checkGemm(t, name, rng, kn.goOnly, m, n, k, tA, tB, ab[0], ab[1])
					}
				}
			}
		}
	}
}

func checkGemm(t *testing.T, name string, rng *rand.Rand, goOnly bool, m, n, k int, tA, tB bool, alpha, beta float64) {
	t.Helper()
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	// Strides padded by 3 so that the routine must honour them.
	lda, ldb, ldc := ac+3, bc+3, n+3
	a := randSlice(rng, ar*lda)
	b := randSlice(rng, br*ldb)
	c := randSlice(rng, m*ldc)
	if beta == 0 {
		for i := range c {
			c[i] = math.NaN()
		}
	}
	want := append([]float64(nil), c...)
	if beta == 0 {
		clear(want)
	}
	ta, tb := blas.NoTrans, blas.NoTrans
	if tA {
		ta = blas.Trans
	}
	if tB {
		tb = blas.Trans
	}
	blas64.Gemm(ta, tb, alpha, blas64.General{Rows: ar, Cols: ac, Stride: lda, Data: a},
		blas64.General{Rows: br, Cols: bc, Stride: ldb, Data: b}, beta,
		blas64.General{Rows: m, Cols: n, Stride: ldc, Data: want})
	w := &Workspace{goKernel: goOnly}
	Gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, w)
	tol := (2*float64(k)*math.Abs(alpha) + 2*math.Abs(beta)) * 0x1p-52
	for i := range m {
		for j := range n {
			if d := math.Abs(c[i*ldc+j] - want[i*ldc+j]); !(d <= tol) {
				t.Fatalf("%s: C[%d,%d] = %v, gonum %v (|diff| %.3g > %.3g)", name, i, j, c[i*ldc+j], want[i*ldc+j], d, tol)
			}
		}
		// The padding past column n must be untouched.
		for j := n; j < ldc; j++ {
			if c[i*ldc+j] != want[i*ldc+j] && !(math.IsNaN(c[i*ldc+j]) && beta == 0) {
				t.Fatalf("%s: padding C[%d,%d] changed", name, i, j)
			}
		}
	}
}

func BenchmarkGemm(b *testing.B) {
	for _, n := range []int{264, 1024} {
		rng := rand.New(rand.NewPCG(3, 4))
		x, y, z := randSlice(rng, n*n), randSlice(rng, n*n), make([]float64, n*n)
		for _, kn := range kernels() {
			b.Run(fmt.Sprintf("%s/n=%d", kn.name, n), func(b *testing.B) {
				w := &Workspace{goKernel: kn.goOnly}
				for b.Loop() {
					Gemm(false, true, n, n, n, 1, x, n, y, n, 0, z, n, w)
				}
				b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		b.Run(fmt.Sprintf("gonum/n=%d", n), func(b *testing.B) {
			g := func(d []float64) blas64.General { return blas64.General{Rows: n, Cols: n, Stride: n, Data: d} }
			for b.Loop() {
				blas64.Gemm(blas.NoTrans, blas.Trans, 1, g(x), g(y), 0, g(z))
			}
			b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
