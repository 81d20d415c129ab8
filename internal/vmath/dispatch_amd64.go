//go:build amd64 && !purego

package vmath

import "github.com/ignis-ppl/ignis/internal/cpu"

// useAsm selects the AVX2 + FMA kernels, read once at start.
var useAsm = cpu.AVX2FMA

// The kernels below are implemented in the _amd64.s files. Each computes
// dst[i] = f(x[i]) for i < len(dst), four lanes at a time, the last partial
// vector through masked loads and stores; len(x) ≥ len(dst).

//go:noescape
func expAVX2(dst, x []float64)

//go:noescape
func expm1AVX2(dst, x []float64)

//go:noescape
func logAVX2(dst, x []float64)

//go:noescape
func log1pAVX2(dst, x []float64)

//go:noescape
func tanhAVX2(dst, x []float64)

//go:noescape
func sigmoidAVX2(dst, x []float64)

//go:noescape
func softplusAVX2(dst, x []float64)

//go:noescape
func logSigmoidAVX2(dst, x []float64)

// softplusSigmoidAVX2 sets both outputs of SoftplusSigmoid, sp and sg of
// equal length.
//
//go:noescape
func softplusSigmoidAVX2(sp, sg, x []float64)
