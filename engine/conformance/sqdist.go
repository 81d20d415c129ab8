package conformance

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// SqDist checks dev's engine.SqDistDevice implementation against the CPU
// reference: for every size n of cfg, m = n and m ≠ n points, dimensions 1,
// 3 and 8, batches of one and many, with each member's own points and
// lengthscales. Errors are measured against the size of the terms that
// enter a distance, the largest Σ_l (x1_l² + x2_l²) / ls_l² of the member:
// the round-off of any implementation is proportional to it (for float32
// the rounding of the inputs alone is), while a distance itself may be
// arbitrarily small. They must stay within cfg.Tol; inputs must be left
// unchanged and every output written (dst is filled with NaN beforehand).
// With x2 the same slice as x1, every distance of a point to itself must be
// exactly zero, as it is when distances are formed from differences (an
// implementation through ‖a‖² + ‖b‖² − 2a·b fails this).
func SqDist(t testing.TB, dev engine.Device, cfg Config) {
	t.Helper()
	sd := capability[engine.SqDistDevice](t, dev)
	ref := engine.CPU().(engine.SqDistDevice)
	for _, n := range cfg.Sizes {
		r := rand.New(rand.NewPCG(uint64(n), 3))
		var w worst
		for _, d := range []int{1, 3, 8} {
			for _, m := range []int{n, n/2 + 1} {
				// Filling, checking and comparing the outputs costs about as much
				// as 30 flops per distance.
				for _, batch := range cfg.batches(float64(30*n*m + 6*n*m*d)) {
					if err := checkSqDist(sd, ref, r, batch, n, m, d, cfg.Tol, &w); err != nil {
						t.Errorf("%s: sqdist n=%d m=%d d=%d batch=%d: %v", dev.Name(), n, m, d, batch, err)
					}
				}
			}
		}
		t.Logf("%s: sqdist n=%d: %v", dev.Name(), n, w)
	}
}

func checkSqDist(sd, ref engine.SqDistDevice, r *rand.Rand, batch, n, m, d int, tol float64, w *worst) error {
	// Standard normal points; lengthscales in [0.5, 2].
	x1, x2, ls := make([]float64, batch*n*d), make([]float64, batch*m*d), make([]float64, batch*d)
	for i := range x1 {
		x1[i] = r.NormFloat64()
	}
	for i := range x2 {
		x2[i] = r.NormFloat64()
	}
	for i := range ls {
		ls[i] = 0.5 + 1.5*r.Float64()
	}
	o1, o2, ol := append([]float64(nil), x1...), append([]float64(nil), x2...), append([]float64(nil), ls...)
	got, want := nanSlice(batch*n*m), nanSlice(batch*n*m)
	if err := sd.SqDist(got, x1, x2, ls, batch, n, m, d); err != nil {
		return err
	}
	if err := ref.SqDist(want, x1, x2, ls, batch, n, m, d); err != nil {
		return fmt.Errorf("reference failed: %w", err)
	}
	for _, c := range []struct {
		name   string
		v, old []float64
	}{{"x1", x1, o1}, {"x2", x2, o2}, {"ls", ls, ol}} {
		if i := firstDiff(c.v, c.old); i >= 0 {
			return fmt.Errorf("%s changed at element %d", c.name, i)
		}
	}
	for b := 0; b < batch; b++ {
		rel := absErr(got[b*n*m:(b+1)*n*m], want[b*n*m:(b+1)*n*m]) /
			termScale(x1[b*n*d:(b+1)*n*d], x2[b*m*d:(b+1)*m*d], ls[b*d:(b+1)*d])
		w.add(rel, 0)
		if !(rel <= tol) {
			return fmt.Errorf("member %d: error %.3g relative to the size of the terms > %g", b, rel, tol)
		}
	}
	// The same points on both sides.
	self := nanSlice(batch * n * n)
	if err := sd.SqDist(self, x1, x1, ls, batch, n, n, d); err != nil {
		return fmt.Errorf("x2 = x1: %w", err)
	}
	for b := 0; b < batch; b++ {
		for i := 0; i < n; i++ {
			if v := self[(b*n+i)*n+i]; v != 0 || math.Signbit(v) {
				return fmt.Errorf("x2 = x1: member %d: distance of point %d to itself is %v, not 0", b, i, v)
			}
		}
	}
	return nil
}

// absErr is max|x − ref|; NaN anywhere in x makes it NaN.
func absErr(x, ref []float64) float64 {
	d := 0.0
	for i := range ref {
		e := math.Abs(x[i] - ref[i])
		if math.IsNaN(e) {
			return math.NaN()
		}
		d = math.Max(d, e)
	}
	return d
}

// termScale is max over pairs of Σ_l (x1_l² + x2_l²) / ls_l², bounded from
// above by the sum of the two largest per-point norms.
func termScale(x1, x2, ls []float64) float64 {
	d := len(ls)
	norm := func(x []float64) float64 {
		best := 0.0
		for i := 0; i < len(x); i += d {
			s := 0.0
			for l, v := range x[i : i+d] {
				s += v * v / (ls[l] * ls[l])
			}
			best = math.Max(best, s)
		}
		return best
	}
	return norm(x1) + norm(x2)
}
