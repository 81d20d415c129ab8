package dense

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// orders covers the leaf size (32) from both sides, odd splits, several
// levels of recursion and the GP sizes.
var orders = []int{1, 7, 31, 32, 33, 64, 65, 129, 264, 1000}

// spd returns a random symmetric positive definite n×n matrix with row
// stride n+2 (padding poisoned with NaN), M Mᵀ/n + I with M uniform on
// (−1, 1): its eigenvalues lie in [1, 1 + 4/3] up to fluctuations, so its
// condition number is below 3 and those of its factor below 2.
func spd(rng *rand.Rand, n int) ([]float64, int) {
	m := randSlice(rng, n*n)
	lda := n + 2
	a := make([]float64, n*lda)
	for i := range a {
		a[i] = math.NaN()
	}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1/float64(n), blas64.General{Rows: n, Cols: n, Stride: n, Data: m},
		blas64.General{Rows: n, Cols: n, Stride: n, Data: m}, 0, blas64.General{Rows: n, Cols: n, Stride: lda, Data: a})
	for i := range n {
		a[i*lda+i]++
	}
	return a, lda
}

// maxRelDiff returns max |x − y| over the lower triangles divided by max |y|.
func maxRelDiff(x, y []float64, n, ld int) float64 {
	var d, m float64
	for i := range n {
		for j := 0; j <= i; j++ {
			d = max(d, math.Abs(x[i*ld+j]-y[i*ld+j]))
			m = max(m, math.Abs(y[i*ld+j]))
		}
	}
	return d / m
}

// tolerance is the bound on the relative difference between two backward
// stable computations of the factor or the inverse of a matrix of order n
// with condition number below 3: each is within about n·ε·κ of the exact
// result, the constant 8 covering κ and the different summation orders.
func tolerance(n int) float64 { return 8 * float64(n) * 0x1p-52 }

// TestCholeskyMatchesGonum compares the factor with gonum's Potrf and checks
// that the strict upper triangle is zeroed and the padding untouched.
func TestCholeskyMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range orders {
		src, lda := spd(rng, n)
		want := append([]float64(nil), src...)
		if _, ok := lapack64.Potrf(blas64.Symmetric{Uplo: blas.Lower, N: n, Stride: lda, Data: want}); !ok {
			t.Fatalf("n=%d: gonum failed on a positive definite matrix", n)
		}
		for _, kn := range kernels() {
			a := append([]float64(nil), src...)
			w := &Workspace{goKernel: kn.goOnly}
			if p := Cholesky(a, n, lda, w); p != -1 {
				t.Fatalf("%s/n=%d: failed at column %d", kn.name, n, p)
			}
			if d := maxRelDiff(a, want, n, lda); d > tolerance(n) {
				t.Errorf("%s/n=%d: relative difference from gonum %.3g > %.3g", kn.name, n, d, tolerance(n))
			}
			for i := range n {
				for j := i + 1; j < lda; j++ {
					if v := a[i*lda+j]; j < n && v != 0 || j >= n && !math.IsNaN(v) {
						t.Fatalf("%s/n=%d: element (%d,%d) = %v above the diagonal or in the padding", kn.name, n, i, j, v)
					}
				}
			}
		}
	}
}

// TestCholeskyReportsFailingColumn builds A = L Lᵀ from a known factor and
// lowers A[j,j] by L[j,j]² + 1, so that the pivot of column j is exactly −1
// and columns before j are untouched: Cholesky must return j, like gonum's
// Potrf (whose failing column shows as the first non-positive diagonal
// element). A NaN on the diagonal fails the same way.
func TestCholeskyReportsFailingColumn(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, kn := range kernels() {
		for _, n := range []int{1, 7, 33, 65, 264} {
			for _, j := range []int{0, n / 3, n / 2, n - 1} {
				for _, nan := range []bool{false, true} {
					name := fmt.Sprintf("%s/n=%d,column=%d,nan=%t", kn.name, n, j, nan)
					a, lda := spd(rng, n)
					l := append([]float64(nil), a...)
					lapack64.Potrf(blas64.Symmetric{Uplo: blas.Lower, N: n, Stride: lda, Data: l})
					a[j*lda+j] -= l[j*lda+j]*l[j*lda+j] + 1
					if nan {
						a[j*lda+j] = math.NaN()
					}
					g := append([]float64(nil), a...)
					_, ok := lapack64.Potrf(blas64.Symmetric{Uplo: blas.Lower, N: n, Stride: lda, Data: g})
					gp := -1
					for i := range n {
						if !(g[i*lda+i] > 0) {
							gp = i
							break
						}
					}
					if ok || gp != j {
						t.Fatalf("%s: gonum: ok=%t, first bad pivot %d", name, ok, gp)
					}
					if p := Cholesky(a, n, lda, &Workspace{goKernel: kn.goOnly}); p != j {
						t.Errorf("%s: Cholesky returned %d", name, p)
					}
				}
			}
		}
	}
}

// TestInverseFromCholeskyMatchesGonum compares the inverse from the factor
// with gonum's Potri, and checks the zero-diagonal report.
func TestInverseFromCholeskyMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range orders {
		src, lda := spd(rng, n)
		lapack64.Potrf(blas64.Symmetric{Uplo: blas.Lower, N: n, Stride: lda, Data: src})
		want := append([]float64(nil), src...)
		if _, ok := lapack64.Potri(blas64.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: n, Stride: lda, Data: want}); !ok {
			t.Fatalf("n=%d: gonum Potri failed", n)
		}
		for _, kn := range kernels() {
			a := append([]float64(nil), src...)
			w := &Workspace{goKernel: kn.goOnly}
			if !InverseFromCholesky(a, n, lda, w) {
				t.Fatalf("%s/n=%d: reported a zero pivot", kn.name, n)
			}
			if d := maxRelDiff(a, want, n, lda); d > tolerance(n) {
				t.Errorf("%s/n=%d: relative difference from gonum %.3g > %.3g", kn.name, n, d, tolerance(n))
			}
			for i := range n {
				for j := n; j < lda; j++ {
					if !math.IsNaN(a[i*lda+j]) {
						t.Fatalf("%s/n=%d: padding (%d,%d) written", kn.name, n, i, j)
					}
				}
			}
			a[(n/2)*lda+n/2] = 0
			if InverseFromCholesky(a, n, lda, w) {
				t.Errorf("%s/n=%d: a zero on the diagonal was not reported", kn.name, n)
			}
		}
	}
}

// TestReservedWorkspaceDoesNotAllocate checks that after Reserve(n) the
// very first factorization and inversion of order n allocate nothing
// (testing.AllocsPerRun would hide a first call behind its warm-up run).
func TestReservedWorkspaceDoesNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	// MemStats counts the allocations of the whole process, so a goroutine
	// of the runtime or of the test framework can add one now and then. The
	// factorization is deterministic: an allocation of its own shows on
	// every try, so each order gets three tries, each a first call on a
	// freshly reserved Workspace, and fails only if all three allocate.
	const tries = 3
	for _, kn := range kernels() {
		for _, n := range orders {
			src, lda := spd(rng, n)
			var counts []uint64
			for range tries {
				a := append([]float64(nil), src...)
				w := &Workspace{goKernel: kn.goOnly}
				w.Reserve(n)
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				p := Cholesky(a, n, lda, w)
				ok := InverseFromCholesky(a, n, lda, w)
				runtime.ReadMemStats(&after)
				if p >= 0 || !ok {
					t.Fatalf("%s/n=%d: failed", kn.name, n)
				}
				d := after.Mallocs - before.Mallocs
				if d == 0 {
					counts = nil
					break
				}
				counts = append(counts, d)
			}
			if counts != nil {
				t.Errorf("%s/n=%d: allocations after Reserve on every one of %d tries: %v", kn.name, n, tries, counts)
			}
		}
	}
}
