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

// trsm_blk: the same solves op(A) X = B, blocked. One thread block of
// TS × TS_ROWS threads per (member, tile of TS columns of B), flattened into
// grid.x as member · ⌈k/TS⌉ + column tile. The block walks the row tiles of X
// in the order of the substitution (down for op(A) lower, up for op(A)
// upper). For row tile t it first accumulates, in registers, the product of
// the tiles of op(A) in row t with the tiles of X already solved (each
// thread owns one column and TS/TS_ROWS rows of the tile, so every value of
// X read from shared memory feeds TS/TS_ROWS FMAs and the value of op(A) is
// a broadcast across the warp); then it subtracts that from B's tile and
// solves with the diagonal tile of op(A) in shared memory, one thread per
// column. Solved tiles are written back to x and reread from there (the
// block's own writes, visible to it after a barrier).
//
// lowrhs (used only when op(A) is lower, the forward substitution): B is
// known to be lower triangular (B[i][c] = 0 for i < c, as the identity is),
// so X is too, and the row tiles above the column tile are skipped and left
// as they are in x. It turns L⁻¹ = L \ I from n³ into n³/3 FMAs.
#define TS 32           // tile size (rows and columns)
#define TS_LD (TS + 1)  // padded leading dimension of the shared tiles
#define TS_ROWS 4       // blockDim.y: each thread owns TS/TS_ROWS rows of a tile
#define TS_PER (TS / TS_ROWS)

template <typename T>
__device__ void trsm_blk(const T *a, T *x, i64 batch, i64 n, i64 k, i64 lower, i64 trans, i64 lowrhs) {
	T *sa = shared_as<T>(); // TS × TS_LD: a tile of op(A)
	T *sx = sa + TS * TS_LD; // TS × TS_LD: a tile of X
	const i64 ct = (k + TS - 1) / TS;
	const i64 m = blockIdx.x / ct, cb = blockIdx.x % ct;
	if (m >= batch) {
		return; // uniform over the block
	}
	const bool forward = (lower != 0) != (trans != 0);
	const bool skip = forward && lowrhs != 0;
	const int tx = threadIdx.x, ty = threadIdx.y;
	const i64 c0 = cb * TS;
	const int kc = (int)min((i64)TS, k - c0);
	const T *am = a + m * n * n;
	T *xm = x + m * n * k + c0;
	const i64 nt = (n + TS - 1) / TS;
	const i64 first = skip ? cb : 0; // the first row tile that is not known to be zero
	// Loads the tile of op(A) at rows r0.., columns q0.. into sa, with zeros
	// outside the matrix; on the diagonal (r0 == q0) only the triangle of
	// op(A) that the substitution reads. op(A)[i][j] is A[i][j], or A[j][i]
	// when transposed; the global reads run along A's rows either way.
	auto load_a = [&](i64 r0, i64 q0) {
		const bool diag = r0 == q0;
		for (int u = ty; u < TS; u += TS_ROWS) {
			// Non-transposed: sa[u][tx] = A[r0+u][q0+tx]; transposed:
			// sa[tx][u] = A[q0+u][r0+tx].
			const int i = trans ? tx : u, j = trans ? u : tx;
			const i64 gi = r0 + i, gj = q0 + j;
			const bool in = gi < n && gj < n && (!diag || (forward ? j <= i : j >= i));
			sa[i * TS_LD + j] = in ? (trans ? am[gj * n + gi] : am[gi * n + gj]) : T(0);
		}
	};
	for (i64 s = first; s < nt; ++s) {
		const i64 t = forward ? s : nt - 1 + first - s;
		const i64 r0 = t * TS;
		const int rows = (int)min((i64)TS, n - r0);
		T acc[TS_PER];
#pragma unroll
		for (int v = 0; v < TS_PER; ++v) {
			acc[v] = T(0);
		}
		// acc = Σ_j op(A)[t, j] X[j] over the tiles j solved before t.
		const i64 jlo = forward ? first : t + 1, jhi = forward ? t : nt;
		for (i64 j = jlo; j < jhi; ++j) {
			const i64 q0 = j * TS;
			load_a(r0, q0);
			for (int u = ty; u < TS; u += TS_ROWS) {
				sx[u * TS_LD + tx] = q0 + u < n && tx < kc ? xm[(q0 + u) * k + tx] : T(0);
			}
			__syncthreads();
#pragma unroll 8
			for (int c = 0; c < TS; ++c) {
				const T xv = sx[c * TS_LD + tx];
#pragma unroll
				for (int v = 0; v < TS_PER; ++v) {
					acc[v] += sa[(ty + v * TS_ROWS) * TS_LD + c] * xv;
				}
			}
			__syncthreads(); // before the next tiles overwrite sa and sx
		}
		// The diagonal tile: sx = B[t] − acc, then substitution per column.
		load_a(r0, r0);
#pragma unroll
		for (int v = 0; v < TS_PER; ++v) {
			const int u = ty + v * TS_ROWS;
			sx[u * TS_LD + tx] = u < rows && tx < kc ? xm[(r0 + u) * k + tx] - acc[v] : T(0);
		}
		__syncthreads();
		if (ty == 0 && tx < kc) {
			T *col = sx + tx;
			for (int w = 0; w < rows; ++w) {
				const int i = forward ? w : rows - 1 - w;
				T v = col[i * TS_LD];
				if (forward) {
					for (int q = 0; q < i; ++q) {
						v -= sa[i * TS_LD + q] * col[q * TS_LD];
					}
				} else {
					for (int q = i + 1; q < rows; ++q) {
						v -= sa[i * TS_LD + q] * col[q * TS_LD];
					}
				}
				col[i * TS_LD] = v / sa[i * TS_LD + i];
			}
		}
		__syncthreads();
		for (int u = ty; u < rows; u += TS_ROWS) {
			if (tx < kc) {
				xm[(r0 + u) * k + tx] = sx[u * TS_LD + tx];
			}
		}
		__syncthreads(); // X[t] is in x before it is reread; sa and sx are free
	}
}

#define INSTANTIATE(T, SUF)                                                                      \
	extern "C" __global__ void trsm_cols_##SUF(const T *a, T *x, i64 batch, i64 n, i64 k,       \
	                                            i64 lower, i64 trans) {                          \
		trsm_cols<T>(a, x, batch, n, k, lower, trans);                                           \
	}                                                                                            \
	extern "C" __global__ void trsm_blk_##SUF(const T *a, T *x, i64 batch, i64 n, i64 k,        \
	                                           i64 lower, i64 trans, i64 lowrhs) {               \
		trsm_blk<T>(a, x, batch, n, k, lower, trans, lowrhs);                                    \
	}

INSTANTIATE(double, f64)
INSTANTIATE(float, f32)
