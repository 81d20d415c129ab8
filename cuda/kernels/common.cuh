// Shared helpers for ignis's CUDA kernels. Every kernel is written once as a
// template over the element type and instantiated for double (suffix _f64)
// and float (suffix _f32) with C linkage, so that the Go side finds it by a
// plain name in the PTX.
//
// Scalar kernel parameters are 8 bytes wide (long long or double): the Go
// launcher passes every argument as one 8-byte slot.
#pragma once

typedef long long i64;

// Dynamic shared memory, viewed as an array of T. One extern array per
// translation unit, cast per use, because extern arrays of different types
// may not share a name.
#ifdef IGNIS_EMU
alignas(16) inline unsigned char ignis_smem[1 << 16]; // emu/emu.h: one block at a time
#else
extern __shared__ __align__(16) unsigned char ignis_smem[];
#endif

template <typename T>
__device__ __forceinline__ T *shared_as() { return reinterpret_cast<T *>(ignis_smem); }

__device__ __forceinline__ bool is_finite(double v) { return isfinite(v); }
__device__ __forceinline__ bool is_finite(float v) { return isfinite(v); }

__device__ __forceinline__ double sqrt_t(double v) { return sqrt(v); }
__device__ __forceinline__ float sqrt_t(float v) { return sqrtf(v); }
__device__ __forceinline__ double exp_t(double v) { return exp(v); }
__device__ __forceinline__ float exp_t(float v) { return expf(v); }

// Records the flat index of a non-finite element: the smallest such index
// wins. *bad starts at ~0ull (no element).
__device__ __forceinline__ void note_bad(unsigned long long *bad, i64 idx) {
	atomicMin(bad, (unsigned long long)idx);
}
