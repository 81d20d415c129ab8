package conformance

import (
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func TestCholInverseCPU(t *testing.T) { CholInverse(t, engine.CPU(), cpuConfig()) }

func TestKernelProfileCPU(t *testing.T) { KernelProfile(t, engine.CPU(), cpuConfig()) }

func (rounding) CholInverse(dst, l []float64, batch, n int) error {
	err := engine.CPU().(engine.CholInverseDevice).CholInverse(dst, round32(l), batch, n)
	roundInPlace(dst)
	return err
}

func (rounding) KernelProfile(dst, s, v []float64, kind engine.Stationary, batch, nm int) error {
	err := engine.CPU().(engine.KernelProfileDevice).KernelProfile(dst, round32(s), round32(v), kind, batch, nm)
	roundInPlace(dst)
	return err
}

// brokenGP wraps the CPU device with one deliberate defect in a GP
// capability.
type brokenGP struct {
	name string
	inv  func(dst, l []float64, batch, n int) error
	prof func(dst, s, v []float64, kind engine.Stationary, batch, nm int) error
}

func (b brokenGP) Name() string { return b.name }

func (b brokenGP) CholInverse(dst, l []float64, batch, n int) error { return b.inv(dst, l, batch, n) }

func (b brokenGP) KernelProfile(dst, s, v []float64, kind engine.Stationary, batch, nm int) error {
	return b.prof(dst, s, v, kind, batch, nm)
}

func TestGPSuitesRejectBrokenDevices(t *testing.T) {
	cpu := engine.CPU().(interface {
		engine.CholInverseDevice
		engine.KernelProfileDevice
	})
	inv, prof := cpu.CholInverse, cpu.KernelProfile
	cases := []brokenGP{
		{name: "reads the upper triangle", inv: func(dst, l []float64, batch, n int) error {
			u := append([]float64(nil), l...)
			for m := 0; m < batch; m++ {
				for i := 0; i < n; i++ {
					for j := 0; j < i; j++ {
						u[m*n*n+i*n+j] += 1e-3 * u[m*n*n+j*n+i]
					}
				}
			}
			return inv(dst, u, batch, n)
		}},
		{name: "writes the lower triangle only", inv: func(dst, l []float64, batch, n int) error {
			err := inv(dst, l, batch, n)
			if n > 1 {
				dst[1] = 0
			}
			return err
		}},
		{name: "misses the last member", inv: func(dst, l []float64, batch, n int) error {
			return inv(dst, l, max(batch-1, 1), n)
		}},
		{name: "uses the wrong profile", prof: func(dst, s, v []float64, kind engine.Stationary, batch, nm int) error {
			if kind == engine.StationaryMatern52 {
				kind = engine.StationaryMatern32
			}
			return prof(dst, s, v, kind, batch, nm)
		}},
		{name: "shares the first variance", prof: func(dst, s, v []float64, kind engine.Stationary, batch, nm int) error {
			same := make([]float64, len(v))
			for i := range same {
				same[i] = v[0]
			}
			return prof(dst, s, same, kind, batch, nm)
		}},
		{name: "accepts unknown profiles", prof: func(dst, s, v []float64, kind engine.Stationary, batch, nm int) error {
			if !kind.Valid() {
				kind = engine.StationaryRBF
			}
			return prof(dst, s, v, kind, batch, nm)
		}},
	}
	cfg := Config{Sizes: []int{1, 3, 40}, Batch: 1000, Flops: 2e7, Tol: tol}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			suite := KernelProfile
			if c.inv != nil {
				suite = CholInverse
			}
			wantFailures(t, suite, c, cfg, c.name)
		})
	}
}
