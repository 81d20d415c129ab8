// Package dense holds the dense float64 kernels under ignis's CPU linear
// algebra: a packed, cache-blocked matrix product (Gemm) and, built on it,
// a recursive Cholesky factorization (Cholesky) and the inverse of a
// symmetric positive definite matrix from its factor (InverseFromCholesky);
// and the matrix–vector products GemvN (y = αAx + βy) and GemvT
// (y = αAᵀx + βy).
//
// Matrices are row-major with an explicit row stride, as everywhere in
// ignis. On amd64 processors with AVX2 and FMA the innermost loop of Gemm is
// an assembly micro-kernel over a 6×8 tile of registers; elsewhere, and
// under the purego build tag, a Go kernel computes the same products.
//
// GemvN and GemvT read A once, in order, and so run at the speed at which
// memory delivers it for a large A, such as a design matrix with many rows
// and few columns; for a block of rows that sits in cache, such as a model
// evaluates many times per gradient, their cost is a few cycles per row.
// With AVX2 and FMA, GemvN takes eight rows at a time, one vector register
// per row's dot product, keeps x in registers when it has up to 24
// elements, and finishes the eight rows' sums together; GemvT keeps the
// whole of y in registers when it has 4 to 24 elements and otherwise adds
// four rows at a time into y; matrices of fewer than four columns take the
// Go code. Each takes no Workspace, allocates nothing and starts no
// goroutine. Their order of summation depends only on the shape and on
// whether the assembly or the Go path runs, never on where the slices sit
// in memory, so that a run repeats to the bit; GemvN's rows do not even
// depend on m, so that a product computed a block of rows at a time equals
// the whole one.
//
// The routines allocate nothing beyond a caller-owned *Workspace, which
// grows on first use to what the largest call needs and is reused after;
// one Workspace serves one goroutine at a time.
//
// The package is internal: engine and gp call it on their hot paths above
// the sizes where it beats gonum's pure-Go LAPACK, and keep gonum below.
package dense
