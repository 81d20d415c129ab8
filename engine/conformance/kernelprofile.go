package conformance

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// KernelProfile checks dev's engine.KernelProfileDevice implementation
// against the CPU reference: for every size n of cfg, n×m matrices of scaled
// squared distances (m = n and m = n/2 + 1) between standard normal points in
// 3 dimensions, with the points of the first set repeated in the second so
// that exact zeros occur, every profile, batches of one and many, each
// member with its own variance in [0.5, 2]. Since every profile lies in
// [0, 1], errors are measured relative to the member's variance and must
// stay within cfg.Tol; inputs must be left unchanged and every output
// written (dst is filled with NaN beforehand). An unknown profile must be
// an error that wraps engine.ErrArgument.
func KernelProfile(t testing.TB, dev engine.Device, cfg Config) {
	t.Helper()
	kd, ok := dev.(engine.KernelProfileDevice)
	if !ok {
		t.Fatalf("device %s does not implement engine.KernelProfileDevice", dev.Name())
	}
	ref := engine.CPU().(interface {
		engine.KernelProfileDevice
		engine.SqDistDevice
	})
	kinds := []engine.Stationary{engine.StationaryRBF, engine.StationaryMatern12, engine.StationaryMatern32, engine.StationaryMatern52}
	for _, n := range cfg.Sizes {
		r := rand.New(rand.NewPCG(uint64(n), 5))
		var w worst
		for _, m := range []int{n, n/2 + 1} {
			// The distances, then per profile two evaluations (an exponential
			// and a square root each, about 20 flops) and the comparison:
			// about 200 flops per element.
			for _, batch := range cfg.batches(200 * float64(n*m)) {
				s, v := profileInputs(ref, r, batch, n, m)
				for _, kind := range kinds {
					if err := checkKernelProfile(kd, ref, s, v, kind, batch, n*m, cfg.Tol, &w); err != nil {
						t.Errorf("%s: kernel profile %v n=%d m=%d batch=%d: %v", dev.Name(), kind, n, m, batch, err)
					}
				}
			}
		}
		t.Logf("%s: kernel profile n=%d: %v", dev.Name(), n, w)
	}
	one := []float64{0}
	err := kd.KernelProfile(nanSlice(1), one, []float64{1}, engine.Stationary(len(kinds)), 1, 1)
	if !errors.Is(err, engine.ErrArgument) {
		t.Errorf("%s: kernel profile with an unknown profile: error %v, want one wrapping engine.ErrArgument", dev.Name(), err)
	}
}

// profileInputs returns batch n×m distance matrices and batch variances.
// The second point set starts with the first's points, so the leading
// min(n, m) diagonal entries are exact zeros.
func profileInputs(sd engine.SqDistDevice, r *rand.Rand, batch, n, m int) (s, v []float64) {
	const d = 3
	x1, x2, ls := make([]float64, batch*n*d), make([]float64, batch*m*d), make([]float64, batch*d)
	for i := range x1 {
		x1[i] = r.NormFloat64()
	}
	for b := 0; b < batch; b++ {
		copy(x2[b*m*d:(b+1)*m*d], x1[b*n*d:(b+1)*n*d])
		for i := min(n, m) * d; i < m*d; i++ {
			x2[b*m*d+i] = r.NormFloat64()
		}
	}
	for i := range ls {
		ls[i] = 0.5 + 1.5*r.Float64()
	}
	s = make([]float64, batch*n*m)
	if err := sd.SqDist(s, x1, x2, ls, batch, n, m, d); err != nil {
		panic(fmt.Sprintf("conformance: reference sqdist failed: %v", err))
	}
	v = make([]float64, batch)
	for i := range v {
		v[i] = 0.5 + 1.5*r.Float64()
	}
	return s, v
}

func checkKernelProfile(kd, ref engine.KernelProfileDevice, s, v []float64, kind engine.Stationary, batch, nm int,
	tol float64, w *worst) error {
	s0, v0 := append([]float64(nil), s...), append([]float64(nil), v...)
	got, want := nanSlice(len(s)), nanSlice(len(s))
	if err := kd.KernelProfile(got, s, v, kind, batch, nm); err != nil {
		return err
	}
	if err := ref.KernelProfile(want, s, v, kind, batch, nm); err != nil {
		return fmt.Errorf("reference failed: %w", err)
	}
	if i := firstDiff(s, s0); i >= 0 {
		return fmt.Errorf("s changed at element %d", i)
	}
	if i := firstDiff(v, v0); i >= 0 {
		return fmt.Errorf("variance changed at element %d", i)
	}
	for b := 0; b < batch; b++ {
		rel := absErr(got[b*nm:(b+1)*nm], want[b*nm:(b+1)*nm]) / v[b]
		w.add(rel, 0)
		if !(rel <= tol) {
			return fmt.Errorf("member %d: error %.3g relative to the variance > %g", b, rel, tol)
		}
	}
	return nil
}
