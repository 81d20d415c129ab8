package engine

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// gemvRows sets y = X·b for the m rows of X (m×d, row-major) in x.
func gemvRows(m, d int, x, b, y []float64) {
	blas64.Gemv(blas.NoTrans, 1, blas64.General{Rows: m, Cols: d, Stride: d, Data: x},
		blas64.Vector{N: d, Inc: 1, Data: b}, 0, blas64.Vector{N: m, Inc: 1, Data: y})
}

// gemvTRowsAdd adds Xᵀ·v to acc for the m rows of X (m×d) in x.
func gemvTRowsAdd(m, d int, x, v, acc []float64) {
	blas64.Gemv(blas.Trans, 1, blas64.General{Rows: m, Cols: d, Stride: d, Data: x},
		blas64.Vector{N: m, Inc: 1, Data: v}, 1, blas64.Vector{N: d, Inc: 1, Data: acc})
}
