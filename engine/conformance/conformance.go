// Package conformance holds the test suites that every implementation of an
// engine device capability must pass. The CPU device is the reference: each
// suite runs the device under test and engine.CPU() on the same random
// inputs and compares, and also checks properties that need no reference
// (residuals, untouched inputs, outputs fully written, errors naming the
// failing batch member). A backend runs them from its own tests:
//
//	func TestCholesky(t *testing.T) {
//		conformance.Cholesky(t, dev, conformance.Float64(testing.Short()))
//	}
//
// Inputs are well conditioned (condition numbers below about 10), so a float64
// implementation should meet a relative error bound of about 1e-12 at every
// size here (Float64 asks for 1e-10, the bound the GPU kernels are held to);
// float32 implementations need a bound near 1e-4 (Float32).
package conformance

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// Sizes returns matrix sizes on both sides of the block edges that blocked
// and GPU kernels use (32, 64, 128) and a GP-sized 264; without short, also
// 512 and 1000.
func Sizes(short bool) []int {
	s := []int{1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 264}
	if !short {
		s = append(s, 512, 1000)
	}
	return s
}

// Config says what a suite runs.
type Config struct {
	// Sizes are the matrix orders (and, for SqDist, point counts).
	Sizes []int
	// Batch is the size of the large batch run beside a batch of one; it is
	// cut, to no fewer than 2 members, where its work would exceed Flops.
	Batch int
	// Flops bounds the work of the large batch at one size, so that the CPU
	// reference (and the CPU under test) stays fast.
	Flops float64
	// Tol bounds the relative errors and residuals.
	Tol float64
}

// Float64 is the configuration for float64 implementations: every size of
// Sizes(short), batches of 1 and 1000 (cut to about 2e7 flops per size, so
// that the suites run in seconds on a CPU), relative error 1e-10.
func Float64(short bool) Config {
	return Config{Sizes: Sizes(short), Batch: 1000, Flops: 2e7, Tol: 1e-10}
}

// Float32 is Float64 with the float32 bound 1e-4: float32 round-off (6e-8)
// times the growth of errors over sums of up to 1000 terms and the
// condition numbers of the inputs stays well below it.
func Float32(short bool) Config {
	c := Float64(short)
	c.Tol = 1e-4
	return c
}

// batches returns the batch sizes to run for one size whose member costs
// the given flops.
func (c Config) batches(memberFlops float64) []int {
	many := c.Batch
	if memberFlops > 0 && float64(many)*memberFlops > c.Flops {
		many = int(c.Flops / memberFlops)
	}
	return []int{1, max(2, many)}
}

// capability returns dev as the capability C under test, failing the test
// when dev does not implement it.
func capability[C engine.Device](t testing.TB, dev engine.Device) C {
	t.Helper()
	c, ok := dev.(C)
	if !ok {
		t.Fatalf("device %s does not implement %v", dev.Name(), reflect.TypeFor[C]())
	}
	return c
}

func cholFlops(n int) float64 { nf := float64(n); return nf * nf * nf / 3 }

// Cholesky checks dev's engine.CholeskyDevice implementation against the CPU
// reference for every size of cfg, with batches of one and many. The factor
// must agree with the reference to within cfg.Tol relative to its largest
// element, reproduce A on a random probe vector to within cfg.Tol, have an
// exactly zero upper triangle, ignore the upper triangle of its input, leave
// the input unchanged and write every output element (dst is filled with NaN
// beforehand). A batch whose members 2 and 3 are not positive definite must
// fail with a *engine.NotPositiveDefiniteError for member 2 at the known
// pivot, and one with non-finite members with a *engine.NotFiniteError at
// the first non-finite element of the lowest such member.
func Cholesky(t testing.TB, dev engine.Device, cfg Config) {
	t.Helper()
	cd := capability[engine.CholeskyDevice](t, dev)
	ref := engine.CPU().(engine.CholeskyDevice)
	for _, n := range cfg.Sizes {
		r := rand.New(rand.NewPCG(uint64(n), 1))
		var w worst
		for _, batch := range cfg.batches(cholFlops(n)) {
			if err := checkCholesky(cd, ref, r, batch, n, cfg.Tol, &w); err != nil {
				t.Errorf("%s: cholesky n=%d batch=%d: %v", dev.Name(), n, batch, err)
			}
		}
		t.Logf("%s: cholesky n=%d: %v", dev.Name(), n, w)
		if err := checkCholeskyFailures(cd, r, n); err != nil {
			t.Errorf("%s: cholesky n=%d: %v", dev.Name(), n, err)
		}
	}
}

// spd fills v with batch symmetric n×n matrices 2I + S, S symmetric with
// entries of standard deviation 1/(2√n), whose eigenvalues lie in about
// [1, 3]; the strict upper triangle then gets large finite garbage, which
// a Cholesky must not read. It returns the symmetric matrices too.
func spd(r *rand.Rand, batch, n int) (in, sym []float64) {
	in, sym = make([]float64, batch*n*n), make([]float64, batch*n*n)
	sd := 0.5 / math.Sqrt(float64(n))
	for m := 0; m < batch; m++ {
		a := sym[m*n*n : (m+1)*n*n]
		for i := 0; i < n; i++ {
			for j := 0; j < i; j++ {
				a[i*n+j] = sd * r.NormFloat64()
				a[j*n+i] = a[i*n+j]
			}
			a[i*n+i] = 2 + sd*r.NormFloat64()
		}
	}
	copy(in, sym)
	for m := 0; m < batch; m++ {
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				in[m*n*n+i*n+j] = 1e3 * r.NormFloat64()
			}
		}
	}
	return in, sym
}

func nanSlice(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.NaN()
	}
	return v
}

// worst collects the largest errors seen, for the log.
type worst struct{ rel, res float64 }

func (w *worst) add(rel, res float64) {
	w.rel, w.res = math.Max(w.rel, rel), math.Max(w.res, res)
}

func (w worst) String() string {
	return fmt.Sprintf("worst relative error %.2g, worst residual %.2g", w.rel, w.res)
}

func checkCholesky(cd, ref engine.CholeskyDevice, r *rand.Rand, batch, n int, tol float64, w *worst) error {
	src, sym := spd(r, batch, n)
	orig := append([]float64(nil), src...)
	got, want := nanSlice(len(src)), nanSlice(len(src))
	if err := cd.Cholesky(got, src, batch, n); err != nil {
		return err
	}
	if err := ref.Cholesky(want, src, batch, n); err != nil {
		return fmt.Errorf("reference failed: %w", err)
	}
	if i := firstDiff(src, orig); i >= 0 {
		return fmt.Errorf("input changed at element %d", i)
	}
	for m := 0; m < batch; m++ {
		l := got[m*n*n : (m+1)*n*n]
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				if l[i*n+j] != 0 {
					return fmt.Errorf("member %d: L[%d][%d] = %v above the diagonal", m, i, j, l[i*n+j])
				}
			}
		}
		rel, res := relErr(l, want[m*n*n:(m+1)*n*n]), cholResidual(l, sym[m*n*n:(m+1)*n*n], n, r)
		w.add(rel, res)
		if !(rel <= tol) {
			return fmt.Errorf("member %d: relative error %.3g against the reference > %g", m, rel, tol)
		}
		if !(res <= tol) {
			return fmt.Errorf("member %d: residual |L Lᵀv − Av| / (|A| |v|) = %.3g > %g", m, res, tol)
		}
	}
	return nil
}

// cholResidual returns max|L(Lᵀv) − Av| / (max|A| · max|v|) for a random v.
func cholResidual(l, a []float64, n int, r *rand.Rand) float64 {
	v, w := make([]float64, n), make([]float64, n)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	for i := 0; i < n; i++ { // w = Lᵀv
		for k := i; k < n; k++ {
			w[i] += l[k*n+i] * v[k]
		}
	}
	worst := 0.0
	for i := 0; i < n; i++ {
		d := 0.0
		for k := 0; k <= i; k++ {
			d += l[i*n+k] * w[k]
		}
		for k := 0; k < n; k++ {
			d -= a[i*n+k] * v[k]
		}
		worst = math.Max(worst, math.Abs(d))
	}
	return worst / (maxAbs(a) * maxAbs(v))
}

func checkCholeskyFailures(cd engine.CholeskyDevice, r *rand.Rand, n int) error {
	const batch = 4
	src, _ := spd(r, batch, n)
	// Member 2's leading minor of order pivot+1 is the first that is not
	// positive definite: its Schur complement is −1 minus a non-negative term.
	pivot := n / 2
	src[2*n*n+pivot*n+pivot] = -1
	src[3*n*n] = -1
	err := cd.Cholesky(nanSlice(len(src)), src, batch, n)
	var pd *engine.NotPositiveDefiniteError
	if !errors.As(err, &pd) || pd.Batch != 2 || pd.Pivot != pivot {
		return fmt.Errorf("members 2 and 3 not positive definite: got error %w, want a NotPositiveDefiniteError for member 2 at pivot %d", err, pivot)
	}
	src, _ = spd(r, batch, n)
	bad := 1*n*n + (n-1)*n // last row of member 1, lower triangle
	src[bad] = math.NaN()
	src[3*n*n] = math.Inf(1)
	err = cd.Cholesky(nanSlice(len(src)), src, batch, n)
	var nf *engine.NotFiniteError
	if !errors.As(err, &nf) || nf.Index != bad {
		return fmt.Errorf("NaN in member 1: got error %w, want a NotFiniteError at element %d", err, bad)
	}
	return nil
}

// TriSolve checks dev's engine.TriSolveDevice implementation against the CPU
// reference for every size of cfg, lower and upper, plain and transposed,
// with one and several right-hand sides and batches of one and many. The
// solution must agree with the reference to within cfg.Tol relative to its
// largest element and satisfy op(A) X = B to within cfg.Tol; the unread
// triangle of A holds large garbage; the inputs must be left unchanged,
// every output element written (dst is filled with NaN beforehand), and
// solving in place (dst the same slice as b) must give the same result.
func TriSolve(t testing.TB, dev engine.Device, cfg Config) {
	t.Helper()
	td := capability[engine.TriSolveDevice](t, dev)
	ref := engine.CPU().(engine.TriSolveDevice)
	for _, n := range cfg.Sizes {
		r := rand.New(rand.NewPCG(uint64(n), 2))
		var w worst
		for _, k := range []int{1, 5} {
			// Generating, checking and comparing a member costs about as much as
			// 30 flops per element of A besides the solves.
			for _, batch := range cfg.batches(float64(30*n*n + 4*n*n*k)) {
				for _, lower := range []bool{true, false} {
					for _, trans := range []bool{false, true} {
						if err := checkTriSolve(td, ref, r, batch, n, k, lower, trans, cfg.Tol, &w); err != nil {
							t.Errorf("%s: trisolve n=%d k=%d batch=%d lower=%t transpose=%t: %v",
								dev.Name(), n, k, batch, lower, trans, err)
						}
					}
				}
			}
		}
		t.Logf("%s: trisolve n=%d: %v", dev.Name(), n, w)
	}
}

// triangular fills batch n×n matrices whose lower (or upper) triangle is
// well conditioned (diagonal ±[1.5, 2.5], off-diagonal entries of standard
// deviation 1/n) and whose other triangle holds large garbage.
func triangular(r *rand.Rand, batch, n int, lower bool) []float64 {
	a := make([]float64, batch*n*n)
	for m := 0; m < batch; m++ {
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				v := r.NormFloat64() / float64(n)
				if (j > i) == lower && i != j {
					v *= 1e5
				}
				a[m*n*n+i*n+j] = v
			}
			d := 1.5 + r.Float64()
			if r.IntN(2) == 0 {
				d = -d
			}
			a[m*n*n+i*n+i] = d
		}
	}
	return a
}

func checkTriSolve(td, ref engine.TriSolveDevice, r *rand.Rand, batch, n, k int, lower, trans bool, tol float64, w *worst) error {
	a := triangular(r, batch, n, lower)
	b := make([]float64, batch*n*k)
	for i := range b {
		b[i] = r.NormFloat64()
	}
	origA, origB := append([]float64(nil), a...), append([]float64(nil), b...)
	got, want := nanSlice(len(b)), nanSlice(len(b))
	if err := td.TriSolve(got, a, b, batch, n, k, lower, trans); err != nil {
		return err
	}
	if err := ref.TriSolve(want, a, b, batch, n, k, lower, trans); err != nil {
		return fmt.Errorf("reference failed: %w", err)
	}
	if i := firstDiff(a, origA); i >= 0 {
		return fmt.Errorf("a changed at element %d", i)
	}
	if i := firstDiff(b, origB); i >= 0 {
		return fmt.Errorf("b changed at element %d", i)
	}
	for m := 0; m < batch; m++ {
		x := got[m*n*k : (m+1)*n*k]
		rel := relErr(x, want[m*n*k:(m+1)*n*k])
		res := triResidual(a[m*n*n:(m+1)*n*n], x, b[m*n*k:(m+1)*n*k], n, k, lower, trans)
		w.add(rel, res)
		if !(rel <= tol) {
			return fmt.Errorf("member %d: relative error %.3g against the reference > %g", m, rel, tol)
		}
		if !(res <= tol) {
			return fmt.Errorf("member %d: residual |op(A)X − B| / (|A| |X|) = %.3g > %g", m, res, tol)
		}
	}
	inPlace := append([]float64(nil), b...)
	if err := td.TriSolve(inPlace, a, inPlace, batch, n, k, lower, trans); err != nil {
		return fmt.Errorf("in place: %w", err)
	}
	if i := firstDiff(inPlace, got); i >= 0 {
		return fmt.Errorf("in place: element %d is %v, out of place %v", i, inPlace[i], got[i])
	}
	return nil
}

// triResidual returns max|op(A)X − B| / (max|A| · max|X|) over the read
// triangle of A.
func triResidual(a, x, b []float64, n, k int, lower, trans bool) float64 {
	at := func(i, j int) float64 {
		if trans {
			i, j = j, i
		}
		if (lower && j > i) || (!lower && j < i) {
			return 0
		}
		return a[i*n+j]
	}
	worst, amax := 0.0, 0.0
	for i := 0; i < n; i++ {
		for c := 0; c < k; c++ {
			d := -b[i*k+c]
			for j := 0; j < n; j++ {
				d += at(i, j) * x[j*k+c]
			}
			worst = math.Max(worst, math.Abs(d))
		}
		for j := 0; j < n; j++ {
			amax = math.Max(amax, math.Abs(at(i, j)))
		}
	}
	return worst / (amax * maxAbs(x))
}

// RelErr is max|x − ref| / max|ref|, the measure of agreement the suites
// use; NaN anywhere in x makes it NaN. Device tests outside the suites
// compare their results with it too.
func RelErr(x, ref []float64) float64 { return relErr(x, ref) }

func relErr(x, ref []float64) float64 { return absErr(x, ref) / maxAbs(ref) }

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

// firstDiff returns the first index where x and y differ bitwise (NaNs
// included), or −1.
func firstDiff(x, y []float64) int {
	for i := range x {
		if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
			return i
		}
	}
	return -1
}
