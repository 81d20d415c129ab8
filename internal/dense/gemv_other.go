//go:build !amd64 || purego

package dense

// This build has no assembly kernels; gemvN and gemvT, told so by haveAsm,
// never call these stubs.

func gemvNAsm(m, n int, alpha float64, a *float64, lda int, x *float64, beta float64, y *float64) {
	panic("dense: assembly kernel called in a build without it")
}

func gemvTRegsAsm(m, n int, alpha float64, a *float64, lda int, x *float64, beta float64, y *float64) {
	panic("dense: assembly kernel called in a build without it")
}

func gemvTAxpyAsm(m, n int, alpha float64, a *float64, lda int, x *float64, y *float64) {
	panic("dense: assembly kernel called in a build without it")
}
