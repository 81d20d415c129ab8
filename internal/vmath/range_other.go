//go:build !amd64 || purego

package vmath

func firstOutsideAVX2(x []float64, lo, hi float64) int { return firstOutsideGo(x, lo, hi) }
