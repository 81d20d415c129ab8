package conformance

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// CholInverse checks dev's engine.CholInverseDevice implementation against
// the CPU reference for every size of cfg, with batches of one and many. The
// factors are those of the random SPD matrices of the Cholesky suite (the CPU
// factors them), with large finite garbage above the diagonal, which must
// not be read. The inverse must agree with the reference to within cfg.Tol
// relative to its largest element, satisfy A (X v) = v for a random probe v
// to within cfg.Tol, be symmetric to within cfg.Tol, leave the input
// unchanged and write every output element (dst is filled with NaN
// beforehand).
func CholInverse(t testing.TB, dev engine.Device, cfg Config) {
	t.Helper()
	cd := capability[engine.CholInverseDevice](t, dev)
	ref := engine.CPU().(interface {
		engine.CholInverseDevice
		engine.CholeskyDevice
	})
	for _, n := range cfg.Sizes {
		r := rand.New(rand.NewPCG(uint64(n), 4))
		var w worst
		// The reference factors (n³/3 flops), both implementations invert
		// (2n³/3 each) and the checks cost about 20 flops per element.
		for _, batch := range cfg.batches(5*cholFlops(n) + 20*float64(n*n)) {
			if err := checkCholInverse(cd, ref, ref, r, batch, n, cfg.Tol, &w); err != nil {
				t.Errorf("%s: cholinverse n=%d batch=%d: %v", dev.Name(), n, batch, err)
			}
		}
		t.Logf("%s: cholinverse n=%d: %v", dev.Name(), n, w)
	}
}

func checkCholInverse(cd, ref engine.CholInverseDevice, chol engine.CholeskyDevice, r *rand.Rand, batch, n int,
	tol float64, w *worst) error {
	src, sym := spd(r, batch, n)
	l := make([]float64, len(src))
	if err := chol.Cholesky(l, src, batch, n); err != nil {
		return fmt.Errorf("reference factorization failed: %w", err)
	}
	for m := 0; m < batch; m++ {
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				l[m*n*n+i*n+j] = 1e3 * r.NormFloat64()
			}
		}
	}
	orig := append([]float64(nil), l...)
	got, want := nanSlice(len(l)), nanSlice(len(l))
	if err := cd.CholInverse(got, l, batch, n); err != nil {
		return err
	}
	if err := ref.CholInverse(want, l, batch, n); err != nil {
		return fmt.Errorf("reference failed: %w", err)
	}
	if i := firstDiff(l, orig); i >= 0 {
		return fmt.Errorf("input changed at element %d", i)
	}
	for m := 0; m < batch; m++ {
		x := got[m*n*n : (m+1)*n*n]
		rel := relErr(x, want[m*n*n:(m+1)*n*n])
		res := inverseResidual(sym[m*n*n:(m+1)*n*n], x, n, r)
		w.add(rel, res)
		if !(rel <= tol) {
			return fmt.Errorf("member %d: relative error %.3g against the reference > %g", m, rel, tol)
		}
		if !(res <= tol) {
			return fmt.Errorf("member %d: residual |A X v − v| / (|A| |X| |v|) = %.3g > %g", m, res, tol)
		}
		if asym := asymmetry(x, n); !(asym <= tol) {
			return fmt.Errorf("member %d: max |X_ij − X_ji| / max |X| = %.3g > %g", m, asym, tol)
		}
	}
	return nil
}

// inverseResidual returns max|A(Xv) − v| / (max|A| · max|X| · max|v|) for a
// random v.
func inverseResidual(a, x []float64, n int, r *rand.Rand) float64 {
	v, xv := make([]float64, n), make([]float64, n)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	for i := 0; i < n; i++ {
		for k := 0; k < n; k++ {
			xv[i] += x[i*n+k] * v[k]
		}
	}
	worst := 0.0
	for i := 0; i < n; i++ {
		d := -v[i]
		for k := 0; k < n; k++ {
			d += a[i*n+k] * xv[k]
		}
		worst = math.Max(worst, math.Abs(d))
	}
	return worst / (maxAbs(a) * maxAbs(x) * maxAbs(v))
}

// asymmetry returns max|X_ij − X_ji| / max|X|.
func asymmetry(x []float64, n int) float64 {
	d := 0.0
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			d = math.Max(d, math.Abs(x[i*n+j]-x[j*n+i]))
		}
	}
	return d / maxAbs(x)
}
