// Kernel matrices of stationary kernels with ARD lengthscales, for batches
// of independent kernels: x1 [batch, n, d], x2 [batch, m, d], ls [batch, d],
// variance [batch], row-major and contiguous (the host expands shared
// operands). With Δ = x1[i] − x2[j] and s = Σ_l (Δ_l / ls_l)² = r²:
//
//   sqdist                out = s
//   kern_profile          out = K from a given s (the four kinds below)
//   kind 0, RBF           K = σ² exp(−s/2)
//   kind 1, Matérn ½      K = σ² exp(−r)
//   kind 2, Matérn 3/2    K = σ² (1 + √3 r) exp(−√3 r)
//   kind 3, Matérn 5/2    K = σ² (1 + √5 r + 5s/3) exp(−√5 r)
//
// kern_grad contracts the derivatives of K with an upstream gradient G
// [batch, n, m]: gvar[b] += Σ G ∂K/∂σ² and gls[b, l] += Σ G ∂K/∂ls_l, with
// ∂K/∂ls_l = σ² c(r) Δ_l² / ls_l³ and c(r) = exp(−s/2), exp(−r)/r (0 at
// r = 0), 3 exp(−√3 r), (5/3)(1 + √5 r) exp(−√5 r) for the four kinds. The
// sums are accumulated in double for either element type; gvar and gls are
// double and must be zeroed before the launch.
#include "common.cuh"

#define KM_THREADS 256

template <typename T>
__device__ __forceinline__ T scaled_sq(const T *a, const T *b, const T *ls, i64 d) {
	T s = T(0);
	for (i64 l = 0; l < d; ++l) {
		const T t = a[l] - b[l];
		const T w = T(1) / (ls[l] * ls[l]);
		s += w * t * t;
	}
	return s;
}

template <typename T>
__device__ void sqdist(const T *x1, const T *x2, const T *ls, T *out, i64 batch, i64 n, i64 m, i64 d) {
	const i64 total = batch * n * m;
	for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total; e += (i64)gridDim.x * blockDim.x) {
		const i64 b = e / (n * m), r = e % (n * m), i = r / m, j = r % m;
		out[e] = scaled_sq(x1 + (b * n + i) * d, x2 + (b * m + j) * d, ls + b * d, d);
	}
}

// Kernel value without the variance factor, and the coefficient c(r) of the
// lengthscale derivative, for squared scaled distance s.
template <typename T>
__device__ __forceinline__ void kern_shape(i64 kind, T s, T *k0, T *c) {
	const T r = sqrt_t(s);
	switch (kind) {
	case 0: {
		const T e = exp_t(-s / T(2));
		*k0 = e;
		*c = e;
		break;
	}
	case 1: {
		const T e = exp_t(-r);
		*k0 = e;
		*c = r > T(0) ? e / r : T(0);
		break;
	}
	case 2: {
		const T a = T(1.7320508075688772) * r;
		const T e = exp_t(-a);
		*k0 = (T(1) + a) * e;
		*c = T(3) * e;
		break;
	}
	default: {
		const T a = T(2.23606797749979) * r;
		const T e = exp_t(-a);
		*k0 = (T(1) + a + T(5) * s / T(3)) * e;
		*c = T(5) / T(3) * (T(1) + a) * e;
		break;
	}
	}
}

template <typename T>
__device__ void kern_matrix(const T *x1, const T *x2, const T *ls, const T *var, T *out, i64 batch, i64 n,
                            i64 m, i64 d, i64 kind) {
	const i64 total = batch * n * m;
	for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total; e += (i64)gridDim.x * blockDim.x) {
		const i64 b = e / (n * m), r = e % (n * m), i = r / m, j = r % m;
		const T s = scaled_sq(x1 + (b * n + i) * d, x2 + (b * m + j) * d, ls + b * d, d);
		T k0, c;
		kern_shape(kind, s, &k0, &c);
		out[e] = var[b] * k0;
	}
}

// kern_profile: the same kernel values from distances s [batch, nm] that
// were computed before (engine.KernelProfileDevice): out = var[b] k0(s).
template <typename T>
__device__ void kern_profile(const T *s, const T *var, T *out, i64 batch, i64 nm, i64 kind) {
	const i64 total = batch * nm;
	for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total; e += (i64)gridDim.x * blockDim.x) {
		T k0, c;
		kern_shape(kind, s[e], &k0, &c);
		out[e] = var[e / nm] * k0;
	}
}

// Sums v over the block and adds the sum to *dst from thread 0. Every thread
// of the block must call it.
__device__ void block_add(double v, double *dst) {
	__shared__ double warp_sums[KM_THREADS / 32];
	for (int o = 16; o > 0; o /= 2) {
		v += __shfl_down_sync(0xffffffffu, v, o);
	}
	const int lane = threadIdx.x & 31, warp = threadIdx.x / 32;
	__syncthreads(); // warp_sums is free (a previous call may still read it)
	if (lane == 0) {
		warp_sums[warp] = v;
	}
	__syncthreads();
	if (threadIdx.x == 0) {
		double s = 0;
		for (int w = 0; w < (int)blockDim.x / 32; ++w) {
			s += warp_sums[w];
		}
		atomicAdd(dst, s);
	}
}

// grid: (ceil(n·m / KM_THREADS), batch); block: KM_THREADS threads.
template <typename T>
__device__ void kern_grad(const T *x1, const T *x2, const T *ls, const T *var, const T *g, double *gls,
                          double *gvar, i64 n, i64 m, i64 d, i64 kind) {
	const i64 b = blockIdx.y;
	const i64 r = blockIdx.x * (i64)KM_THREADS + threadIdx.x;
	const bool live = r < n * m;
	const i64 i = live ? r / m : 0, j = live ? r % m : 0;
	const T *a = x1 + (b * n + i) * d, *c2 = x2 + (b * m + j) * d, *lb = ls + b * d;
	T k0 = T(0), c = T(0), gv = T(0);
	if (live) {
		gv = g[(b * n + i) * m + j];
		kern_shape(kind, scaled_sq(a, c2, lb, d), &k0, &c);
	}
	block_add(live ? (double)gv * (double)k0 : 0.0, gvar + b);
	const double vc = live ? (double)var[b] * (double)c * (double)gv : 0.0;
	for (i64 l = 0; l < d; ++l) {
		double t = 0.0;
		if (live) {
			const double dl = (double)a[l] - (double)c2[l], L = (double)lb[l];
			t = vc * dl * dl / (L * L * L);
		}
		block_add(t, gls + b * d + l);
	}
}

#define INSTANTIATE(T, SUF)                                                                          \
	extern "C" __global__ void sqdist_##SUF(const T *x1, const T *x2, const T *ls, T *out, i64 batch, \
	                                         i64 n, i64 m, i64 d) {                                  \
		sqdist<T>(x1, x2, ls, out, batch, n, m, d);                                                  \
	}                                                                                                \
	extern "C" __global__ void kern_matrix_##SUF(const T *x1, const T *x2, const T *ls, const T *var, \
	                                              T *out, i64 batch, i64 n, i64 m, i64 d, i64 kind) { \
		kern_matrix<T>(x1, x2, ls, var, out, batch, n, m, d, kind);                                  \
	}                                                                                                \
	extern "C" __global__ void kern_profile_##SUF(const T *s, const T *var, T *out, i64 batch, i64 nm,  \
	                                               i64 kind) {                                        \
		kern_profile<T>(s, var, out, batch, nm, kind);                                               \
	}                                                                                                \
	extern "C" __global__ void kern_grad_##SUF(const T *x1, const T *x2, const T *ls, const T *var,   \
	                                            const T *g, double *gls, double *gvar, i64 n, i64 m,  \
	                                            i64 d, i64 kind) {                                    \
		kern_grad<T>(x1, x2, ls, var, g, gls, gvar, n, m, d, kind);                                  \
	}

INSTANTIATE(double, f64)
INSTANTIATE(float, f32)
