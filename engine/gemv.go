package engine

import "github.com/ignis-ppl/ignis/internal/dense"

// gemvRows sets y = X·b for the m rows of X (m×d, row-major) in x. Each
// row's dot product is computed the same way whatever m is, so a fused
// loop that takes X a tile of rows at a time gets the same bits as one
// product over all rows.
func gemvRows(m, d int, x, b, y []float64) {
	dense.GemvN(m, d, 1, x, d, b, 0, y)
}

// gemvTRowsAdd adds Xᵀ·v to acc for the m rows of X (m×d) in x.
func gemvTRowsAdd(m, d int, x, v, acc []float64) {
	dense.GemvT(m, d, 1, x, d, v, 1, acc)
}

// xTileRows is how many rows of an n×d matrix a fused loop takes at a time:
// a tile of about 32 KiB, which stays in cache between the product that
// reads it and the one that reads it again, and long enough that the ops
// between them cost little per call.
func xTileRows(d int) int { return min(max((xTileBytes/8/d)&^7, 8), 256) }

// gemvTTiled sets y = Xᵀ·v for X (m×d, rows ldx apart), adding the rows'
// contributions tile by tile as a fused loop does, so that the two agree
// to the bit within one chunk.
func gemvTTiled(m, d int, x []float64, ldx int, v, y []float64) {
	clear(y[:d])
	t := xTileRows(d)
	if m <= t {
		t = m
	}
	for lo := 0; lo < m; lo += t {
		hi := min(lo+t, m)
		dense.GemvT(hi-lo, d, 1, x[lo*ldx:], ldx, v[lo:hi], 1, y)
	}
}
