// Pieces of the exact GP's negative log marginal likelihood for a batch of
// independent GPs, between the library kernels (kernel matrix, Cholesky,
// triangular solves, kernel gradient) that package cuda chains on the
// device: with K = K_θ + σ²_n I = L Lᵀ and α = K⁻¹ y,
//
//   nll = ½ yᵀα + Σ log L_ii + (n/2) log 2π,
//   ∂nll/∂θ = Σ_ij G_ij ∂K_ij/∂θ with G = ½ (K⁻¹ − α αᵀ).
#include "common.cuh"

// add_diag: a[b, i, i] += v[b], for batch n×n matrices.
template <typename T>
__device__ void add_diag(T *a, const T *v, i64 batch, i64 n) {
	for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < batch * n; e += (i64)gridDim.x * blockDim.x) {
		const i64 b = e / n, i = e % n;
		a[(b * n + i) * n + i] += v[b];
	}
}

// set_identity: batch n×n identity matrices.
template <typename T>
__device__ void set_identity(T *a, i64 batch, i64 n) {
	const i64 total = batch * n * n;
	for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total; e += (i64)gridDim.x * blockDim.x) {
		const i64 r = e % (n * n);
		a[e] = r / n == r % n ? T(1) : T(0);
	}
}

// gp_weights: kinv[b, i, j] ← ½ (kinv[b, i, j] − α_i α_j), in place.
template <typename T>
__device__ void gp_weights(T *kinv, const T *alpha, i64 batch, i64 n) {
	const i64 total = batch * n * n;
	for (i64 e = blockIdx.x * (i64)blockDim.x + threadIdx.x; e < total; e += (i64)gridDim.x * blockDim.x) {
		const i64 b = e / (n * n), r = e % (n * n), i = r / n, j = r % n;
		kinv[e] = T(0.5) * (kinv[e] - alpha[b * n + i] * alpha[b * n + j]);
	}
}

#define GP_THREADS 256

// Sums v over the block (GP_THREADS threads) and adds it to *dst from
// thread 0; every thread must call it.
__device__ void gp_block_add(double v, double *dst) {
	__shared__ double part[GP_THREADS];
	part[threadIdx.x] = v;
	__syncthreads();
	for (int s = GP_THREADS / 2; s > 0; s /= 2) {
		if ((int)threadIdx.x < s) {
			part[threadIdx.x] += part[threadIdx.x + s];
		}
		__syncthreads();
	}
	if (threadIdx.x == 0) {
		*dst += part[0];
	}
	__syncthreads(); // part is free for the next call
}

// gp_terms: one block per member: nll[b] = ½ yᵀα + Σ log L_ii + (n/2) log 2π
// and gnoise[b] = Σ_i G_ii (∂K/∂σ²_n = I), in double; both must be zeroed.
template <typename T>
__device__ void gp_terms(const T *l, const T *y, const T *alpha, const T *g, double *nll, double *gnoise, i64 n) {
	const i64 b = blockIdx.x;
	double fit = 0, logdet = 0, gn = 0;
	for (i64 i = threadIdx.x; i < n; i += blockDim.x) {
		fit += (double)y[b * n + i] * (double)alpha[b * n + i];
		logdet += log((double)l[(b * n + i) * n + i]);
		gn += (double)g[(b * n + i) * n + i];
	}
	gp_block_add(0.5 * fit + logdet, nll + b);
	gp_block_add(gn, gnoise + b);
	if (threadIdx.x == 0) {
		nll[b] += 0.5 * (double)n * 1.8378770664093453; // log 2π
	}
}

#define INSTANTIATE(T, SUF)                                                                              \
	extern "C" __global__ void add_diag_##SUF(T *a, const T *v, i64 batch, i64 n) { add_diag<T>(a, v, batch, n); } \
	extern "C" __global__ void set_identity_##SUF(T *a, i64 batch, i64 n) { set_identity<T>(a, batch, n); }       \
	extern "C" __global__ void gp_weights_##SUF(T *kinv, const T *alpha, i64 batch, i64 n) {                     \
		gp_weights<T>(kinv, alpha, batch, n);                                                                    \
	}                                                                                                            \
	extern "C" __global__ void gp_terms_##SUF(const T *l, const T *y, const T *alpha, const T *g, double *nll,    \
	                                           double *gnoise, i64 n) {                                          \
		gp_terms<T>(l, y, alpha, g, nll, gnoise, n);                                                             \
	}

INSTANTIATE(double, f64)
INSTANTIATE(float, f32)
