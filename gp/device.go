package gp

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// The fused ops run their heavy parts on the program's device when it has
// the capability: gp_mll_grad inverts K through engine.CholInverseDevice
// (mll.go) and gp_profile forms v·φ(S) through engine.KernelProfileDevice,
// with S from engine.SqDistDevice (here). The other fused ops are single
// passes over data that is on the host already (the kernel's gradients, the
// noise diagonal), where a round trip to a device would cost more than the
// pass itself.

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

// profileDeviceKernel runs gp_profile on a KernelProfileDevice: the
// distances S come from the device's engine.SqDistDevice when it has one
// (else from the CPU, into a buffer), and the profile from the device;
// operands that broadcast over the batch are first copied out to the full
// batch, in buffers allocated at compile time.
type profileDeviceKernel struct {
	dev     engine.KernelProfileDevice
	sq      engine.SqDistDevice // nil: S on the CPU
	kind    engine.Stationary
	pd      pairDims
	batch   int
	di      []int // members of the diagonal, nil for none
	s, v    []float64
	x1, x2  []float64 // full-batch copies for sq
	ls      []float64
	cpuRows rowScratch
}

func newProfileDeviceKernel(dev engine.KernelProfileDevice, p engine.Stationary, pd pairDims, batch int, di []int) *profileDeviceKernel {
	k := &profileDeviceKernel{dev: dev, kind: p, pd: pd, batch: batch, di: di,
		s: make([]float64, batch*pd.n*pd.m), v: make([]float64, batch)}
	if sq, ok := offCPU[engine.SqDistDevice](engine.Device(dev)); ok {
		k.sq = sq
		k.x1, k.x2, k.ls = make([]float64, batch*pd.n*pd.d), make([]float64, batch*pd.m*pd.d), make([]float64, batch*pd.d)
	} else {
		k.cpuRows = pd.scratch(1)[0]
	}
	return k
}

func (k *profileDeviceKernel) Run(out []float64, in [][]float64) error {
	v, x1, x2, ls := in[0], in[1], in[2], in[3]
	pd := k.pd
	n, m, d, nm := pd.n, pd.m, pd.d, pd.n*pd.m
	for b := range k.batch {
		k.v[b] = v[pd.vi[b]]
	}
	if k.sq != nil {
		for b := range k.batch {
			copy(k.x1[b*n*d:(b+1)*n*d], x1[pd.x1i[b]*n*d:])
			copy(k.x2[b*m*d:(b+1)*m*d], x2[pd.x2i[b]*m*d:])
			l := ls[pd.lsi[b]*pd.pd : (pd.lsi[b]+1)*pd.pd]
			for e := range d {
				k.ls[b*d+e] = l[min(e, pd.pd-1)]
			}
		}
		if err := k.sq.SqDist(k.s, k.x1, k.x2, k.ls, k.batch, n, m, d); err != nil {
			return fmt.Errorf("gp_profile_%v on %s: %w", k.kind, k.dev.Name(), err)
		}
	} else {
		sc := &k.cpuRows
		for b := range k.batch {
			xa := pd.prep(sc, x1, x2, ls, b)
			for i := range n {
				sc.rowDist(xa[i*d : (i+1)*d])
				copy(k.s[b*nm+i*m:b*nm+(i+1)*m], sc.s)
			}
		}
	}
	if err := k.dev.KernelProfile(out, k.s, k.v, k.kind, k.batch, nm); err != nil {
		return fmt.Errorf("gp_profile_%v on %s: %w", k.kind, k.dev.Name(), err)
	}
	for b, j := range k.di {
		addToDiag(out[b*nm:(b+1)*nm], n, in[4][j])
	}
	return nil
}
