package engine

import (
	"fmt"
	"runtime"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"

	"github.com/ignis-ppl/ignis/internal/dense"
)

// CholeskyDevice is a device that factors batches of symmetric positive
// definite matrices. The Cholesky op uses it when the program's device has
// it, and the CPU implementation otherwise; the CPU one is the reference that
// package engine/conformance compares others with.
type CholeskyDevice interface {
	Device
	// Cholesky factors each of the batch n×n matrices in src as L Lᵀ and
	// writes L into dst. Both slices hold batch matrices one after another,
	// each row-major and contiguous (batch·n·n elements); they must not
	// overlap. Only the lower triangle of each source matrix, diagonal
	// included, enters the factor, and every strict-upper element of dst is
	// set to exactly zero.
	//
	// A NaN or Inf anywhere in a source matrix is an error, as is a matrix
	// that is not positive definite; the error returned is the one of the
	// lowest-numbered failing member: *NotFiniteError{Op: "cholesky", Index}
	// with the flat index into src of that member's first non-finite element,
	// or *NotPositiveDefiniteError{Op: "cholesky", Batch, Pivot} with the
	// member's index and the 0-based column at which the factorization broke
	// down (its leading (Pivot+1)×(Pivot+1) minor is not positive definite).
	// After an error the contents of dst are unspecified.
	Cholesky(dst, src []float64, batch, n int) error
}

// TriSolveDevice is a device that solves batches of triangular systems.
type TriSolveDevice interface {
	Device
	// TriSolve solves op(A) X = B for each member of a batch, where op(A) is
	// A, or Aᵀ when transpose is set, and writes X into dst. a holds batch
	// n×n matrices, b and dst batch n×k matrices, each row-major and
	// contiguous, one member after another (no broadcasting: the caller
	// expands broadcast operands). Only the lower triangle of each A (upper,
	// when lower is false), diagonal included, is read. dst may be the same
	// slice as b but must not otherwise overlap a or b. A zero on a diagonal
	// is not detected; it gives Inf or NaN in dst.
	TriSolve(dst, a, b []float64, batch, n, k int, lower, transpose bool) error
}

var (
	_ CholeskyDevice = cpuDevice{}
	_ TriSolveDevice = cpuDevice{}
)

func choleskyDevice(d Device) CholeskyDevice {
	if c, ok := d.(CholeskyDevice); ok {
		return c
	}
	return cpuDevice{}
}

func triSolveDevice(d Device) TriSolveDevice {
	if t, ok := d.(TriSolveDevice); ok {
		return t
	}
	return cpuDevice{}
}

// parallelMinFlops is the batch work below which the CPU runs a batch on the
// calling goroutine: starting and joining workers costs a few microseconds,
// about what 1e5 floating-point operations take.
const parallelMinFlops = 1e5

// batchWorkers returns how many goroutines a batch of the given size and work
// per member should use: 1 for small work, else at most GOMAXPROCS.
func batchWorkers(batch int, flopsPerMember float64) int {
	if batch < 2 || float64(batch)*flopsPerMember < parallelMinFlops {
		return 1
	}
	return min(batch, runtime.GOMAXPROCS(0))
}

// forBatchParallel calls fn for every member on up to the given number of
// the worker pool's goroutines; fn receives the lane (0 ≤ w < workers) with
// the member, so that each concurrent call can use its own scratch space.
// Every member runs; the error returned is that of the lowest-numbered
// failing member, whatever the number of cores.
func forBatchParallel(batch, workers int, fn func(w, m int) error) error {
	errs := make([]error, batch)
	ParallelFor(batch, workers, func(w, m int) { errs[m] = fn(w, m) })
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkSquareBatch reports sizes that do not describe batch n×n matrices,
// one after another, in src and in dst.
func checkSquareBatch(op string, dst, src []float64, batch, n int) error {
	if batch < 0 || n < 0 || len(src) < batch*n*n || len(dst) < batch*n*n {
		return fmt.Errorf("%w: %s: %d matrices of %d×%d in buffers of %d and %d elements",
			ErrArgument, op, batch, n, n, len(src), len(dst))
	}
	return nil
}

// Cholesky implements CholeskyDevice on the CPU, spreading large batches
// over goroutines. Each member is factored by ignis's blocked kernels
// (internal/dense) where they beat gonum's LAPACK, that is for large
// matrices on processors with AVX2 and FMA, and by lapack64.Potrf otherwise.
// A direct call allocates the blocked kernels' scratch space; the Cholesky
// op keeps its own across runs (cpuCholesky).
func (cpuDevice) Cholesky(dst, src []float64, batch, n int) error {
	return cpuCholesky(dst, src, batch, n, nil)
}

// cpuCholesky is cpuDevice.Cholesky with the workers' scratch space: ws
// holds one dense.Workspace per worker and bounds the number of workers; nil
// means fresh scratch space for this call.
func cpuCholesky(dst, src []float64, batch, n int, ws []dense.Workspace) error {
	if err := checkSquareBatch("cholesky", dst, src, batch, n); err != nil || n == 0 {
		return err
	}
	nf := float64(n)
	w := batchWorkers(batch, nf*nf*nf/3)
	if dense.Faster(n) {
		if ws == nil {
			ws = make([]dense.Workspace, w)
		}
		w = min(w, len(ws))
	} else {
		ws = nil
	}
	if w > 1 {
		return forBatchParallel(batch, w, func(w, m int) error { return choleskyMember(dst, src, m, n, workspace(ws, w)) })
	}
	for m := range batch {
		if err := choleskyMember(dst, src, m, n, workspace(ws, 0)); err != nil {
			return err
		}
	}
	return nil
}

func workspace(ws []dense.Workspace, w int) *dense.Workspace {
	if ws == nil {
		return nil
	}
	return &ws[w]
}

// choleskyMember factors member m of the batch; see CholeskyDevice.Cholesky.
// It uses the blocked kernels with the scratch space ws, or gonum when ws is
// nil.
func choleskyMember(dst, src []float64, m, n int, ws *dense.Workspace) error {
	off := m * n * n
	s, d := src[off:off+n*n], dst[off:off+n*n]
	// One pass, row by row, checks the whole source and copies its lower
	// triangle while the row is in cache; rows in order keep the reported
	// element the first non-finite one.
	for i := 0; i < n; i++ {
		row := s[i*n : (i+1)*n]
		for j, v := range row {
			if v-v != 0 { // NaN or ±Inf
				return &NotFiniteError{Op: "cholesky", Index: off + i*n + j}
			}
		}
		copy(d[i*n:i*n+i+1], row[:i+1])
	}
	if ws != nil {
		// dense.Cholesky zeroes the strict upper triangle itself and
		// reports the failing column the way Potrf's diagonal shows it.
		if p := dense.Cholesky(d, n, n, ws); p >= 0 {
			return &NotPositiveDefiniteError{Op: "cholesky", Batch: m, Pivot: p}
		}
		return nil
	}
	if _, ok := lapack64.Potrf(blas64.Symmetric{Uplo: blas.Lower, N: n, Stride: n, Data: d}); !ok {
		return &NotPositiveDefiniteError{Op: "cholesky", Batch: m, Pivot: failedPivot(d, n)}
	}
	for i := 0; i < n-1; i++ {
		clear(d[i*n+i+1 : (i+1)*n])
	}
	return nil
}

// failedPivot finds the column at which a failed Potrf stopped. LAPACK's
// unblocked kernel (gonum's Dpotf2 and the reference dpotf2 alike) leaves the
// square roots of the columns it finished, all positive, on the diagonal and
// stores the non-positive (or NaN) pivot it could not take a root of in the
// failing column; later columns are not reached. It returns −1 if the
// diagonal shows no such trace, which a conforming LAPACK never does.
func failedPivot(l []float64, n int) int {
	for j := 0; j < n; j++ {
		if v := l[j*n+j]; !(v > 0) {
			return j
		}
	}
	return -1
}

// TriSolve implements TriSolveDevice with gonum's BLAS (Trsv for a single
// right-hand side, Trsm otherwise), spreading large batches over goroutines.
func (cpuDevice) TriSolve(dst, a, b []float64, batch, n, k int, lower, transpose bool) error {
	if batch < 0 || n < 0 || k < 0 || len(a) < batch*n*n || len(b) < batch*n*k || len(dst) < batch*n*k {
		return fmt.Errorf("%w: trisolve: %d systems of %d×%d with %d right-hand sides in buffers of %d, %d and %d elements",
			ErrArgument, batch, n, n, k, len(a), len(b), len(dst))
	}
	if n == 0 || k == 0 {
		return nil
	}
	uplo, tr := blas.Upper, blas.NoTrans
	if lower {
		uplo = blas.Lower
	}
	if transpose {
		tr = blas.Trans
	}
	if w := batchWorkers(batch, float64(n)*float64(n)*float64(k)); w > 1 {
		return forBatchParallel(batch, w, func(_, m int) error {
			triSolveMember(dst, a, b, m, n, k, uplo, tr)
			return nil
		})
	}
	for m := range batch {
		triSolveMember(dst, a, b, m, n, k, uplo, tr)
	}
	return nil
}

func triSolveMember(dst, a, b []float64, m, n, k int, uplo blas.Uplo, tr blas.Transpose) {
	x := dst[m*n*k : (m+1)*n*k]
	copy(x, b[m*n*k:(m+1)*n*k])
	t := blas64.Triangular{Uplo: uplo, Diag: blas.NonUnit, N: n, Stride: n, Data: a[m*n*n : (m+1)*n*n]}
	if k == 1 {
		blas64.Trsv(tr, t, blas64.Vector{N: n, Inc: 1, Data: x})
		return
	}
	blas64.Trsm(blas.Left, tr, 1, t, blas64.General{Rows: n, Cols: k, Stride: k, Data: x})
}
