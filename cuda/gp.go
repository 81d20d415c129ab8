//go:build gpu

package cuda

import (
	"fmt"
	"unsafe"

	"github.com/ignis-ppl/ignis/engine"
	"gorgonia.org/cu"
)

// ExactGP is a batch of independent exact GP regressions whose inputs and
// targets stay on the device: each call of NLL sends only the
// hyperparameters and brings back only the losses and gradients. The whole
// computation runs on the GPU: kernel matrix, Cholesky, α = K⁻¹y and K⁻¹ by
// triangular solves, and the contraction of ∂K/∂θ with ½(K⁻¹ − ααᵀ).
type ExactGP struct {
	dev               *Device
	kind              Kernel
	batch, n, dim     int
	x, y              *Buffer // [batch, n, dim], [batch, n]
	k, l, kinv, alpha *Buffer
	hyper             *Buffer // ls [batch·dim], variance [batch], noise [batch]
	out               cu.DevicePtr
	outHost           []float64
	hostHyper         []float64
}

// NewExactGP uploads inputs x ([n, dim], shared by all members, or
// [batch, n, dim]) and targets y [batch, n] for a batch of GPs with the given
// stationary kernel plus Gaussian noise, and allocates the device buffers
// (about 3·batch·n² elements).
func (d *Device) NewExactGP(x, y []float64, kind Kernel, batch, n, dim int) (*ExactGP, error) {
	if kind < RBF || kind > Matern52 {
		return nil, fmt.Errorf("%w: cuda exact GP: unknown kernel %v", engine.ErrArgument, kind)
	}
	if batch <= 0 || n <= 0 || dim <= 0 || len(y) != batch*n || (len(x) != n*dim && len(x) != batch*n*dim) {
		return nil, fmt.Errorf("%w: cuda exact GP: x of %d and y of %d elements for batch=%d n=%d dim=%d",
			engine.ErrShape, len(x), len(y), batch, n, dim)
	}
	if batch > maxGridY {
		return nil, fmt.Errorf("%w: cuda exact GP: batch %d above %d", engine.ErrArgument, batch, maxGridY)
	}
	xs := x
	if len(x) == n*dim && batch > 1 {
		xs = make([]float64, batch*n*dim)
		for b := 0; b < batch; b++ {
			copy(xs[b*n*dim:], x)
		}
	}
	gp := &ExactGP{dev: d, kind: kind, batch: batch, n: n, dim: dim,
		outHost: make([]float64, batch*(dim+3)), hostHyper: make([]float64, batch*(dim+2))}
	var err error
	alloc := func(v []float64, size int) *Buffer {
		if err != nil {
			return nil
		}
		var b *Buffer
		if v != nil {
			b, err = d.Upload(v)
		} else {
			b, err = d.NewBuffer(size)
		}
		return b
	}
	gp.x, gp.y = alloc(xs, 0), alloc(y, 0)
	gp.k, gp.l, gp.kinv = alloc(nil, batch*n*n), alloc(nil, batch*n*n), alloc(nil, batch*n*n)
	gp.alpha, gp.hyper = alloc(nil, batch*n), alloc(nil, batch*(dim+2))
	if err == nil {
		err = d.do(func() error {
			p, e := cu.MemAlloc(int64(len(gp.outHost)) * 8)
			if e != nil {
				return &KernelError{Kernel: "alloc exact GP outputs", Err: e}
			}
			gp.out = p
			return nil
		})
	}
	if err != nil {
		gp.Free()
		return nil, err
	}
	return gp, nil
}

// Free releases the GP's device memory.
func (gp *ExactGP) Free() {
	for _, b := range []*Buffer{gp.x, gp.y, gp.k, gp.l, gp.kinv, gp.alpha, gp.hyper} {
		if b != nil {
			_ = b.Free()
		}
	}
	if gp.out != 0 {
		_ = gp.dev.do(func() error { return cu.MemFree(gp.out) })
		gp.out = 0
	}
}

// NLL computes, for lengthscales ls [batch, dim], variances [batch] and
// noise variances [batch], each member's negative log marginal likelihood
// nll [batch] (½ yᵀK⁻¹y + ½ log|K| + (n/2) log 2π) and its gradients gls
// [batch, dim], gvar [batch] and gnoise [batch]. A member whose K is not
// positive definite gives *engine.NotPositiveDefiniteError naming it.
func (gp *ExactGP) NLL(nll, gls, gvar, gnoise, ls, variance, noise []float64) error {
	b, n, dim := gp.batch, gp.n, gp.dim
	if len(nll) != b || len(gls) != b*dim || len(gvar) != b || len(gnoise) != b ||
		len(ls) != b*dim || len(variance) != b || len(noise) != b {
		return fmt.Errorf("%w: cuda exact GP: outputs or hyperparameters of the wrong length for batch=%d dim=%d",
			engine.ErrShape, b, dim)
	}
	d := gp.dev
	h := gp.hostHyper
	copy(h, ls)
	copy(h[b*dim:], variance)
	copy(h[b*dim+b:], noise)
	return d.do(func() error {
		if err := d.toDevice(gp.hyper.ptr, h); err != nil {
			return err
		}
		sz := d.prec.size()
		pls := gp.hyper.ptr
		pvar := pls + cu.DevicePtr(int64(b*dim)*sz)
		pnoise := pvar + cu.DevicePtr(int64(b)*sz)
		oNLL := gp.out
		oLS := oNLL + cu.DevicePtr(b*8)
		oVar := oLS + cu.DevicePtr(b*dim*8)
		oNoise := oVar + cu.DevicePtr(b*8)
		if err := cu.MemsetD32(gp.out, 0, int64(len(gp.outHost))*2); err != nil {
			return &KernelError{Kernel: "memset", Err: err}
		}
		nn := b * n * n
		steps := []struct {
			name string
			g    dims
			args []uint64
		}{
			{"kern_matrix", gridFor(nn), []uint64{ptrArg(gp.x.ptr), ptrArg(gp.x.ptr), ptrArg(pls), ptrArg(pvar), ptrArg(gp.k.ptr),
				intArg(b), intArg(n), intArg(n), intArg(dim), intArg(int(gp.kind))}},
			{"add_diag", gridFor(b * n), []uint64{ptrArg(gp.k.ptr), ptrArg(pnoise), intArg(b), intArg(n)}},
		}
		for _, s := range steps {
			if err := d.launch(s.name, s.g, dim3(threads), 0, s.args...); err != nil {
				return err
			}
		}
		if err := d.cholesky(gp.l.ptr, gp.k.ptr, b, n); err != nil {
			return err
		}
		if err := cu.MemcpyDtoD(gp.alpha.ptr, gp.y.ptr, int64(b*n)*sz); err != nil {
			return &KernelError{Kernel: "copy on device", Err: err}
		}
		if err := d.launch("set_identity", gridFor(nn), dim3(threads), 0, ptrArg(gp.kinv.ptr), intArg(b), intArg(n)); err != nil {
			return err
		}
		for _, trans := range []bool{false, true} {
			if err := d.triSolve(gp.l.ptr, gp.alpha.ptr, b, n, 1, true, trans); err != nil {
				return err
			}
			// The identity, and so L⁻¹, is lower triangular: the first
			// solve skips its zero tiles.
			if err := d.triSolveRHS(gp.l.ptr, gp.kinv.ptr, b, n, n, true, trans, !trans); err != nil {
				return err
			}
		}
		more := []struct {
			name string
			g    dims
			args []uint64
		}{
			{"gp_weights", gridFor(nn), []uint64{ptrArg(gp.kinv.ptr), ptrArg(gp.alpha.ptr), intArg(b), intArg(n)}},
			{"kern_grad", dims{x: (n*n + threads - 1) / threads, y: b}, []uint64{ptrArg(gp.x.ptr), ptrArg(gp.x.ptr),
				ptrArg(pls), ptrArg(pvar), ptrArg(gp.kinv.ptr), ptrArg(oLS), ptrArg(oVar), intArg(n), intArg(n), intArg(dim),
				intArg(int(gp.kind))}},
			{"gp_terms", dim3(b), []uint64{ptrArg(gp.l.ptr), ptrArg(gp.y.ptr), ptrArg(gp.alpha.ptr), ptrArg(gp.kinv.ptr),
				ptrArg(oNLL), ptrArg(oNoise), intArg(n)}},
		}
		for _, s := range more {
			if err := d.launch(s.name, s.g, dim3(threads), 0, s.args...); err != nil {
				return err
			}
		}
		if err := cu.MemcpyDtoH(unsafe.Pointer(&gp.outHost[0]), gp.out, int64(len(gp.outHost))*8); err != nil {
			return &KernelError{Kernel: "copy from device (after " + d.last + ")", Err: err}
		}
		o := gp.outHost
		copy(nll, o[:b])
		copy(gls, o[b:b+b*dim])
		copy(gvar, o[b+b*dim:b+b*dim+b])
		copy(gnoise, o[b+b*dim+b:])
		return nil
	})
}
