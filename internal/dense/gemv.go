package dense

import "fmt"

// tRegsMax is the widest y that GemvT keeps whole in registers: six YMM
// vectors in each of two accumulator sets take twelve of the sixteen, the
// two broadcasts of x and a temporary three more.
const tRegsMax = 24

// tBlock is the width of the column blocks of y that GemvT's streaming path
// updates in turn, so that the block of y (8 KiB) stays in L1 while every
// row of A goes past it.
const tBlock = 1024

// GemvN computes y = alpha·A·x + beta·y for the row-major m×n matrix A with
// row stride lda:
//
//	y[i] = alpha·Σ_j a[i*lda+j]·x[j] + beta·y[i],  i < m, j < n.
//
// As in BLAS, with alpha = 0 neither A nor x is read, and with beta = 0
// y is not read, so NaNs in it do not propagate. Unlike BLAS, n = 0 still
// sets y to beta·y. y must not overlap A or x.
//
// Each y[i] is summed in an order fixed by n and the code path (assembly
// or Go) alone: it does not depend on m, on i, or on where the slices sit in
// memory, so a product computed a block of rows at a time is bit-identical
// to the whole one.
func GemvN(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	gemvN(haveAsm, m, n, alpha, a, lda, x, beta, y)
}

// GemvT computes y = alpha·Aᵀ·x + beta·y for the row-major m×n matrix A with
// row stride lda:
//
//	y[j] = alpha·Σ_i a[i*lda+j]·x[i] + beta·y[j],  j < n, i < m.
//
// As in BLAS, with alpha = 0 neither A nor x is read, and with beta = 0
// y is not read. Unlike BLAS, m = 0 still sets y to beta·y. y must not
// overlap A or x.
//
// The order of summation over i is fixed by m, n and the code path
// (assembly or Go) alone, never by where the slices sit in memory.
func GemvT(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	gemvT(haveAsm, m, n, alpha, a, lda, x, beta, y)
}

// gemvShapeOK reports whether slices of lengths na, lx and ly can hold an
// m×n matrix with stride lda and vectors of lengths nx and ny. When they
// cannot, it is a programming error in the caller, like an index out of
// range, and GemvN and GemvT panic with gemvShapeError's message. The test
// is inlined, so that it costs a call on a tile of rows a few compares.
func gemvShapeOK(m, n, na, lda, lx, nx, ly, ny int) bool {
	return m >= 0 && n >= 0 && lda >= n && (m == 0 || n == 0 || na >= (m-1)*lda+n) && lx >= nx && ly >= ny
}

// gemvShapeError names the first problem that gemvShapeOK found.
func gemvShapeError(op string, m, n, na, lda, lx, nx, ly, ny int) string {
	switch {
	case m < 0 || n < 0:
		return fmt.Sprintf("dense: %s: negative dimension m=%d n=%d", op, m, n)
	case lda < n:
		return fmt.Sprintf("dense: %s: lda=%d < n=%d", op, lda, n)
	case m > 0 && n > 0 && na < (m-1)*lda+n:
		return fmt.Sprintf("dense: %s: len(a)=%d < %d for m=%d n=%d lda=%d", op, na, (m-1)*lda+n, m, n, lda)
	case lx < nx:
		return fmt.Sprintf("dense: %s: len(x)=%d < %d", op, lx, nx)
	default:
		return fmt.Sprintf("dense: %s: len(y)=%d < %d", op, ly, ny)
	}
}

// gemvN is GemvN on the assembly path when asm is set, else on the Go path;
// the tests call it with both.
func gemvN(asm bool, m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	if !gemvShapeOK(m, n, len(a), lda, len(x), n, len(y), m) {
		panic(gemvShapeError("GemvN", m, n, len(a), lda, len(x), n, len(y), m))
	}
	if m == 0 {
		return
	}
	if n == 0 || alpha == 0 {
		scale(beta, y[:m])
		return
	}
	if asm && n >= 4 {
		gemvNAsm(m, n, alpha, &a[0], lda, &x[0], beta, &y[0])
		return
	}
	gemvNGo(m, n, alpha, a, lda, x, beta, y)
}

// gemvT is GemvT on the assembly path when asm is set, else on the Go path.
func gemvT(asm bool, m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	if !gemvShapeOK(m, n, len(a), lda, len(x), m, len(y), n) {
		panic(gemvShapeError("GemvT", m, n, len(a), lda, len(x), m, len(y), n))
	}
	if n == 0 {
		return
	}
	if m == 0 || alpha == 0 {
		scale(beta, y[:n])
		return
	}
	asm = asm && n >= 4 // the kernels need one whole vector per row
	if asm && n <= tRegsMax {
		// The kernel computes y = alpha·z + beta·y at the end; a zeroed y
		// with beta = 1 gives alpha·z without reading the caller's y.
		if beta == 0 {
			clear(y[:n])
			beta = 1
		}
		gemvTRegsAsm(m, n, alpha, &a[0], lda, &x[0], beta, &y[0])
		return
	}
	scale(beta, y[:n])
	if !asm {
		gemvTGo(m, n, alpha, a, lda, x, y)
		return
	}
	for j := 0; j < n; j += tBlock {
		gemvTAxpyAsm(m, min(tBlock, n-j), alpha, &a[j], lda, &x[0], &y[j])
	}
}

// scale sets y to beta·y, writing zeros (not 0·NaN) when beta is 0.
func scale(beta float64, y []float64) {
	switch beta {
	case 0:
		clear(y)
	case 1:
	default:
		for i := range y {
			y[i] *= beta
		}
	}
}

// gemvNGo is the Go path of GemvN: each row's dot product in four
// interleaved partial sums, added pairwise at the end.
func gemvNGo(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	x = x[:n]
	y = y[:m]
	if n == 3 && beta == 0 {
		gemvN3(alpha, a, lda, x, y)
		return
	}
	for i := range y {
		row := a[i*lda : i*lda+n]
		var s0, s1, s2, s3 float64
		j := 0
		for ; j+4 <= n; j += 4 {
			r := row[j : j+4 : j+4]
			v := x[j : j+4 : j+4]
			s0 += r[0] * v[0]
			s1 += r[1] * v[1]
			s2 += r[2] * v[2]
			s3 += r[3] * v[3]
		}
		for ; j < n; j++ {
			s0 += row[j] * x[j]
		}
		s := (s0 + s1) + (s2 + s3)
		if beta == 0 {
			y[i] = alpha * s
		} else {
			y[i] = alpha*s + beta*y[i]
		}
	}
}

// gemvTGo is the Go path of GemvT after y has been scaled by beta: rows of A
// added to y as axpys, four rows per pass over y, each y[j] taking the rows
// in order.
func gemvTGo(m, n int, alpha float64, a []float64, lda int, x []float64, y []float64) {
	y = y[:n]
	if n == 3 {
		gemvT3(m, alpha, a, lda, x, y)
		return
	}
	i := 0
	for ; i+4 <= m; i += 4 {
		t0, t1, t2, t3 := alpha*x[i], alpha*x[i+1], alpha*x[i+2], alpha*x[i+3]
		r0 := a[i*lda : i*lda+n]
		r1 := a[(i+1)*lda : (i+1)*lda+n]
		r2 := a[(i+2)*lda : (i+2)*lda+n]
		r3 := a[(i+3)*lda : (i+3)*lda+n]
		for j := range y {
			v := y[j]
			v += t0 * r0[j]
			v += t1 * r1[j]
			v += t2 * r2[j]
			v += t3 * r3[j]
			y[j] = v
		}
	}
	for ; i < m; i++ {
		t := alpha * x[i]
		r := a[i*lda : i*lda+n]
		for j := range y {
			y[j] += t * r[j]
		}
	}
}

// gemvN3 is gemvNGo for three columns and beta = 0 (a linear predictor with
// a few covariates), with the same arithmetic: each row's sum starts at 0
// and is added to the three empty partial sums at the end.
func gemvN3(alpha float64, a []float64, lda int, x, y []float64) {
	x0, x1, x2 := x[0], x[1], x[2]
	row := func(r []float64) float64 {
		s := 0.0
		s += r[0] * x0
		s += r[1] * x1
		s += r[2] * x2
		return alpha * ((s + 0) + 0)
	}
	i := 0
	if lda == 3 { // contiguous rows: four per step, one bounds check
		for ; i+4 <= len(y); i += 4 {
			r := a[3*i : 3*i+12 : 3*i+12]
			w := y[i : i+4 : i+4]
			w[0], w[1], w[2], w[3] = row(r[0:3]), row(r[3:6]), row(r[6:9]), row(r[9:12])
		}
	}
	for ; i < len(y); i++ {
		y[i] = row(a[i*lda : i*lda+3 : i*lda+3])
	}
}

// gemvT3 is gemvTGo for three columns, with y in registers and the rows
// added in order, as gemvTGo adds them.
func gemvT3(m int, alpha float64, a []float64, lda int, x, y []float64) {
	y0, y1, y2 := y[0], y[1], y[2]
	i := 0
	if lda == 3 { // contiguous rows: four per step, one bounds check
		for ; i+4 <= m; i += 4 {
			r := a[3*i : 3*i+12 : 3*i+12]
			t := x[i : i+4 : i+4]
			t0, t1, t2, t3 := alpha*t[0], alpha*t[1], alpha*t[2], alpha*t[3]
			y0 += t0 * r[0]
			y1 += t0 * r[1]
			y2 += t0 * r[2]
			y0 += t1 * r[3]
			y1 += t1 * r[4]
			y2 += t1 * r[5]
			y0 += t2 * r[6]
			y1 += t2 * r[7]
			y2 += t2 * r[8]
			y0 += t3 * r[9]
			y1 += t3 * r[10]
			y2 += t3 * r[11]
		}
	}
	for ; i < m; i++ {
		t := alpha * x[i]
		r := a[i*lda : i*lda+3 : i*lda+3]
		y0 += t * r[0]
		y1 += t * r[1]
		y2 += t * r[2]
	}
	y[0], y[1], y[2] = y0, y1, y2
}
