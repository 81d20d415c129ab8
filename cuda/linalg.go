//go:build gpu

package cuda

import (
	"fmt"
	"unsafe"

	"github.com/ignis-ppl/ignis/engine"
	"gorgonia.org/cu"
)

// Launch geometry shared with kernels/cholesky.cu.
const (
	tileB     = 32  // TB: panel width and tile size of the blocked path
	panelRows = 64  // PANEL_ROWS: rows per block of chol_panel
	smallMaxN = 64  // largest n factored by chol_small (n(n+1) elements in shared memory)
	threads   = 256 // threads per block of the one-dimensional kernels
	maxGridY  = 65535
	maxBlocks = 1 << 16 // cap on grid-stride launches
)

// MaxCholeskyN is the largest matrix order the blocked Cholesky is
// specified for; larger ones run but are not tested.
const MaxCholeskyN = 2048

// Cholesky implements engine.CholeskyDevice: it copies src to the GPU,
// factors every member there and copies the factors back. The errors are the
// CPU's: *engine.NotFiniteError or *engine.NotPositiveDefiniteError for the
// lowest-numbered failing member. On a Float32 device a finite float64 too
// large for float32 becomes Inf and is reported as not finite.
func (d *Device) Cholesky(dst, src []float64, batch, n int) error {
	if err := checkSquare("cholesky", len(dst), len(src), batch, n); err != nil || batch == 0 || n == 0 {
		return err
	}
	size := batch * n * n
	return d.do(func() error {
		a, err := d.upload(slotA, src[:size])
		if err != nil {
			return err
		}
		out, err := d.scratchElems(slotOut, size)
		if err != nil {
			return err
		}
		if err := d.cholesky(out, a, batch, n); err != nil {
			return err
		}
		return d.fromDevice(dst[:size], out)
	})
}

// checkSquare checks that buffers of nsrc and ndst elements hold batch n×n
// matrices.
func checkSquare(op string, ndst, nsrc, batch, n int) error {
	if batch < 0 || n < 0 || nsrc < batch*n*n || ndst < batch*n*n {
		return fmt.Errorf("%w: cuda %s: %d matrices of %d×%d in buffers of %d and %d elements",
			engine.ErrArgument, op, batch, n, n, nsrc, ndst)
	}
	return nil
}

// CholeskyBuffer factors the batch n×n matrices in src into dst, both on the
// device (they must not overlap), with the errors of Cholesky. It waits for
// the result, as Cholesky does: the time it takes is the device's time to
// factor and check the batch.
func (d *Device) CholeskyBuffer(dst, src *Buffer, batch, n int) error {
	if batch <= 0 || n <= 0 || src.n < batch*n*n || dst.n < batch*n*n || src.dev != d || dst.dev != d {
		return fmt.Errorf("%w: cuda cholesky: %d matrices of %d×%d in buffers of %d and %d elements (or of another device)",
			engine.ErrArgument, batch, n, n, src.n, dst.n)
	}
	return d.do(func() error { return d.cholesky(dst.ptr, src.ptr, batch, n) })
}

// cholesky factors on the device and turns the members' status into the
// engine's errors. The context must be current.
func (d *Device) cholesky(out, a cu.DevicePtr, batch, n int) error {
	if n > smallMaxN && batch > maxGridY {
		return fmt.Errorf("%w: cuda cholesky: batch %d of %d×%d matrices: at most %d members above n = %d",
			engine.ErrArgument, batch, n, n, maxGridY, smallMaxN)
	}
	info, err := d.scratchBytes(slotInfo, int64(batch)*4)
	if err != nil {
		return err
	}
	bad, err := d.scratchBytes(slotBad, 8)
	if err != nil {
		return err
	}
	if err := cu.MemsetD32(bad, 0xffffffff, 2); err != nil {
		return &KernelError{Kernel: "memset", Err: err}
	}
	sz := int(d.prec.size())
	if n <= smallMaxN {
		err = d.launch("chol_small", dims{x: batch}, dims{x: threads}, n*(n+1)*sz,
			ptrArg(a), ptrArg(out), ptrArg(info), ptrArg(bad), intArg(n))
	} else {
		err = d.choleskyBlocked(out, a, info, bad, batch, n)
	}
	if err != nil {
		return err
	}
	if err := d.sync(); err != nil {
		return err
	}
	return d.choleskyStatus(info, bad, batch, n)
}

func (d *Device) choleskyBlocked(out, a, info, bad cu.DevicePtr, batch, n int) error {
	sz := int(d.prec.size())
	total := batch * n * n
	if err := d.launch("chol_init", gridFor(total), dim3(threads), 0,
		ptrArg(a), ptrArg(out), ptrArg(info), ptrArg(bad), intArg(batch), intArg(n)); err != nil {
		return err
	}
	for p := 0; p < n; p += tileB {
		w := min(tileB, n-p)
		if err := d.launch("chol_diag", dims{x: batch}, dims{x: threads}, tileB*(tileB+1)*sz,
			ptrArg(out), ptrArg(info), intArg(n), intArg(p)); err != nil {
			return err
		}
		rows := n - p - w
		if rows <= 0 {
			break
		}
		if err := d.launch("chol_panel", dims{x: (rows + panelRows - 1) / panelRows, y: batch}, dims{x: panelRows},
			(tileB+panelRows)*(tileB+1)*sz, ptrArg(out), ptrArg(info), intArg(n), intArg(p)); err != nil {
			return err
		}
		t := (rows + tileB - 1) / tileB
		if err := d.launch("chol_update", dims{x: t * (t + 1) / 2, y: batch}, dims{x: tileB, y: 8},
			2*tileB*(tileB+1)*sz, ptrArg(out), ptrArg(info), intArg(n), intArg(p)); err != nil {
			return err
		}
	}
	return nil
}

// choleskyStatus reads the members' pivots and the first non-finite index
// and returns the error of the lowest-numbered failing member, if any.
func (d *Device) choleskyStatus(info, bad cu.DevicePtr, batch, n int) error {
	if cap(d.info) < batch {
		d.info = make([]int32, batch)
	}
	st := d.info[:batch]
	if err := cu.MemcpyDtoH(unsafe.Pointer(&st[0]), info, int64(batch)*4); err != nil {
		return &KernelError{Kernel: "copy status from device", Err: err}
	}
	if err := cu.MemcpyDtoH(unsafe.Pointer(&d.bad[0]), bad, 8); err != nil {
		return &KernelError{Kernel: "copy status from device", Err: err}
	}
	nn := uint64(n) * uint64(n)
	badMember := batch
	if d.bad[0] != ^uint64(0) {
		badMember = int(d.bad[0] / nn)
	}
	for m := range min(badMember, batch) {
		if p := st[m]; p >= 0 {
			return &engine.NotPositiveDefiniteError{Op: "cholesky", Batch: m, Pivot: int(p)}
		}
	}
	if badMember < batch {
		return &engine.NotFiniteError{Op: "cholesky", Index: int(d.bad[0])}
	}
	return nil
}

// TriSolve implements engine.TriSolveDevice: op(A) X = B for every member,
// A and B copied to the GPU, X copied back. dst may be b.
func (d *Device) TriSolve(dst, a, b []float64, batch, n, k int, lower, transpose bool) error {
	if batch < 0 || n < 0 || k < 0 || len(a) < batch*n*n || len(b) < batch*n*k || len(dst) < batch*n*k {
		return fmt.Errorf("%w: cuda trisolve: %d systems of %d×%d with %d right-hand sides in buffers of %d, %d and %d elements",
			engine.ErrArgument, batch, n, n, k, len(a), len(b), len(dst))
	}
	if batch == 0 || n == 0 || k == 0 {
		return nil
	}
	return d.do(func() error {
		pa, err := d.upload(slotA, a[:batch*n*n])
		if err != nil {
			return err
		}
		px, err := d.upload(slotB, b[:batch*n*k])
		if err != nil {
			return err
		}
		if err := d.triSolve(pa, px, batch, n, k, lower, transpose); err != nil {
			return err
		}
		return d.fromDevice(dst[:batch*n*k], px)
	})
}

// TriSolveBuffer solves op(A) X = B in place on the device: x holds B on
// entry and X on return.
func (d *Device) TriSolveBuffer(x, a *Buffer, batch, n, k int, lower, transpose bool) error {
	if batch <= 0 || n <= 0 || k <= 0 || a.n < batch*n*n || x.n < batch*n*k || a.dev != d || x.dev != d {
		return fmt.Errorf("%w: cuda trisolve: %d systems of %d×%d with %d right-hand sides in buffers of %d and %d elements (or of another device)",
			engine.ErrArgument, batch, n, n, k, a.n, x.n)
	}
	return d.do(func() error {
		if err := d.triSolve(a.ptr, x.ptr, batch, n, k, lower, transpose); err != nil {
			return err
		}
		return d.sync()
	})
}

// Launch geometry shared with kernels/trisolve.cu's trsm_blk.
const (
	trsmTile = 32 // TS: rows and columns of a tile
	trsmRows = 4  // TS_ROWS: blockDim.y
	// trsm_cols solves systems of order below trsmTile (a single, partial
	// tile): both kernels then run one substitution of at most n²/2 steps
	// per column, and trsm_cols keeps all its threads busy while trsm_blk
	// leaves three of its four warps idle in it. From n = trsmTile on,
	// trsm_blk's tile products replace trsm_cols's n²/2-step chains per
	// column (bench/RESULTS.md, "GPU run plan").
	trsmBlockedMinN = trsmTile
	maxGridX        = 1<<31 - 1
)

func (d *Device) triSolve(a, x cu.DevicePtr, batch, n, k int, lower, transpose bool) error {
	return d.triSolveRHS(a, x, batch, n, k, lower, transpose, false)
}

// triSolveRHS is triSolve for right-hand sides that may be known to be
// lower triangular (lowRHS: B[i][c] = 0 for i < c, as for the identity);
// with op(A) lower the blocked kernel then skips the tiles of X that are
// zero. The result is the same either way.
func (d *Device) triSolveRHS(a, x cu.DevicePtr, batch, n, k int, lower, transpose, lowRHS bool) error {
	tiles := (k + trsmTile - 1) / trsmTile
	if n < trsmBlockedMinN || batch > maxGridX/tiles {
		const tpb = 128
		blocks := min((batch*k+tpb-1)/tpb, maxBlocks)
		return d.launch("trsm_cols", dims{x: blocks}, dims{x: tpb}, 0,
			ptrArg(a), ptrArg(x), intArg(batch), intArg(n), intArg(k), boolArg(lower), boolArg(transpose))
	}
	// trsm_blk(a, x, batch, n, k, lower, trans, lowrhs): one block of
	// trsmTile × trsmRows threads per (member, column tile), two padded
	// tiles of shared memory.
	smem := 2 * trsmTile * (trsmTile + 1) * int(d.prec.size())
	forward := lower != transpose
	return d.launch("trsm_blk", dims{x: batch * tiles}, dims{x: trsmTile, y: trsmRows}, smem,
		ptrArg(a), ptrArg(x), intArg(batch), intArg(n), intArg(k), boolArg(lower), boolArg(transpose),
		boolArg(lowRHS && forward))
}

func boolArg(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
