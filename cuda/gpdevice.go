//go:build gpu

package cuda

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"gorgonia.org/cu"
)

// The capabilities that package gp's fused ops look for, on top of the
// Cholesky, TriSolve and SqDist that the engine's own ops use: with them a
// GP training step written against package gp runs its O(N³) work (the
// factorization, the solves and the inverse of the marginal likelihood's
// gradient) and its kernel matrices on the GPU, with no change to the code.
var (
	_ engine.CholInverseDevice   = (*Device)(nil)
	_ engine.KernelProfileDevice = (*Device)(nil)
)

// CholInverse implements engine.CholInverseDevice: the factors are copied to
// the GPU, the inverses (L Lᵀ)⁻¹ computed there as L⁻ᵀ (L⁻¹ I) by two
// batched triangular solves with n right-hand sides (blocked from n = 32
// on; the first skips the zero tiles of L⁻¹), and copied back. Both
// triangles of each inverse are written (they agree to round-off, not
// bitwise).
func (d *Device) CholInverse(dst, l []float64, batch, n int) error {
	if err := checkSquare("cholinverse", len(dst), len(l), batch, n); err != nil || batch == 0 || n == 0 {
		return err
	}
	size := batch * n * n
	return d.do(func() error {
		pl, err := d.upload(slotA, l[:size])
		if err != nil {
			return err
		}
		x, err := d.scratchElems(slotOut, size)
		if err != nil {
			return err
		}
		if err := d.launch("set_identity", gridFor(size), dim3(threads), 0, ptrArg(x), intArg(batch), intArg(n)); err != nil {
			return err
		}
		// L⁻¹ = L \ I (lower triangular, so the solve skips the zero
		// tiles), then (L Lᵀ)⁻¹ = Lᵀ \ L⁻¹.
		if err := d.triSolveRHS(pl, x, batch, n, n, true, false, true); err != nil {
			return err
		}
		if err := d.triSolve(pl, x, batch, n, n, true, true); err != nil {
			return err
		}
		return d.fromDevice(dst[:size], x)
	})
}

// kernelOf maps the engine's stationary profiles to the kernels of
// kernelmat.cu.
func kernelOf(kind engine.Stationary) (Kernel, bool) {
	switch kind {
	case engine.StationaryRBF:
		return RBF, true
	case engine.StationaryMatern12:
		return Matern12, true
	case engine.StationaryMatern32:
		return Matern32, true
	case engine.StationaryMatern52:
		return Matern52, true
	}
	return 0, false
}

// KernelProfile implements engine.KernelProfileDevice: distances and
// variances are copied to the GPU, the kernel values computed there by the
// same code as KernelMatrix's, and copied back.
func (d *Device) KernelProfile(dst, s, variance []float64, kind engine.Stationary, batch, nm int) error {
	k, ok := kernelOf(kind)
	if !ok {
		return fmt.Errorf("%w: cuda kernel profile: unknown profile %v", engine.ErrArgument, kind)
	}
	if batch < 0 || nm < 0 {
		return fmt.Errorf("%w: cuda kernel profile: sizes batch=%d nm=%d", engine.ErrArgument, batch, nm)
	}
	if len(dst) != batch*nm || len(s) != batch*nm || len(variance) != batch {
		return fmt.Errorf("%w: cuda kernel profile: lengths dst %d, s %d, variance %d for batch=%d nm=%d",
			engine.ErrShape, len(dst), len(s), len(variance), batch, nm)
	}
	if batch == 0 || nm == 0 {
		return nil
	}
	return d.do(func() error {
		ps, err := d.upload(slotA, s)
		if err != nil {
			return err
		}
		pv, err := d.upload(slotGrad, variance)
		if err != nil {
			return err
		}
		return d.launchToHost(dst, "kern_profile", []cu.DevicePtr{ps, pv}, batch, nm, int(k))
	})
}
