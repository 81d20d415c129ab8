package dense

// InverseFromCholesky overwrites the lower triangle of a (n×n, row stride
// lda), which holds the Cholesky factor L of a symmetric positive definite
// matrix K = L Lᵀ, with the lower triangle of K⁻¹ = L⁻ᵀ L⁻¹: LAPACK's potri.
// The strict upper triangle of a is used as scratch and left unspecified.
// It reports false, leaving a unspecified, if the diagonal of L has a zero.
//
// It inverts L in place (W = L⁻¹), then forms the lower triangle of WᵀW;
// both steps recurse on halves down to unblocked leaves, with the products
// between halves done by Gemm.
func InverseFromCholesky(a []float64, n, lda int, w *Workspace) bool {
	for i := range n {
		if a[i*lda+i] == 0 {
			return false
		}
	}
	// The recursions multiply triangular blocks as full ones, which needs
	// zeros above the diagonal.
	for i := 0; i < n-1; i++ {
		clear(a[i*lda+i+1 : i*lda+n])
	}
	invLower(a, n, lda, w)
	lauum(a, n, lda, w)
	return true
}

// invLower inverts the lower triangular n×n matrix L in a (stride lda) in
// place; its strict upper triangle must be zero and stays so. With
// L = [A 0; B C], L⁻¹ = [A⁻¹ 0; −C⁻¹ B A⁻¹ C⁻¹].
func invLower(a []float64, n, lda int, w *Workspace) {
	if n <= leaf {
		invLowerLeaf(a, n, lda)
		return
	}
	n1 := split(n)
	n2 := n - n1
	invLower(a, n1, lda, w)
	c := a[n1*lda+n1:]
	invLower(c, n2, lda, w)
	b := a[n1*lda:]
	w.tmp = grow(w.tmp, n2*n1)
	t := w.tmp
	trmmRight(n2, n1, 1, b, lda, a, lda, t, n1, w)        // B A⁻¹
	trmmLeft(false, n2, n1, -1, c, lda, t, n1, b, lda, w) // −C⁻¹ B A⁻¹
}

// invLowerLeaf inverts a lower triangular matrix in place, column by column
// from the left: X[j,j] = 1/L[j,j] and, for i > j,
// X[i,j] = −(Σ_{j≤p<i} L[i,p] X[p,j]) / L[i,i]. Column j reads L only in
// columns ≥ j and in its own rows below j, none of which is overwritten
// before it is read.
func invLowerLeaf(a []float64, n, lda int) {
	for j := range n {
		xjj := 1 / a[j*lda+j]
		a[j*lda+j] = xjj
		for i := j + 1; i < n; i++ {
			ri := a[i*lda : i*lda+i+1]
			s := ri[j] * xjj
			for p := j + 1; p < i; p++ {
				s += ri[p] * a[p*lda+j]
			}
			ri[j] = -s / ri[i]
		}
	}
}

// lauum overwrites the lower triangular n×n matrix W in a (stride lda; zero
// above the diagonal) with the lower triangle of WᵀW. With W = [A 0; B C],
// WᵀW = [AᵀA + BᵀB, ·; CᵀB, CᵀC], computed in that order so that B is read
// before it is overwritten.
func lauum(a []float64, n, lda int, w *Workspace) {
	if n <= leaf {
		lauumLeaf(a, n, lda)
		return
	}
	n1 := split(n)
	n2 := n - n1
	lauum(a, n1, lda, w)
	b := a[n1*lda:]
	// AᵀA += BᵀB on the lower triangle, in block rows (the strict upper
	// part of each diagonal block is scratch now: A has been used).
	const bs = 96
	for r0 := 0; r0 < n1; r0 += bs {
		r1 := min(n1, r0+bs)
		Gemm(true, false, r1-r0, r1, n2, 1, b[r0:], lda, b, lda, 1, a[r0*lda:], lda, w)
	}
	w.tmp = grow(w.tmp, n2*n1)
	t := w.tmp
	for i := range n2 {
		copy(t[i*n1:(i+1)*n1], b[i*lda:i*lda+n1])
	}
	c := b[n1:]
	trmmLeft(true, n2, n1, 1, c, lda, t, n1, b, lda, w) // Cᵀ B
	lauum(c, n2, lda, w)
}

// lauumLeaf forms the lower triangle of WᵀW in place, row by row from the
// top: S[i,j] = Σ_{p≥i} W[p,i] W[p,j] for j ≤ i reads W in rows ≥ i only,
// and row i's own W[i,j] and W[i,i] before they are overwritten.
func lauumLeaf(a []float64, n, lda int) {
	for i := range n {
		for j := 0; j <= i; j++ {
			var s float64
			for p := i; p < n; p++ {
				s += a[p*lda+i] * a[p*lda+j]
			}
			a[i*lda+j] = s
		}
	}
}

// trmmLeaf is the order at and below which a triangular product is done as
// a full one, the zeros above the diagonal included: halving further would
// cost more in small products than the zeros do.
const trmmLeaf = 64

// trmmLeft sets D = alpha·op(L)·X, where L is n×n lower triangular with
// zeros above the diagonal (stride ldl), op(L) is L or Lᵀ, X and D are n×k
// (strides ldx, ldd) and D overlaps neither. With L = [L₁₁ 0; L₂₁ L₂₂] it
// recurses on the diagonal blocks and adds the off-diagonal one by Gemm.
func trmmLeft(trans bool, n, k int, alpha float64, l []float64, ldl int, x []float64, ldx int, d []float64, ldd int, w *Workspace) {
	if n <= trmmLeaf {
		Gemm(trans, false, n, k, n, alpha, l, ldl, x, ldx, 0, d, ldd, w)
		return
	}
	n1 := split(n)
	n2 := n - n1
	l21, l22 := l[n1*ldl:], l[n1*ldl+n1:]
	x2, d2 := x[n1*ldx:], d[n1*ldd:]
	if !trans {
		// D₂ = L₂₂ X₂ + L₂₁ X₁, D₁ = L₁₁ X₁.
		trmmLeft(false, n2, k, alpha, l22, ldl, x2, ldx, d2, ldd, w)
		Gemm(false, false, n2, k, n1, alpha, l21, ldl, x, ldx, 1, d2, ldd, w)
		trmmLeft(false, n1, k, alpha, l, ldl, x, ldx, d, ldd, w)
		return
	}
	// D₁ = L₁₁ᵀ X₁ + L₂₁ᵀ X₂, D₂ = L₂₂ᵀ X₂.
	trmmLeft(true, n1, k, alpha, l, ldl, x, ldx, d, ldd, w)
	Gemm(true, false, n1, k, n2, alpha, l21, ldl, x2, ldx, 1, d, ldd, w)
	trmmLeft(true, n2, k, alpha, l22, ldl, x2, ldx, d2, ldd, w)
}

// trmmRight sets D = alpha·X·L, where X and D are m×n (strides ldx, ldd),
// L is n×n lower triangular with zeros above the diagonal, and D overlaps
// neither: D₁ = X₁ L₁₁ + X₂ L₂₁, D₂ = X₂ L₂₂.
func trmmRight(m, n int, alpha float64, x []float64, ldx int, l []float64, ldl int, d []float64, ldd int, w *Workspace) {
	if n <= trmmLeaf {
		Gemm(false, false, m, n, n, alpha, x, ldx, l, ldl, 0, d, ldd, w)
		return
	}
	n1 := split(n)
	n2 := n - n1
	trmmRight(m, n1, alpha, x, ldx, l, ldl, d, ldd, w)
	Gemm(false, false, m, n1, n2, alpha, x[n1:], ldx, l[n1*ldl:], ldl, 1, d, ldd, w)
	trmmRight(m, n2, alpha, x[n1:], ldx, l[n1*ldl+n1:], ldl, d[n1:], ldd, w)
}
