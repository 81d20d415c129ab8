//go:build amd64 && !purego

package vmath

// The kernels below are implemented in arith_amd64.s. Each computes
// element i < len(dst) from element i of its inputs, eight elements per
// step in two AVX vectors, then a vector of four, two and one as the
// length requires; the inputs are at least as long as dst.

//go:noescape
func addAVX2(dst, a, b []float64)

//go:noescape
func subAVX2(dst, a, b []float64)

//go:noescape
func mulAVX2(dst, a, b []float64)

//go:noescape
func divAVX2(dst, a, b []float64)

//go:noescape
func maxAVX2(dst, a, b []float64)

//go:noescape
func minAVX2(dst, a, b []float64)

//go:noescape
func greaterAVX2(dst, a, b []float64)

//go:noescape
func greaterEqualAVX2(dst, a, b []float64)

//go:noescape
func lessAVX2(dst, a, b []float64)

//go:noescape
func lessEqualAVX2(dst, a, b []float64)

//go:noescape
func equalAVX2(dst, a, b []float64)

//go:noescape
func scaleAVX2(dst, x []float64, c float64)

//go:noescape
func shiftAVX2(dst, x []float64, c float64)

//go:noescape
func negAVX2(dst, x []float64)

//go:noescape
func absAVX2(dst, x []float64)

//go:noescape
func squareAVX2(dst, x []float64)

//go:noescape
func reciprocalAVX2(dst, x []float64)

//go:noescape
func sqrtAVX2(dst, x []float64)

//go:noescape
func whereAVX2(dst, cond, a, b []float64)
