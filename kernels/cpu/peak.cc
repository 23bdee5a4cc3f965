// sg_cpu_fma_peak: the measured FP32 multiply-add peak of the ISA in use, run on `threads` pool threads
// at once, so benchmarks can report a kernel's GFLOP/s as a fraction of what this machine can do.
#include <atomic>
#include <ctime>

#include "cpu_internal.h"
#include "gemm_kernels.h"  // SEMIGEN_X86

namespace sg::cpu {

#if SEMIGEN_X86
double fma_rate_avx512(double seconds);  // peak_avx512.cc
double fma_rate_avx2(double seconds);    // peak_avx2.cc
#endif

namespace {

double seconds_now() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

// The portable loop: 8 chains of 4-wide multiply-adds in GCC vector extensions (two instructions each
// on baseline x86-64, one fused on arm64); counted as 2 flops per lane either way.
double fma_rate_portable(double seconds) {
  typedef float v4 __attribute__((vector_size(16)));
  constexpr int kChains = 8;
  constexpr long kBurst = 1 << 16;
  v4 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = v4{} + float(j);
  const v4 x = v4{} + 0.999999f, y = v4{} + 1e-6f;
  const double start = seconds_now();
  double elapsed = 0;
  long bursts = 0;
  do {
    for (long i = 0; i < kBurst; ++i) {
#pragma GCC unroll 8
      for (int j = 0; j < kChains; ++j) acc[j] = acc[j] * x + y;
    }
    ++bursts;
    elapsed = seconds_now() - start;
  } while (elapsed < seconds);
  float sum = 0;
  for (int j = 0; j < kChains; ++j) sum += acc[j][0] + acc[j][1] + acc[j][2] + acc[j][3];
  volatile float sink = sum;
  (void)sink;
  return double(bursts) * kBurst * kChains * 4 * 2 / elapsed * 1e-9;
}

double fma_rate(double seconds) {
#if SEMIGEN_X86
  if (isa() == Isa::avx512) return fma_rate_avx512(seconds);
  if (isa() == Isa::avx2) return fma_rate_avx2(seconds);
#endif
  return fma_rate_portable(seconds);
}

}  // namespace
}  // namespace sg::cpu

extern "C" double sg_cpu_fma_peak(int threads, double seconds) {
  using namespace sg::cpu;
  if (threads < 1) threads = 1;
  if (threads > num_threads()) threads = num_threads();  // more would time-share cores, not add peak
  if (!(seconds > 0)) seconds = 0.01;
  if (seconds > 10) seconds = 10;
  std::atomic<double> total{0};
  std::atomic<int> started{0};
  parallel_run(threads, [&](int, int) {
    // Start together so the rates are measured at the same time (a thread that finds no core free must
    // not be counted as if it had one); the timeout covers a pool that runs the tasks one after another.
    started.fetch_add(1);
    const double give_up = seconds_now() + 1.0;
    while (started.load() < threads && seconds_now() < give_up) {
    }
    const double rate = fma_rate(seconds);
    double seen = total.load();
    while (!total.compare_exchange_weak(seen, seen + rate)) {
    }
  });
  return total.load();
}
