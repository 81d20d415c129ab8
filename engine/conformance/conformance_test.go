package conformance

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// float64 round-off over up to 1000-term sums of well-conditioned inputs is
// below 1e-13; 1e-12 leaves an order of magnitude for other summation orders.
const tol = 1e-12

// cpuConfig is Float64 with the tighter bound the CPU meets against itself,
// and half the work per size (the CPU checks itself; the budget keeps the
// package's tests to a few seconds of CPU time).
func cpuConfig() Config {
	c := Float64(testing.Short())
	c.Tol = tol
	c.Flops /= 2
	return c
}

func TestCholeskyCPU(t *testing.T) { Cholesky(t, engine.CPU(), cpuConfig()) }

func TestTriSolveCPU(t *testing.T) { TriSolve(t, engine.CPU(), cpuConfig()) }

func TestSqDistCPU(t *testing.T) { SqDist(t, engine.CPU(), cpuConfig()) }

// rounding is the CPU device seen through float32: inputs rounded to
// float32, the CPU's float64 result rounded to float32, as a float32 device
// that keeps float64 host buffers returns them. It stands for float32
// implementations, which must pass the Float32 suites.
type rounding struct{}

func (rounding) Name() string { return "cpu-float32" }

func round32(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(float32(x))
	}
	return out
}

func roundInPlace(v []float64) {
	for i, x := range v {
		v[i] = float64(float32(x))
	}
}

func (rounding) Cholesky(dst, src []float64, batch, n int) error {
	err := engine.CPU().(engine.CholeskyDevice).Cholesky(dst, round32(src), batch, n)
	roundInPlace(dst)
	return err
}

func (rounding) TriSolve(dst, a, b []float64, batch, n, k int, lower, transpose bool) error {
	err := engine.CPU().(engine.TriSolveDevice).TriSolve(dst, round32(a), round32(b), batch, n, k, lower, transpose)
	roundInPlace(dst)
	return err
}

func (rounding) SqDist(dst, x1, x2, ls []float64, batch, n, m, d int) error {
	err := engine.CPU().(engine.SqDistDevice).SqDist(dst, round32(x1), round32(x2), round32(ls), batch, n, m, d)
	roundInPlace(dst)
	return err
}

// The Float32 suites accept float32 results (and so can tell a float32
// device's round-off from a defect), and the float64 bound rejects them (so
// a float64 device that computed in float32 would not pass).
func TestFloat32SuitesAcceptFloat32Rounding(t *testing.T) {
	cfg := Float32(true)
	cfg.Sizes = []int{1, 33, 65, 129}
	strict := Config{Sizes: []int{1, 64}, Batch: 1000, Flops: 2e7, Tol: Float64(true).Tol}
	for name, suite := range map[string]func(testing.TB, engine.Device, Config){
		"cholesky": Cholesky, "trisolve": TriSolve, "sqdist": SqDist,
		"cholinverse": CholInverse, "kernelprofile": KernelProfile,
	} {
		t.Run(name, func(t *testing.T) {
			suite(t, rounding{}, cfg)
			wantFailures(t, suite, rounding{}, strict, "rounds its results to float32")
		})
	}
}

// wantFailures runs suite on dev, a device that has the named defect, with
// its failures recorded, and fails t if the suite passes the device.
func wantFailures(t *testing.T, suite func(testing.TB, engine.Device, Config), dev engine.Device, cfg Config, defect string) {
	t.Helper()
	rec := &recorder{TB: t}
	suite(rec, dev, cfg)
	if len(rec.msgs) == 0 {
		t.Fatalf("the suite passed a device that %s", defect)
	}
	t.Logf("%d failures, first: %s", len(rec.msgs), rec.msgs[0])
}

// recorder is a testing.TB that records failures instead of failing, so the
// suites can be run against devices that must not pass.
type recorder struct {
	testing.TB
	msgs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

// broken wraps the CPU device with one deliberate defect.
type broken struct {
	name string
	chol func(dst, src []float64, batch, n int) error
	tri  func(dst, a, b []float64, batch, n, k int, lower, transpose bool) error
}

func (b broken) Name() string { return b.name }

func (b broken) Cholesky(dst, src []float64, batch, n int) error { return b.chol(dst, src, batch, n) }

func (b broken) TriSolve(dst, a, bb []float64, batch, n, k int, lower, transpose bool) error {
	return b.tri(dst, a, bb, batch, n, k, lower, transpose)
}

func TestSuitesRejectBrokenDevices(t *testing.T) {
	cpu := engine.CPU().(interface {
		engine.CholeskyDevice
		engine.TriSolveDevice
	})
	chol, tri := cpu.Cholesky, cpu.TriSolve
	cases := []broken{
		{name: "upper not zeroed", chol: func(dst, src []float64, batch, n int) error {
			err := chol(dst, src, batch, n)
			if n > 1 {
				dst[1] = 1
			}
			return err
		}},
		{name: "reads the upper triangle", chol: func(dst, src []float64, batch, n int) error {
			sym := append([]float64(nil), src...)
			for m := 0; m < batch; m++ {
				for i := 0; i < n; i++ {
					for j := 0; j < i; j++ {
						sym[m*n*n+i*n+j] = sym[m*n*n+j*n+i]
					}
				}
			}
			return chol(dst, sym, batch, n)
		}},
		{name: "reports the last failing member", chol: func(dst, src []float64, batch, n int) error {
			err := chol(dst, src, batch, n)
			var pd *engine.NotPositiveDefiniteError
			if errors.As(err, &pd) {
				return &engine.NotPositiveDefiniteError{Op: pd.Op, Batch: batch - 1, Pivot: pd.Pivot}
			}
			return err
		}},
		{name: "misses the last member", chol: func(dst, src []float64, batch, n int) error {
			return chol(dst, src, max(batch-1, 1), n)
		}},
		{name: "ignores transpose", tri: func(dst, a, b []float64, batch, n, k int, lower, _ bool) error {
			return tri(dst, a, b, batch, n, k, lower, false)
		}},
		{name: "reads the other triangle", tri: func(dst, a, b []float64, batch, n, k int, lower, transpose bool) error {
			return tri(dst, a, b, batch, n, k, !lower, transpose)
		}},
	}
	cfg := Config{Sizes: []int{1, 3, 40}, Batch: 1000, Flops: 2e7, Tol: tol}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			suite := TriSolve
			if c.chol != nil {
				suite = Cholesky
			}
			wantFailures(t, suite, c, cfg, c.name)
		})
	}
}
