// Package dense holds the dense float64 kernels under ignis's CPU linear
// algebra: a packed, cache-blocked matrix product (Gemm) and, built on it,
// a recursive Cholesky factorization (Cholesky) and the inverse of a
// symmetric positive definite matrix from its factor (InverseFromCholesky).
//
// Matrices are row-major with an explicit row stride, as everywhere in
// ignis. On amd64 processors with AVX2 and FMA the innermost loop of Gemm is
// an assembly micro-kernel over a 6×8 tile of registers; elsewhere, and
// under the purego build tag, a Go kernel computes the same products.
//
// The routines allocate nothing beyond a caller-owned *Workspace, which
// grows on first use to what the largest call needs and is reused after;
// one Workspace serves one goroutine at a time.
//
// The package is internal: engine and gp call it on their hot paths above
// the sizes where it beats gonum's pure-Go LAPACK, and keep gonum below.
package dense
