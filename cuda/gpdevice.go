//go:build gpu

package cuda

import (
	"fmt"
	"unsafe"

	"github.com/ignis-ppl/ignis/engine"
	"gorgonia.org/cu"
)

// The capabilities that package gp looks for, on top of the Cholesky,
// TriSolve and SqDist that the engine's own ops use: with the first two, a
// GP training step written against package gp and compiled for the device
// runs its O(N³) work (the factorization, the solves and the inverse of the
// marginal likelihood's gradient) and its kernel matrices on the GPU; with
// the third, gp.ExactLoss keeps a batch of GP regressions on the GPU and
// runs the whole loss and gradient there.
var (
	_ engine.CholInverseDevice   = (*Device)(nil)
	_ engine.KernelProfileDevice = (*Device)(nil)
	_ engine.ExactGPDevice       = (*Device)(nil)
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

// exactGP implements engine.ExactGP: a batch of independent exact GP
// regressions whose inputs and targets stay on the device, so that each call
// of NLL sends only the hyperparameters and brings back only the losses and
// gradients. The whole computation runs on the GPU: kernel matrix,
// Cholesky, α = K⁻¹y and K⁻¹ by triangular solves, and the contraction of
// ∂K/∂θ with ½(K⁻¹ − ααᵀ).
type exactGP struct {
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

// NewExactGP implements engine.ExactGPDevice: it uploads inputs x ([n, dim],
// shared by all members, or [batch, n, dim]) and targets y [batch, n] for a
// batch of GPs with the given stationary kernel plus Gaussian noise, and
// allocates the device buffers (about 3·batch·n² elements). Package gp's
// ExactLoss is its user.
func (d *Device) NewExactGP(x, y []float64, stationary engine.Stationary, batch, n, dim int) (engine.ExactGP, error) {
	kind, ok := kernelOf(stationary)
	if !ok {
		return nil, fmt.Errorf("%w: cuda exact GP: unknown kernel %v", engine.ErrArgument, stationary)
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
	gp := &exactGP{dev: d, kind: kind, batch: batch, n: n, dim: dim,
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
		_ = gp.Close()
		return nil, err
	}
	return gp, nil
}

// Close implements engine.ExactGP: it releases the GP's device memory and
// returns the first error in doing so.
func (gp *exactGP) Close() error {
	var first error
	for _, b := range []**Buffer{&gp.x, &gp.y, &gp.k, &gp.l, &gp.kinv, &gp.alpha, &gp.hyper} {
		if *b != nil {
			if err := (*b).Free(); err != nil && first == nil {
				first = err
			}
			*b = nil
		}
	}
	if gp.out != 0 {
		err := gp.dev.do(func() error {
			if err := cu.MemFree(gp.out); err != nil {
				return &KernelError{Kernel: "free", Err: err}
			}
			return nil
		})
		if err != nil && first == nil {
			first = err
		}
		gp.out = 0
	}
	return first
}

// NLL implements engine.ExactGP.
func (gp *exactGP) NLL(nll, gls, gvar, gnoise, ls, variance, noise []float64) error {
	if gp.out == 0 {
		return fmt.Errorf("%w: exact GP used after Close", ErrClosed)
	}
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
