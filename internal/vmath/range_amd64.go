//go:build amd64 && !purego

package vmath

// firstOutsideAVX2 is FirstOutside over four elements per step: two
// ordered compares (false for NaN), their conjunction, and a mask test; the
// first failing block is searched element by element.
//
//go:noescape
func firstOutsideAVX2(x []float64, lo, hi float64) int
