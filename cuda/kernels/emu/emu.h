// A host emulation of the CUDA features ignis's kernels use, so that the
// kernels' indexing, synchronization and results can be checked on a machine
// without a GPU (make kernels-emu, and the emulated driver of make gpu-emu).
// Blocks run one after another on the calling thread, in grid order or in
// reverse (every second launch), so a block that reads another's results
// shows; the threads of a block run as fibers that switch at __syncthreads:
// every live thread runs up to its next barrier (or its end) before any
// passes it, in thread order or in reverse (every other launch), so a
// missing barrier shows up as a wrong result. Shared memory is a global
// buffer (one block at a time uses it).
// Not a performance model, and not a full one: no warps, no memory model
// beyond what the barrier gives; a barrier that only some threads reach is
// not detected (those that return stop counting, as on the GPU).
#pragma once
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <cstdint>
#include <ucontext.h>
#include <vector>

struct uint3_ { unsigned int x = 0, y = 0, z = 0; };
inline thread_local uint3_ threadIdx, blockIdx, blockDim, gridDim;

// One fiber per thread of a block. On x86-64 a fiber switch saves the
// callee-saved registers on the fiber's stack and swaps stack pointers
// (emu_switch, below); elsewhere it is ucontext's swapcontext, which also
// saves the signal mask (a system call per switch, so slower).
struct emu_fiber {
	bool done;
#if defined(__x86_64__)
	void *sp;
#else
	ucontext_t ctx;
#endif
};
inline thread_local emu_fiber *emu_cur = nullptr;
inline thread_local void (*emu_body)(void *) = nullptr;
inline thread_local void *emu_body_arg = nullptr;

#if defined(__x86_64__)
// emu_switch(from, to) stores the running context's stack pointer in *from
// and resumes the context whose stack pointer is to.
extern "C" void emu_switch(void **from, void *to);
asm(R"(
	.text
	.weak emu_switch
	.type emu_switch, @function
emu_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size emu_switch, .-emu_switch
)");
inline thread_local void *emu_sched_sp = nullptr;

inline void emu_entry() {
	emu_body(emu_body_arg);
	emu_cur->done = true;
	void *gone;
	emu_switch(&gone, emu_sched_sp); // never resumed
}

// emu_start readies f to run emu_entry on the stack [lo, lo+size): the
// first switch to it pops six zero registers and returns into emu_entry,
// with the stack aligned as at a call.
inline void emu_start(emu_fiber &f, char *lo, size_t size) {
	auto top = reinterpret_cast<uintptr_t>(lo + size) & ~uintptr_t(15);
	auto *sp = reinterpret_cast<void **>(top) - 2;
	sp[0] = reinterpret_cast<void *>(&emu_entry);
	sp[1] = nullptr;
	sp -= 6;
	for (int i = 0; i < 6; ++i) sp[i] = nullptr;
	f.sp = sp;
	f.done = false;
}
inline void emu_resume(emu_fiber &f) { emu_switch(&emu_sched_sp, f.sp); }
inline void emu_yield() { emu_switch(&emu_cur->sp, emu_sched_sp); }
#else
inline thread_local ucontext_t emu_sched;

inline void emu_start(emu_fiber &f, char *lo, size_t size) {
	f.done = false;
	getcontext(&f.ctx);
	f.ctx.uc_stack.ss_sp = lo;
	f.ctx.uc_stack.ss_size = size;
	f.ctx.uc_link = &emu_sched;
	makecontext(&f.ctx, emu_entry, 0);
}
inline void emu_resume(emu_fiber &f) { swapcontext(&emu_sched, &f.ctx); }
inline void emu_yield() { swapcontext(&emu_cur->ctx, &emu_sched); }
#endif

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __align__(n) alignas(n)

inline void __syncthreads() { emu_yield(); }

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

// Fiber stacks, kept between launches: 64 KiB each, up to 1024 threads.
inline constexpr size_t emu_stack = 64 << 10;
inline std::vector<std::unique_ptr<char[]>> emu_stacks; // one launch at a time

inline unsigned long long emu_launches = 0;

// launch runs kernel(args...) over the grid, block by block, each block's
// threads as fibers on the calling thread: a round resumes every live
// thread once, up to its next __syncthreads or its end, until all have
// ended.
template <typename... K, typename... A>
void launch(void (*kernel)(K...), dim3e grid, dim3e block, A... args) {
	const unsigned nt = block.x * block.y * block.z;
	const unsigned nb = grid.x * grid.y * grid.z;
	if (nt == 0 || nt > 1024) {
		std::fprintf(stderr, "emu: %u threads a block (1 to 1024)\n", nt);
		std::abort();
	}
	while (emu_stacks.size() < nt) emu_stacks.emplace_back(new char[emu_stack]);
	auto run = [&] { kernel(args...); };
	using Run = decltype(run);
	emu_body = [](void *p) { (*static_cast<Run *>(p))(); };
	emu_body_arg = &run;
	// Thread order flips every launch, block order every second launch, so
	// that a kernel called a few times meets all four combinations.
	const bool reverse = emu_launches & 1, reverse_blocks = emu_launches & 2;
	++emu_launches;
	std::vector<emu_fiber> fs(nt);
	blockDim = {block.x, block.y, block.z};
	gridDim = {grid.x, grid.y, grid.z};
	for (unsigned i = 0; i < nb; ++i) {
		const unsigned b = reverse_blocks ? nb - 1 - i : i;
		blockIdx = {b % grid.x, (b / grid.x) % grid.y, b / (grid.x * grid.y)};
		for (unsigned t = 0; t < nt; ++t) {
			emu_start(fs[t], emu_stacks[t].get(), emu_stack);
		}
		for (unsigned live = nt; live > 0;) {
			live = 0;
			for (unsigned i = 0; i < nt; ++i) {
				const unsigned t = reverse ? nt - 1 - i : i;
				emu_fiber &f = fs[t];
				if (f.done) continue;
				threadIdx = {t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
				emu_cur = &f;
				emu_resume(f);
				live += !f.done;
			}
		}
	}
	emu_cur = nullptr;
}
