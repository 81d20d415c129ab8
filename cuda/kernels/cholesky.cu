// Batched Cholesky factorization A = L Lᵀ of row-major n×n matrices stored
// one after another. Only the lower triangle of each source matrix is read
// for the factor; every element is checked for finiteness; the strict upper
// triangle of each factor is written as zero.
//
// Two paths, chosen on the host by n:
//
//   small (n ≤ 64): chol_small, one thread block per matrix, the whole matrix
//   in shared memory, one launch for everything.
//
//   blocked (any n): chol_init copies the lower triangle into dst and zeroes
//   the rest; then for each panel of TB columns starting at p:
//   chol_diag factors the diagonal tile, chol_panel solves the tile column
//   below it (L21 = A21 L11⁻ᵀ), chol_update subtracts L21 L21ᵀ from the
//   lower triangle of the trailing matrix. Every launch covers the whole
//   batch (grid.y or grid.x is the member).
//
// info[m] is −1 for a member that factored and otherwise the 0-based column
// at which its pivot was not positive (or NaN); a failed member is skipped by
// the later launches. *bad receives the smallest flat index (into src) of a
// non-finite element, and must start at ~0.
#include "common.cuh"

#define TB 32          // panel width and tile size of the blocked path
#define TB_LD (TB + 1) // padded leading dimension of shared tiles
#define PANEL_ROWS 64  // rows per block of chol_panel

// Factors the n×n lower triangle held in shared memory s (leading dimension
// ld) in place by the right-looking algorithm and returns −1, or the column
// whose pivot was not positive. Every thread of the block must call it; it
// returns the same value to all of them, after a barrier.
template <typename T>
__device__ int chol_shared(T *s, int ld, int n) {
	const int tid = threadIdx.x, nt = blockDim.x; // nt is a multiple of 16
	for (int j = 0; j < n; ++j) {
		__syncthreads(); // the updates of column j−1 are visible
		const T d = s[j * ld + j];
		if (!(d > T(0))) {
			return j; // uniform: every thread read the same d after the barrier
		}
		const T r = sqrt_t(d);
		for (int i = j + 1 + tid; i < n; i += nt) {
			s[i * ld + j] /= r;
		}
		__syncthreads(); // column j scaled; all threads have read d
		if (tid == 0) {
			s[j * ld + j] = r; // nobody reads the diagonal during the update
		}
		// Trailing update of the lower triangle: rows and columns j+1..n−1.
		for (int i = j + 1 + tid / 16; i < n; i += nt / 16) {
			const T lij = s[i * ld + j];
			for (int k = j + 1 + (tid & 15); k <= i; k += 16) {
				s[i * ld + k] -= lij * s[k * ld + j];
			}
		}
	}
	__syncthreads();
	return -1;
}

template <typename T>
__device__ void chol_small(const T *src, T *dst, int *info, unsigned long long *bad, i64 n) {
	T *s = shared_as<T>();
	const int nn = (int)n, ld = nn + 1;
	const i64 m = blockIdx.x;
	const T *a = src + m * n * n;
	T *l = dst + m * n * n;
	for (int e = threadIdx.x; e < nn * nn; e += blockDim.x) {
		const int i = e / nn, j = e % nn;
		const T v = a[e];
		if (!is_finite(v)) {
			note_bad(bad, m * n * n + e);
		}
		if (j <= i) {
			s[i * ld + j] = v;
		}
	}
	const int piv = chol_shared(s, ld, nn); // begins with a barrier
	if (threadIdx.x == 0) {
		info[m] = piv;
	}
	for (int e = threadIdx.x; e < nn * nn; e += blockDim.x) {
		const int i = e / nn, j = e % nn;
		l[e] = j <= i ? s[i * ld + j] : T(0);
	}
}

template <typename T>
__device__ void chol_init(const T *src, T *dst, int *info, unsigned long long *bad, i64 batch, i64 n) {
	const i64 total = batch * n * n;
	for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total; e += (i64)gridDim.x * blockDim.x) {
		const i64 r = e % (n * n);
		const i64 i = r / n, j = r % n;
		const T v = src[e];
		if (!is_finite(v)) {
			note_bad(bad, e);
		}
		dst[e] = j <= i ? v : T(0);
		if (e < batch) {
			info[e] = -1;
		}
	}
}

template <typename T>
__device__ void chol_diag(T *a, int *info, i64 n, i64 p) {
	const i64 m = blockIdx.x;
	if (info[m] >= 0) {
		return; // uniform; a thread writes info[m] only after barriers below
	}
	T *s = shared_as<T>();
	const int w = (int)min((i64)TB, n - p);
	T *t = a + m * n * n + p * n + p;
	for (int e = threadIdx.x; e < w * w; e += blockDim.x) {
		const int i = e / w, j = e % w;
		if (j <= i) {
			s[i * TB_LD + j] = t[i * n + j];
		}
	}
	const int piv = chol_shared(s, TB_LD, w);
	if (piv >= 0) {
		if (threadIdx.x == 0) {
			info[m] = (int)p + piv;
		}
		return;
	}
	for (int e = threadIdx.x; e < w * w; e += blockDim.x) {
		const int i = e / w, j = e % w;
		if (j <= i) {
			t[i * n + j] = s[i * TB_LD + j];
		}
	}
}

// Solves X L11ᵀ = A21 for the rows of the tile column below the diagonal
// tile; one thread per row, PANEL_ROWS rows per block.
template <typename T>
__device__ void chol_panel(T *a, const int *info, i64 n, i64 p) {
	const i64 m = blockIdx.y;
	if (info[m] >= 0) {
		return;
	}
	T *sl = shared_as<T>();         // TB × TB_LD: L11
	T *sr = sl + TB * TB_LD;        // PANEL_ROWS × TB_LD: rows of A21
	const int w = (int)min((i64)TB, n - p);
	const i64 row0 = p + w + (i64)blockIdx.x * PANEL_ROWS;
	T *am = a + m * n * n;
	for (int e = threadIdx.x; e < w * w; e += blockDim.x) {
		const int i = e / w, j = e % w;
		if (j <= i) {
			sl[i * TB_LD + j] = am[(p + i) * n + p + j];
		}
	}
	for (int e = threadIdx.x; e < PANEL_ROWS * w; e += blockDim.x) {
		const int r = e / w, c = e % w;
		if (row0 + r < n) {
			sr[r * TB_LD + c] = am[(row0 + r) * n + p + c];
		}
	}
	__syncthreads();
	for (int r = threadIdx.x; r < PANEL_ROWS; r += blockDim.x) {
		if (row0 + r >= n) {
			break;
		}
		T *x = sr + r * TB_LD;
		for (int c = 0; c < w; ++c) {
			T v = x[c];
			for (int q = 0; q < c; ++q) {
				v -= x[q] * sl[c * TB_LD + q];
			}
			x[c] = v / sl[c * TB_LD + c];
		}
	}
	__syncthreads();
	for (int e = threadIdx.x; e < PANEL_ROWS * w; e += blockDim.x) {
		const int r = e / w, c = e % w;
		if (row0 + r < n) {
			am[(row0 + r) * n + p + c] = sr[r * TB_LD + c];
		}
	}
}

// Subtracts L21 L21ᵀ from the lower triangle of the trailing matrix, which
// starts at q = p + TB. blockIdx.x numbers the pairs of TB×TB tiles (ti, tk)
// with tk ≤ ti; the block is TB × 8 threads, each computing TB/8 rows of one
// column of the tile.
template <typename T>
__device__ void chol_update(T *a, const int *info, i64 n, i64 p) {
	const i64 m = blockIdx.y;
	if (info[m] >= 0) {
		return;
	}
	const i64 q = p + TB;
	const i64 pid = blockIdx.x;
	i64 ti = (i64)((sqrt(8.0 * (double)pid + 1.0) - 1.0) / 2.0);
	while (ti * (ti + 1) / 2 > pid) {
		--ti;
	}
	while ((ti + 1) * (ti + 2) / 2 <= pid) {
		++ti;
	}
	const i64 tk = pid - ti * (ti + 1) / 2;
	const i64 i0 = q + ti * TB, k0 = q + tk * TB;
	T *si = shared_as<T>(); // TB × TB_LD: L[i0.., p..p+TB)
	T *sk = si + TB * TB_LD; // TB × TB_LD: L[k0.., p..p+TB)
	T *am = a + m * n * n;
	const int tx = threadIdx.x, ty = threadIdx.y;
	for (int r = ty; r < TB; r += blockDim.y) {
		si[r * TB_LD + tx] = i0 + r < n ? am[(i0 + r) * n + p + tx] : T(0);
		sk[r * TB_LD + tx] = k0 + r < n ? am[(k0 + r) * n + p + tx] : T(0);
	}
	__syncthreads();
	const i64 k = k0 + tx;
	for (int r = ty; r < TB; r += blockDim.y) {
		const i64 i = i0 + r;
		if (i >= n || k >= n || k > i) {
			continue;
		}
		T acc = T(0);
#pragma unroll 8
		for (int c = 0; c < TB; ++c) {
			acc += si[r * TB_LD + c] * sk[tx * TB_LD + c];
		}
		am[i * n + k] -= acc;
	}
}

#define INSTANTIATE(T, SUF)                                                                           \
	extern "C" __global__ void chol_small_##SUF(const T *src, T *dst, int *info,                     \
	                                             unsigned long long *bad, i64 n) {                    \
		chol_small<T>(src, dst, info, bad, n);                                                        \
	}                                                                                                 \
	extern "C" __global__ void chol_init_##SUF(const T *src, T *dst, int *info,                      \
	                                            unsigned long long *bad, i64 batch, i64 n) {          \
		chol_init<T>(src, dst, info, bad, batch, n);                                                  \
	}                                                                                                 \
	extern "C" __global__ void chol_diag_##SUF(T *a, int *info, i64 n, i64 p) {                      \
		chol_diag<T>(a, info, n, p);                                                                  \
	}                                                                                                 \
	extern "C" __global__ void chol_panel_##SUF(T *a, const int *info, i64 n, i64 p) {               \
		chol_panel<T>(a, info, n, p);                                                                 \
	}                                                                                                 \
	extern "C" __global__ void chol_update_##SUF(T *a, const int *info, i64 n, i64 p) {              \
		chol_update<T>(a, info, n, p);                                                                \
	}

INSTANTIATE(double, f64)
INSTANTIATE(float, f32)
