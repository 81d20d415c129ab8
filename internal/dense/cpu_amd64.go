//go:build amd64 && !purego

package dense

import "github.com/ignis-ppl/ignis/internal/cpu"

// haveAsm reports whether the AVX2 + FMA micro-kernel can run here.
var haveAsm = cpu.AVX2FMA

// kern6x8 adds alpha times the product of a packed 6×k strip of A (a, six
// values per step of k) and a packed k×8 strip of B (b, eight values per
// step) to the 6×8 tile of C at c, whose rows are ldc elements apart.
// Implemented in kernel_amd64.s.
//
//go:noescape
func kern6x8(k int, a, b, c *float64, ldc int, alpha float64)
