//go:build !amd64 || purego

package vmath

// useAsm is false: this build has no assembly kernels.
const useAsm = false

func noAsm() { panic("vmath: assembly kernel called in a build without it") }

func expAVX2(dst, x []float64)                { noAsm() }
func expm1AVX2(dst, x []float64)              { noAsm() }
func logAVX2(dst, x []float64)                { noAsm() }
func log1pAVX2(dst, x []float64)              { noAsm() }
func tanhAVX2(dst, x []float64)               { noAsm() }
func sigmoidAVX2(dst, x []float64)            { noAsm() }
func softplusAVX2(dst, x []float64)           { noAsm() }
func logSigmoidAVX2(dst, x []float64)         { noAsm() }
func softplusSigmoidAVX2(sp, sg, x []float64) { noAsm() }
