//go:build gpu

package cuda

import (
	"fmt"
	"unsafe"

	"github.com/ignis-ppl/ignis/engine"
	"gorgonia.org/cu"
)

// SqDist implements engine.SqDistDevice:
// dst[b, i, j] = Σ_l ((x1[b, i, l] − x2[b, j, l]) / ls[b, l])².
func (d *Device) SqDist(dst, x1, x2, ls []float64, batch, n, m, dim int) error {
	if err := checkPairs("sqdist", len(dst), len(x1), len(x2), len(ls), -1, batch, n, m, dim); err != nil {
		return err
	}
	return d.do(func() error {
		p1, p2, pl, err := d.uploadPairs(x1, x2, ls)
		if err != nil {
			return err
		}
		return d.launchToHost(dst, "sqdist", []cu.DevicePtr{p1, p2, pl}, batch, n, m, dim)
	})
}

func dim3(x int) dims { return dims{x: x} }

// Kernel names a stationary kernel of KernelMatrix and KernelGrad.
type Kernel int

// The kernels, as functions of r² = Σ_l ((x1_l − x2_l) / ls_l)².
const (
	RBF      Kernel = iota // σ² exp(−r²/2)
	Matern12               // σ² exp(−r)
	Matern32               // σ² (1 + √3 r) exp(−√3 r)
	Matern52               // σ² (1 + √5 r + 5r²/3) exp(−√5 r)
)

func (k Kernel) String() string {
	switch k {
	case RBF:
		return "rbf"
	case Matern12:
		return "matern12"
	case Matern32:
		return "matern32"
	case Matern52:
		return "matern52"
	}
	return fmt.Sprintf("Kernel(%d)", int(k))
}

// KernelMatrix writes the kernel matrices of batch independent kernels:
// dst [batch, n, m] from x1 [batch, n, dim], x2 [batch, m, dim],
// lengthscales ls [batch, dim] and variances [batch], all contiguous and
// row-major (a shared X is repeated by the caller). x1 and x2 may be the
// same slice.
func (d *Device) KernelMatrix(dst, x1, x2, ls, variance []float64, kind Kernel, batch, n, m, dim int) error {
	if kind < RBF || kind > Matern52 {
		return fmt.Errorf("%w: cuda kernel matrix: unknown kernel %v", engine.ErrArgument, kind)
	}
	if err := checkPairs("kernel matrix", len(dst), len(x1), len(x2), len(ls), len(variance), batch, n, m, dim); err != nil {
		return err
	}
	return d.do(func() error {
		p1, p2, pl, err := d.uploadPairs(x1, x2, ls)
		if err != nil {
			return err
		}
		pv, err := d.upload(slotGrad, variance)
		if err != nil {
			return err
		}
		return d.launchToHost(dst, "kern_matrix", []cu.DevicePtr{p1, p2, pl, pv}, batch, n, m, dim, int(kind))
	})
}

// KernelGrad contracts the derivatives of KernelMatrix's output with an
// upstream gradient g [batch, n, m]: it writes
// gls[b, l] = Σ_{i,j} g[b, i, j] ∂K[b, i, j]/∂ls[b, l] and
// gvar[b] = Σ_{i,j} g[b, i, j] ∂K[b, i, j]/∂variance[b], summing in float64
// whatever the device's precision. For a GP's marginal likelihood g is
// ½(α αᵀ − K⁻¹) with α = K⁻¹ y.
func (d *Device) KernelGrad(gls, gvar, g, x1, x2, ls, variance []float64, kind Kernel, batch, n, m, dim int) error {
	if kind < RBF || kind > Matern52 {
		return fmt.Errorf("%w: cuda kernel gradient: unknown kernel %v", engine.ErrArgument, kind)
	}
	if err := checkPairs("kernel gradient", len(g), len(x1), len(x2), len(ls), len(variance), batch, n, m, dim); err != nil {
		return err
	}
	if len(gls) != batch*dim || len(gvar) != batch {
		return fmt.Errorf("%w: cuda kernel gradient: gradients of %d and %d elements for batch %d, dimension %d",
			engine.ErrShape, len(gls), len(gvar), batch, dim)
	}
	if batch > maxGridY {
		return fmt.Errorf("%w: cuda kernel gradient: batch %d above %d", engine.ErrArgument, batch, maxGridY)
	}
	return d.do(func() error {
		p1, p2, pl, err := d.uploadPairs(x1, x2, ls)
		if err != nil {
			return err
		}
		pv, err := d.upload(slotGrad, variance)
		if err != nil {
			return err
		}
		pg, err := d.upload(slotOut, g)
		if err != nil {
			return err
		}
		// gls then gvar, both float64, in one zeroed buffer.
		nacc := batch*dim + batch
		acc, err := d.scratchBytes(slotInfo, int64(nacc)*8)
		if err != nil {
			return err
		}
		if err := cu.MemsetD32(acc, 0, int64(nacc)*2); err != nil {
			return &KernelError{Kernel: "memset", Err: err}
		}
		accVar := acc + cu.DevicePtr(batch*dim*8)
		if err := d.launch("kern_grad", dims{x: (n*m + threads - 1) / threads, y: batch}, dim3(threads), 0,
			ptrArg(p1), ptrArg(p2), ptrArg(pl), ptrArg(pv), ptrArg(pg), ptrArg(acc), ptrArg(accVar),
			intArg(n), intArg(m), intArg(dim), intArg(int(kind))); err != nil {
			return err
		}
		if err := cu.MemcpyDtoH(unsafe.Pointer(&gls[0]), acc, int64(batch*dim)*8); err != nil {
			return &KernelError{Kernel: "copy from device (after kern_grad)", Err: err}
		}
		if err := cu.MemcpyDtoH(unsafe.Pointer(&gvar[0]), accVar, int64(batch)*8); err != nil {
			return &KernelError{Kernel: "copy from device (after kern_grad)", Err: err}
		}
		return nil
	})
}

// uploadPairs copies the points and lengthscales to slots A, B and C,
// copying x1 once when x2 is the same slice.
func (d *Device) uploadPairs(x1, x2, ls []float64) (p1, p2, pl cu.DevicePtr, err error) {
	if p1, err = d.upload(slotA, x1); err != nil {
		return
	}
	if len(x1) == len(x2) && &x1[0] == &x2[0] {
		p2 = p1
	} else if p2, err = d.upload(slotB, x2); err != nil {
		return
	}
	pl, err = d.upload(slotC, ls)
	return
}

// checkPairs checks the sizes of a pairwise op; nvar < 0 means no variances.
func checkPairs(op string, nout, n1, n2, nls, nvar, batch, n, m, dim int) error {
	if batch <= 0 || n <= 0 || m <= 0 || dim <= 0 {
		return fmt.Errorf("%w: cuda %s: sizes batch=%d n=%d m=%d dim=%d must be positive", engine.ErrArgument, op, batch, n, m, dim)
	}
	if nout != batch*n*m || n1 != batch*n*dim || n2 != batch*m*dim || nls != batch*dim || (nvar >= 0 && nvar != batch) {
		return fmt.Errorf("%w: cuda %s: lengths out %d, x1 %d, x2 %d, ls %d, variance %d for batch=%d n=%d m=%d dim=%d",
			engine.ErrShape, op, nout, n1, n2, nls, nvar, batch, n, m, dim)
	}
	return nil
}
