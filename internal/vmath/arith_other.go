//go:build !amd64 || purego

package vmath

func addAVX2(dst, a, b []float64)           { noAsm() }
func subAVX2(dst, a, b []float64)           { noAsm() }
func mulAVX2(dst, a, b []float64)           { noAsm() }
func divAVX2(dst, a, b []float64)           { noAsm() }
func maxAVX2(dst, a, b []float64)           { noAsm() }
func minAVX2(dst, a, b []float64)           { noAsm() }
func greaterAVX2(dst, a, b []float64)       { noAsm() }
func greaterEqualAVX2(dst, a, b []float64)  { noAsm() }
func lessAVX2(dst, a, b []float64)          { noAsm() }
func lessEqualAVX2(dst, a, b []float64)     { noAsm() }
func equalAVX2(dst, a, b []float64)         { noAsm() }
func scaleAVX2(dst, x []float64, c float64) { noAsm() }
func shiftAVX2(dst, x []float64, c float64) { noAsm() }
func negAVX2(dst, x []float64)              { noAsm() }
func absAVX2(dst, x []float64)              { noAsm() }
func squareAVX2(dst, x []float64)           { noAsm() }
func reciprocalAVX2(dst, x []float64)       { noAsm() }
func sqrtAVX2(dst, x []float64)             { noAsm() }
func whereAVX2(dst, cond, a, b []float64)   { noAsm() }
