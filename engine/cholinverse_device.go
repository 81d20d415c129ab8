package engine

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// CholInverseDevice is a device that inverts batches of symmetric positive
// definite matrices from their Cholesky factors: the O(N³) step of a
// Gaussian process's marginal-likelihood gradient, ½(α αᵀ − K⁻¹). Package gp
// uses it when the program's device has it (and is not the CPU, whose
// per-member code gp runs inline); the CPU implementation is the reference
// that package engine/conformance compares others with.
type CholInverseDevice interface {
	Device
	// CholInverse writes A⁻¹ = (L Lᵀ)⁻¹ into dst for each of the batch
	// lower-triangular n×n factors L in l. Both slices hold batch matrices
	// one after another, each row-major and contiguous (batch·n·n
	// elements); they must not overlap. Only the lower triangle of each L,
	// diagonal included, is read. Every element of each member of dst is
	// written, both triangles; they agree to round-off (an implementation may
	// compute them separately), so a caller that needs exact symmetry reads
	// one triangle. A zero on a factor's diagonal is not detected; it gives
	// Inf or NaN in that member. The error is for device failures and bad
	// sizes, not for values.
	CholInverse(dst, l []float64, batch, n int) error
}

var _ CholInverseDevice = cpuDevice{}

// CholInverse implements CholInverseDevice with gonum's LAPACK (Potri: a
// triangular inverse, then Lᵀ⁻¹ L⁻¹ in place), mirroring the lower triangle
// into the upper so that the result is exactly symmetric, and spreading large
// batches over goroutines. A member whose factor has a zero on its diagonal
// is filled with NaN.
func (cpuDevice) CholInverse(dst, l []float64, batch, n int) error {
	if err := checkSquareBatch("cholinverse", dst, l, batch, n); err != nil || n == 0 {
		return err
	}
	nf := float64(n)
	member := func(m int) error {
		cholInverseMember(dst[m*n*n:(m+1)*n*n], l[m*n*n:(m+1)*n*n], n)
		return nil
	}
	if w := batchWorkers(batch, 2*nf*nf*nf/3); w > 1 {
		return forBatchParallel(batch, w, func(_, m int) error { return member(m) })
	}
	for m := range batch {
		_ = member(m)
	}
	return nil
}

// cholInverseMember writes (L Lᵀ)⁻¹ for one factor; see CholInverse.
func cholInverseMember(d, l []float64, n int) {
	for i := 0; i < n; i++ {
		copy(d[i*n:i*n+i+1], l[i*n:i*n+i+1])
	}
	if _, ok := lapack64.Potri(blas64.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: n, Stride: n, Data: d}); !ok {
		for i := range d {
			d[i] = math.NaN()
		}
		return
	}
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			d[j*n+i] = d[i*n+j]
		}
	}
}
