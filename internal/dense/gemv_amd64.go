//go:build amd64 && !purego

package dense

// gemvNAsm computes y = alpha·A·x + beta·y for m ≥ 1 and n ≥ 4, eight rows
// of A at a time, without reading y when beta is 0. Implemented in
// gemvn_amd64.s.
//
//go:noescape
func gemvNAsm(m, n int, alpha float64, a *float64, lda int, x *float64, beta float64, y *float64)

// gemvTRegsAsm computes y = alpha·Aᵀ·x + beta·y for m ≥ 1 and 4 ≤ n ≤
// tRegsMax, holding the whole sum in registers during one pass over A; it
// always reads y. Implemented in gemvt_amd64.s.
//
//go:noescape
func gemvTRegsAsm(m, n int, alpha float64, a *float64, lda int, x *float64, beta float64, y *float64)

// gemvTAxpyAsm adds alpha·Aᵀ·x to y for m, n ≥ 1, four rows of A at a time
// as axpys into y. Implemented in gemvt_amd64.s.
//
//go:noescape
func gemvTAxpyAsm(m, n int, alpha float64, a *float64, lda int, x *float64, y *float64)
