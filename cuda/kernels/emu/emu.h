// A host emulation of the CUDA features ignis's kernels use, so that the
// kernels' indexing, synchronization and results can be checked on a machine
// without a GPU (make kernels-emu). Blocks run one after another; the threads
// of a block run as OS threads meeting at a std::barrier for __syncthreads,
// so a missing barrier or a divergent one shows up as a wrong result or a
// hang. Shared memory is a global buffer (one block at a time uses it).
// Not a performance model, and not a full one: no warps, no memory model
// beyond what the barrier gives.
#pragma once
#include <algorithm>
#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>

struct uint3_ { unsigned int x = 0, y = 0, z = 0; };
inline thread_local uint3_ threadIdx, blockIdx, blockDim, gridDim;
inline thread_local std::barrier<> *emu_barrier = nullptr;

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __align__(n) alignas(n)

inline void __syncthreads() { emu_barrier->arrive_and_wait(); }

using std::isfinite;
using std::max;
using std::min;
using std::sqrt;
using std::exp;

inline unsigned long long atomicMin(unsigned long long *p, unsigned long long v) {
	std::atomic_ref<unsigned long long> a(*p);
	unsigned long long old = a.load();
	while (v < old && !a.compare_exchange_weak(old, v)) {
	}
	return old;
}

inline double atomicAdd(double *p, double v) { return std::atomic_ref<double>(*p).fetch_add(v); }

// Every thread of the block calls the shuffles of block_add together, so a
// block-wide exchange through shared memory stands in for the warp's.
inline double emu_xchg[1024];
inline double __shfl_down_sync(unsigned, double v, int o) {
	const int tid = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
	emu_xchg[tid] = v;
	__syncthreads();
	const int lane = tid & 31;
	const double r = lane + o < 32 ? emu_xchg[tid + o] : v;
	__syncthreads();
	return r;
}

struct dim3e { unsigned int x = 1, y = 1, z = 1; };

// launch runs kernel(args...) over the grid, block by block, on one OS
// thread per CUDA thread of a block (created once per launch). Each block
// has its own barrier, which a thread leaves when it returns (as a CUDA
// thread that exits stops counting for __syncthreads); all threads meet
// at a second barrier before the next block reuses shared memory.
#include <memory>
template <typename... K, typename... A>
void launch(void (*kernel)(K...), dim3e grid, dim3e block, A... args) {
	const unsigned nt = block.x * block.y * block.z;
	const unsigned nb = grid.x * grid.y * grid.z;
	std::vector<std::unique_ptr<std::barrier<>>> bars;
	bars.reserve(nb);
	for (unsigned b = 0; b < nb; ++b) bars.push_back(std::make_unique<std::barrier<>>(nt));
	std::barrier<> between(nt);
	std::vector<std::thread> ts;
	ts.reserve(nt);
	for (unsigned t = 0; t < nt; ++t) {
		ts.emplace_back([&, t] {
			threadIdx = {t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
			blockDim = {block.x, block.y, block.z};
			gridDim = {grid.x, grid.y, grid.z};
			for (unsigned b = 0; b < nb; ++b) {
				blockIdx = {b % grid.x, (b / grid.x) % grid.y, b / (grid.x * grid.y)};
				emu_barrier = bars[b].get();
				kernel(args...);
				bars[b]->arrive_and_drop();
				between.arrive_and_wait();
			}
		});
	}
	for (auto &th : ts) th.join();
}
