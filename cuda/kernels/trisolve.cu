// Batched triangular solves op(A) X = B for row-major n×n triangular A and
// n×k right-hand sides, one member after another. x holds B on entry and X
// on return. op(A) is A, or Aᵀ when trans is set; only the lower (or upper)
// triangle of A is read.
//
// One thread per (member, column of B): columns are independent, so each
// thread runs its own substitution; threads of one member read the same
// element of A at the same time (a broadcast) and neighbouring columns of x
// (coalesced).
#include "common.cuh"

template <typename T>
__device__ void trsm_cols(const T *a, T *x, i64 batch, i64 n, i64 k, i64 lower, i64 trans) {
	const i64 total = batch * k;
	const bool forward = (lower != 0) != (trans != 0);
	for (i64 g = blockIdx.x * (i64)blockDim.x + threadIdx.x; g < total; g += (i64)gridDim.x * blockDim.x) {
		const i64 m = g / k, c = g % k;
		const T *am = a + m * n * n;
		T *xm = x + m * n * k + c;
		// op(A)[i][j]: A[i][j], or A[j][i] when transposed.
		const i64 si = trans ? 1 : n, sj = trans ? n : 1;
		for (i64 s = 0; s < n; ++s) {
			const i64 i = forward ? s : n - 1 - s;
			T v = xm[i * k];
			if (forward) {
				for (i64 j = 0; j < i; ++j) {
					v -= am[i * si + j * sj] * xm[j * k];
				}
			} else {
				for (i64 j = i + 1; j < n; ++j) {
					v -= am[i * si + j * sj] * xm[j * k];
				}
			}
			xm[i * k] = v / am[i * si + i * sj];
		}
	}
}

#define INSTANTIATE(T, SUF)                                                                      \
	extern "C" __global__ void trsm_cols_##SUF(const T *a, T *x, i64 batch, i64 n, i64 k,       \
	                                            i64 lower, i64 trans) {                          \
		trsm_cols<T>(a, x, batch, n, k, lower, trans);                                           \
	}

INSTANTIATE(double, f64)
INSTANTIATE(float, f32)
