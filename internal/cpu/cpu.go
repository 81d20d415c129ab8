// Package cpu tells which vector instructions the processor and the
// operating system support, for the packages whose kernels have an
// assembly path (internal/dense, internal/vmath) and a pure-Go one.
//
// The answer is read once at start and never changes; the purego build tag
// forces it to false, so that the Go paths can be tested on any machine.
package cpu

// AVX2FMA reports whether AVX2 and FMA (and the operating system's saving
// of the YMM registers) are available, and the build allows assembly.
var AVX2FMA = detectAVX2FMA()
