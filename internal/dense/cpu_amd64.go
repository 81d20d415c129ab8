//go:build amd64 && !purego

package dense

// cpuid and xgetbv are implemented in cpu_amd64.s.
func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
func xgetbv() (eax, edx uint32)

// haveAsm reports whether the processor and the operating system support
// the AVX2 + FMA micro-kernel: CPUID must announce FMA, AVX, OSXSAVE and
// AVX2, and XCR0 must show that the OS saves the XMM and YMM state.
var haveAsm = detectAVX2FMA()

func detectAVX2FMA() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if ecx1&fma == 0 || ecx1&osxsave == 0 || ecx1&avx == 0 {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 {
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	const avx2 = 1 << 5
	return ebx7&avx2 != 0
}

// kern6x8 adds alpha times the product of a packed 6×k strip of A (a, six
// values per step of k) and a packed k×8 strip of B (b, eight values per
// step) to the 6×8 tile of C at c, whose rows are ldc elements apart.
// Implemented in kernel_amd64.s.
//
//go:noescape
func kern6x8(k int, a, b, c *float64, ldc int, alpha float64)
