// Internal to kernels/cpu/: the ISA chosen at load, the thread pool, and the per-ISA entry points the
// dispatching kernels call. Not part of the C ABI (that is kernels/include/semigen/kernels.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "semigen/kernels.h"

namespace sg::cpu {

enum class Isa { portable = 0, avx2 = 1, avx512 = 2 };

// The best ISA this CPU supports (cpuid, once); SEMIGEN_ISA=avx2|portable may lower it for testing.
Isa isa();
const char* isa_name(Isa isa);

// ---- thread pool (kernels/cpu/thread_pool.cc) ----
// Sized to the cores available to the process, or SEMIGEN_NUM_THREADS. No OpenMP.
int num_threads();
int set_num_threads(int n);

// A non-owning callable reference: avoids std::function allocation on hot paths.
struct RangeFn {
  void* ctx;
  void (*call)(void* ctx, size_t begin, size_t end);
};

// Splits [0, n) into at most num_threads() contiguous chunks of at least `grain` items and runs
// fn on each, the calling thread taking one; returns when all are done. Nested calls run serially.
void parallel_for_impl(size_t n, size_t grain, RangeFn fn);

template <class F>
inline void parallel_for(size_t n, size_t grain, F&& f) {
  using Fn = std::remove_reference_t<F>;
  RangeFn fn{(void*)&f, [](void* c, size_t b, size_t e) { (*(Fn*)c)(b, e); }};
  parallel_for_impl(n, grain, fn);
}

// Runs fn(thread_index, thread_count) once on each of `threads` pool threads (threads <= num_threads()).
void parallel_run_impl(int threads, void* ctx, void (*call)(void* ctx, int tid, int nthreads));

template <class F>
inline void parallel_run(int threads, F&& f) {
  using Fn = std::remove_reference_t<F>;
  parallel_run_impl(threads, (void*)&f, [](void* c, int t, int n) { (*(Fn*)c)(t, n); });
}

}  // namespace sg::cpu
