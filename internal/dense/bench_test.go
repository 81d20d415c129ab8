package dense

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// BenchmarkCholesky and BenchmarkInverseFromCholesky report GFLOP/s at the
// GP sizes against gonum's Potrf and Potri, counting n³/3 and 2n³/3 flops.
func BenchmarkCholesky(b *testing.B) {
	benchFactor(b, 1.0/3, func(a []float64, n, lda int, w *Workspace) {
		Cholesky(a, n, lda, w)
	}, func(a []float64, n, lda int) {
		lapack64.Potrf(blas64.Symmetric{Uplo: blas.Lower, N: n, Stride: lda, Data: a})
	}, false)
}

func BenchmarkInverseFromCholesky(b *testing.B) {
	benchFactor(b, 2.0/3, func(a []float64, n, lda int, w *Workspace) {
		InverseFromCholesky(a, n, lda, w)
	}, func(a []float64, n, lda int) {
		lapack64.Potri(blas64.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: n, Stride: lda, Data: a})
	}, true)
}

func benchFactor(b *testing.B, flopsPerN3 float64, mine func([]float64, int, int, *Workspace), ref func([]float64, int, int), factored bool) {
	for _, n := range []int{64, 128, 160, 192, 264, 1024} {
		rng := rand.New(rand.NewPCG(11, 12))
		src, lda := spd(rng, n)
		if factored {
			lapack64.Potrf(blas64.Symmetric{Uplo: blas.Lower, N: n, Stride: lda, Data: src})
		}
		a := make([]float64, len(src))
		rate := func(b *testing.B) {
			nf := float64(n)
			b.ReportMetric(flopsPerN3*nf*nf*nf*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		for _, kn := range kernels() {
			b.Run(fmt.Sprintf("%s/n=%d", kn.name, n), func(b *testing.B) {
				w := &Workspace{goKernel: kn.goOnly}
				for b.Loop() {
					copy(a, src)
					mine(a, n, lda, w)
				}
				rate(b)
			})
		}
		b.Run(fmt.Sprintf("gonum/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				copy(a, src)
				ref(a, n, lda)
			}
			rate(b)
		})
	}
}
