package gp

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// The fused ops run their heavy parts on the program's device when it has
// the capability: gp_mll_grad inverts K through engine.CholInverseDevice
// (mll.go) and gp_profile forms v·φ(S) through engine.KernelProfileDevice
// (here). The other fused ops are single passes over data that is on the
// host already (the gradients of the profile, the noise diagonal), where a
// round trip to a device would cost more than the pass itself.

// offCPU returns the device as capability T when it implements T and is not
// the CPU: on the CPU the fused ops run their own code, which the CPU
// references of the capabilities are checked against.
func offCPU[T engine.Device](d engine.Device) (T, bool) {
	t, ok := d.(T)
	if !ok || engine.IsCPU(d) {
		var zero T
		return zero, false
	}
	return t, true
}

// profileDeviceKernel runs gp_profile on a KernelProfileDevice, first
// copying distances or variances that broadcast over the batch out to the
// full batch, in buffers allocated at compile time.
type profileDeviceKernel struct {
	dev        engine.KernelProfileDevice
	kind       engine.Stationary
	nm         int
	si, vi     []int
	sBuf, vBuf []float64 // nil where the operand is already one per member
}

// newProfileDeviceKernel builds the kernel for outputs of len(si) members of
// nm elements; si and vi map members to those of S (sSize elements) and of
// v (vSize elements).
func newProfileDeviceKernel(dev engine.KernelProfileDevice, p engine.Stationary, nm int, si, vi []int, sSize, vSize int) *profileDeviceKernel {
	k := &profileDeviceKernel{dev: dev, kind: p, nm: nm, si: si, vi: vi}
	batch := len(si)
	if !isIdentity(si) || sSize != batch*nm {
		k.sBuf = make([]float64, batch*nm)
	}
	if !isIdentity(vi) || vSize != batch {
		k.vBuf = make([]float64, batch)
	}
	return k
}

func isIdentity(idx []int) bool {
	for i, j := range idx {
		if i != j {
			return false
		}
	}
	return true
}

func (k *profileDeviceKernel) Run(out []float64, in [][]float64) error {
	s, v := in[0], in[1]
	if k.sBuf != nil {
		for m, j := range k.si {
			copy(k.sBuf[m*k.nm:(m+1)*k.nm], s[j*k.nm:(j+1)*k.nm])
		}
		s = k.sBuf
	}
	if k.vBuf != nil {
		for m, j := range k.vi {
			k.vBuf[m] = v[j]
		}
		v = k.vBuf
	}
	if err := k.dev.KernelProfile(out, s, v, k.kind, len(k.si), k.nm); err != nil {
		return fmt.Errorf("gp_profile_%v on %s: %w", k.kind, k.dev.Name(), err)
	}
	return nil
}
