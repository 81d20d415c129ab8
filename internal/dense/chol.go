package dense

import "math"

// leaf is the order at and below which the recursive routines switch to
// their unblocked loops; above it every flop of any consequence goes through
// Gemm.
const leaf = 32

// Cholesky factors the symmetric positive definite n×n matrix in a (row
// stride lda) as L Lᵀ in place: only the lower triangle, diagonal included,
// is read, L replaces it, and the strict upper triangle is set to zero.
//
// It returns −1 on success, or the 0-based column j at which the
// factorization broke down: the pivot of column j, A[j,j] − Σ L[j,p]², was
// not positive (or was NaN), so the leading (j+1)×(j+1) minor is not
// positive definite. Columns before j then hold their factor; the rest of a
// is unspecified.
//
// The recursion halves the matrix: factor A₁₁, solve L₂₁ = A₂₁ L₁₁⁻ᵀ,
// update A₂₂ −= L₂₁ L₂₁ᵀ, factor A₂₂; the solve and the update are matrix
// products.
func Cholesky(a []float64, n, lda int, w *Workspace) int {
	if p := cholRec(a, n, lda, w); p >= 0 {
		return p
	}
	for i := 0; i < n-1; i++ {
		clear(a[i*lda+i+1 : i*lda+n])
	}
	return -1
}

// split returns the order of the leading block of a recursive step on an
// n×n problem: about half, rounded to a multiple of the register tile.
func split(n int) int {
	h := n / 2
	if h > 3*nr {
		h -= h % nr
	}
	return h
}

func cholRec(a []float64, n, lda int, w *Workspace) int {
	if n <= leaf {
		return cholLeaf(a, n, lda)
	}
	n1 := split(n)
	n2 := n - n1
	if p := cholRec(a, n1, lda, w); p >= 0 {
		return p
	}
	a21 := a[n1*lda:]
	trsmRLT(a, n1, lda, a21, n2, lda, w)
	syrkLower(n2, n1, a21, lda, a21[n1:], lda, w)
	if p := cholRec(a21[n1:], n2, lda, w); p >= 0 {
		return n1 + p
	}
	return -1
}

// cholLeaf is the unblocked, dot-product form of the factorization.
func cholLeaf(a []float64, n, lda int) int {
	for j := range n {
		rj := a[j*lda : j*lda+j]
		d := a[j*lda+j] - dot(rj, rj)
		if !(d > 0) {
			return j
		}
		d = math.Sqrt(d)
		a[j*lda+j] = d
		for i := j + 1; i < n; i++ {
			ri := a[i*lda : i*lda+j+1]
			ri[j] = (ri[j] - dot(ri[:j], rj)) / d
		}
	}
	return -1
}

func dot(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// syrkLower updates the lower triangle of the n×n matrix C (stride ldc) to
// C − X Xᵀ, X being n×k (stride ldx). With C = [C₁₁ ·; C₂₁ C₂₂] it recurses
// on C₁₁ and C₂₂ and updates C₂₁ −= X₂ X₁ᵀ in one product; a leaf is a full
// product that also writes the strict upper part of its diagonal block,
// which callers treat as scratch.
func syrkLower(n, k int, x []float64, ldx int, c []float64, ldc int, w *Workspace) {
	if n <= trmmLeaf {
		Gemm(false, true, n, n, k, -1, x, ldx, x, ldx, 1, c, ldc, w)
		return
	}
	n1 := split(n)
	syrkLower(n1, k, x, ldx, c, ldc, w)
	Gemm(false, true, n-n1, n1, k, -1, x[n1*ldx:], ldx, x, ldx, 1, c[n1*ldc:], ldc, w)
	syrkLower(n-n1, k, x[n1*ldx:], ldx, c[n1*ldc+n1:], ldc, w)
}

// trsmRLT overwrites the m×n matrix B (stride ldb) with B L⁻ᵀ, L being the
// n×n lower triangle of l (stride ldl). It recurses on the columns of B:
// X₁ = B₁ L₁₁⁻ᵀ, B₂ −= X₁ L₂₁ᵀ, X₂ = B₂ L₂₂⁻ᵀ; a leaf inverts its diagonal
// block of L explicitly and multiplies by it, which keeps the leaves inside
// the fast product as well.
func trsmRLT(l []float64, n, ldl int, b []float64, m, ldb int, w *Workspace) {
	if n <= leaf {
		w.tri = grow(w.tri, n*n)
		inv := w.tri
		clear(inv)
		for i := range n {
			copy(inv[i*n:i*n+i+1], l[i*ldl:i*ldl+i+1])
		}
		invLowerLeaf(inv, n, n)
		w.tmp = grow(w.tmp, m*n)
		t := w.tmp
		for i := range m {
			copy(t[i*n:(i+1)*n], b[i*ldb:i*ldb+n])
		}
		Gemm(false, true, m, n, n, 1, t, n, inv, n, 0, b, ldb, w)
		return
	}
	n1 := split(n)
	trsmRLT(l, n1, ldl, b, m, ldb, w)
	Gemm(false, true, m, n-n1, n1, -1, b, ldb, l[n1*ldl:], ldl, 1, b[n1:], ldb, w)
	trsmRLT(l[n1*ldl+n1:], n-n1, ldl, b[n1:], m, ldb, w)
}

// minOrder is the smallest order at which Cholesky and InverseFromCholesky
// with the assembly kernel beat gonum's pure-Go Potrf and Potri. Measured
// on an AVX-512 Xeon with one thread: at n = 64 gonum's Potrf is 2.3×
// faster (our inverse 1.1× faster), at n = 128 ours are 1.25× and 1.6×
// faster, at 192 2.0× and 2.5×. Below it, and without the assembly kernel,
// gonum is used.
const minOrder = 128

// Faster reports whether Cholesky and InverseFromCholesky are expected to
// beat gonum's LAPACK on matrices of order n on this processor.
func Faster(n int) bool { return haveAsm && n >= minOrder }

// Accelerated reports whether Gemm runs the assembly micro-kernel on this
// processor; without it gonum's Dgemm is as fast.
func Accelerated() bool { return haveAsm }
