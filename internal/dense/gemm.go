package dense

// Register tile and cache blocks of Gemm. A packed mc×kc block of A
// (144 KiB) stays in L2 while the kc×8 strips of the packed B panel
// (16 KiB each) stream through L1; kc×nc of B (1 MiB) sits in L2 or L3.
const (
	mr = 6
	nr = 8
	kc = 256
	mc = 72
	nc = 512
)

// Workspace holds the packing buffers and temporaries of the routines in
// this package. Its zero value is ready to use; it grows on first use to
// what the largest call needs and is reused after, so that steady-state
// calls allocate nothing. One Workspace serves one goroutine at a time.
type Workspace struct {
	packA, packB []float64
	tmp          []float64 // trsm, triangular inverse and lauum temporaries
	tri          []float64 // the inverted diagonal block of a trsm leaf
	edge         [mr * nr]float64

	// goKernel forces the Go micro-kernel even where the assembly one
	// runs; the tests set it to check both.
	goKernel bool
}

// Reserve sizes the workspace for Cholesky, InverseFromCholesky and
// products with no dimension above n, so that even the first such call
// allocates nothing: callers reserve when they build a kernel and keep runs
// allocation-free.
func (w *Workspace) Reserve(n int) {
	w.ReserveGemm(n, n)
	// invLower and lauum hold an n₂×n₁ block (n₁ + n₂ ≤ n); a trsm leaf
	// holds up to n rows of leaf columns and the leaf's inverse.
	w.tmp = grow(w.tmp, max(n*n/4+n, n*leaf))
	w.tri = grow(w.tri, leaf*leaf)
}

// ReserveGemm sizes the packing buffers for products op(A)·op(B) whose
// op(B) has at most n columns and whose inner dimension is at most k.
func (w *Workspace) ReserveGemm(n, k int) {
	k = min(k, kc)
	w.packA = grow(w.packA, mc*k)
	w.packB = grow(w.packB, k*(min(n, nc)+nr))
}

func grow(buf []float64, n int) []float64 {
	if cap(buf) < n {
		return make([]float64, n)
	}
	return buf[:n]
}

func (w *Workspace) asm() bool { return haveAsm && !w.goKernel }

// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, where
// op(A) is m×k (A itself, or Aᵀ when transA is set, A then being k×m) and
// op(B) is k×n; lda, ldb and ldc are the row strides. With beta = 0, C is
// not read (NaNs in it do not propagate). The slices must hold every element
// the strides address, and C must not overlap A or B.
func Gemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int, w *Workspace) {
	if m == 0 || n == 0 {
		return
	}
	if beta != 1 {
		for i := range m {
			row := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(row)
				continue
			}
			for j := range row {
				row[j] *= beta
			}
		}
	}
	if k == 0 || alpha == 0 {
		return
	}
	w.packA = grow(w.packA, mc*min(k, kc))
	w.packB = grow(w.packB, min(k, kc)*(min(n, nc)+nr))
	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			packB(w.packB, b, ldb, transB, pc, jc, kb, nb)
			for ic := 0; ic < m; ic += mc {
				mb := min(mc, m-ic)
				packA(w.packA, a, lda, transA, ic, pc, mb, kb)
				w.macro(mb, nb, kb, alpha, c[ic*ldc+jc:], ldc)
			}
		}
	}
}

// packA copies the mb×kb block of op(A) at (ic, pc) into strips of mr rows:
// strip s holds, for each p, the mr values op(A)[ic+s·mr+r, pc+p]
// contiguously, zero past the last row. Full strips are written in order,
// element by element: calls to copy for six values cost more than the copy.
func packA(dst, a []float64, lda int, trans bool, ic, pc, mb, kb int) {
	for s := 0; s*mr < mb; s++ {
		d := dst[s*mr*kb : (s+1)*mr*kb]
		rows := min(mr, mb-s*mr)
		i0 := ic + s*mr
		switch {
		case rows == mr && trans:
			for p := range kb {
				src := a[(pc+p)*lda+i0 : (pc+p)*lda+i0+mr : (pc+p)*lda+i0+mr]
				dp := d[p*mr : p*mr+mr : p*mr+mr]
				dp[0], dp[1], dp[2], dp[3], dp[4], dp[5] = src[0], src[1], src[2], src[3], src[4], src[5]
			}
		case rows == mr:
			r0 := a[i0*lda+pc : i0*lda+pc+kb]
			r1 := a[(i0+1)*lda+pc : (i0+1)*lda+pc+kb]
			r2 := a[(i0+2)*lda+pc : (i0+2)*lda+pc+kb]
			r3 := a[(i0+3)*lda+pc : (i0+3)*lda+pc+kb]
			r4 := a[(i0+4)*lda+pc : (i0+4)*lda+pc+kb]
			r5 := a[(i0+5)*lda+pc : (i0+5)*lda+pc+kb]
			for p := range kb {
				dp := d[p*mr : p*mr+mr : p*mr+mr]
				dp[0], dp[1], dp[2], dp[3], dp[4], dp[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
			}
		default:
			clear(d)
			for r := range rows {
				for p := range kb {
					if trans {
						d[p*mr+r] = a[(pc+p)*lda+i0+r]
					} else {
						d[p*mr+r] = a[(i0+r)*lda+pc+p]
					}
				}
			}
		}
	}
}

// packB copies the kb×nb block of op(B) at (pc, jc) into strips of nr
// columns: strip s holds, for each p, the nr values op(B)[pc+p, jc+s·nr+c]
// contiguously, zero past the last column.
func packB(dst, b []float64, ldb int, trans bool, pc, jc, kb, nb int) {
	for s := 0; s*nr < nb; s++ {
		d := dst[s*nr*kb : (s+1)*nr*kb]
		cols := min(nr, nb-s*nr)
		j0 := jc + s*nr
		switch {
		case cols == nr && !trans:
			for p := range kb {
				src := b[(pc+p)*ldb+j0 : (pc+p)*ldb+j0+nr : (pc+p)*ldb+j0+nr]
				dp := d[p*nr : p*nr+nr : p*nr+nr]
				dp[0], dp[1], dp[2], dp[3] = src[0], src[1], src[2], src[3]
				dp[4], dp[5], dp[6], dp[7] = src[4], src[5], src[6], src[7]
			}
		case cols == nr:
			c0 := b[j0*ldb+pc : j0*ldb+pc+kb]
			c1 := b[(j0+1)*ldb+pc : (j0+1)*ldb+pc+kb]
			c2 := b[(j0+2)*ldb+pc : (j0+2)*ldb+pc+kb]
			c3 := b[(j0+3)*ldb+pc : (j0+3)*ldb+pc+kb]
			c4 := b[(j0+4)*ldb+pc : (j0+4)*ldb+pc+kb]
			c5 := b[(j0+5)*ldb+pc : (j0+5)*ldb+pc+kb]
			c6 := b[(j0+6)*ldb+pc : (j0+6)*ldb+pc+kb]
			c7 := b[(j0+7)*ldb+pc : (j0+7)*ldb+pc+kb]
			for p := range kb {
				dp := d[p*nr : p*nr+nr : p*nr+nr]
				dp[0], dp[1], dp[2], dp[3] = c0[p], c1[p], c2[p], c3[p]
				dp[4], dp[5], dp[6], dp[7] = c4[p], c5[p], c6[p], c7[p]
			}
		default:
			clear(d)
			for c := range cols {
				for p := range kb {
					if trans {
						d[p*nr+c] = b[(j0+c)*ldb+pc+p]
					} else {
						d[p*nr+c] = b[(pc+p)*ldb+j0+c]
					}
				}
			}
		}
	}
}

// macro multiplies the packed mb×kb block of A by the packed kb×nb panel of
// B into C (at c, stride ldc), one mr×nr tile at a time. Tiles that stick
// out past the edges of C are computed into w.edge and only their valid part
// is added.
func (w *Workspace) macro(mb, nb, kb int, alpha float64, c []float64, ldc int) {
	asm := w.asm()
	for jr := 0; jr < nb; jr += nr {
		pb := w.packB[jr*kb : jr*kb+nr*kb]
		cols := min(nr, nb-jr)
		for ir := 0; ir < mb; ir += mr {
			pa := w.packA[ir*kb : ir*kb+mr*kb]
			rows := min(mr, mb-ir)
			if rows == mr && cols == nr {
				ct := c[ir*ldc+jr : (ir+mr-1)*ldc+jr+nr]
				if asm {
					kern6x8(kb, &pa[0], &pb[0], &ct[0], ldc, alpha)
				} else {
					kern6x8Go(kb, pa, pb, ct, ldc, alpha)
				}
				continue
			}
			e := w.edge[:]
			clear(e)
			if asm {
				kern6x8(kb, &pa[0], &pb[0], &e[0], nr, alpha)
			} else {
				kern6x8Go(kb, pa, pb, e, nr, alpha)
			}
			for r := range rows {
				ci := c[(ir+r)*ldc+jr : (ir+r)*ldc+jr+cols]
				for j := range ci {
					ci[j] += e[r*nr+j]
				}
			}
		}
	}
}

// kern6x8Go is the Go micro-kernel: the same tile product as kern6x8, with
// one row of the tile in eight local accumulators at a time.
func kern6x8Go(k int, a, b, c []float64, ldc int, alpha float64) {
	a = a[:mr*k]
	b = b[:nr*k]
	for r := range mr {
		var c0, c1, c2, c3, c4, c5, c6, c7 float64
		for p := range k {
			ar := a[p*mr+r]
			bp := b[p*nr : p*nr+nr : p*nr+nr]
			c0 += ar * bp[0]
			c1 += ar * bp[1]
			c2 += ar * bp[2]
			c3 += ar * bp[3]
			c4 += ar * bp[4]
			c5 += ar * bp[5]
			c6 += ar * bp[6]
			c7 += ar * bp[7]
		}
		ci := c[r*ldc : r*ldc+nr : r*ldc+nr]
		ci[0] += alpha * c0
		ci[1] += alpha * c1
		ci[2] += alpha * c2
		ci[3] += alpha * c3
		ci[4] += alpha * c4
		ci[5] += alpha * c5
		ci[6] += alpha * c6
		ci[7] += alpha * c7
	}
}
