//go:build !amd64 || purego

package dense

// haveAsm is false: this build has no assembly micro-kernel.
const haveAsm = false

func kern6x8(k int, a, b, c *float64, ldc int, alpha float64) {
	panic("dense: assembly kernel called in a build without it")
}
