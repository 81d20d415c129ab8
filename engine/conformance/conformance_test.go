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

func TestCholeskyCPU(t *testing.T) { Cholesky(t, engine.CPU(), Sizes(testing.Short()), tol) }

func TestTriSolveCPU(t *testing.T) { TriSolve(t, engine.CPU(), Sizes(testing.Short()), tol) }

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
	sizes := []int{1, 3, 40}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			if c.chol != nil {
				Cholesky(rec, c, sizes, tol)
			} else {
				TriSolve(rec, c, sizes, tol)
			}
			if len(rec.msgs) == 0 {
				t.Fatalf("the suite passed a device that %s", c.name)
			}
			t.Logf("%d failures, first: %s", len(rec.msgs), rec.msgs[0])
		})
	}
}
