// The AVX-512 loop of the FMA peak probe (peak.cc): 12 independent zmm multiply-add chains, enough to
// cover the FMA latency on every core we target, timed on the calling thread.
#include "gemm_kernels.h"  // SEMIGEN_X86

#if SEMIGEN_X86
// g++ 12 warns about its own AVX-512 intrinsics (their `__Y = __Y` idiom), not about our code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <time.h>

namespace sg::cpu {

namespace peak_avx512 {
namespace {
double seconds_now() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}
}  // namespace
}  // namespace peak_avx512

// GFLOP/s of this thread over about `seconds`.
double fma_rate_avx512(double seconds) {
  constexpr int kChains = 12;
  constexpr long kBurst = 1 << 16;  // iterations between clock reads
  __m512 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm512_set1_ps(float(j));
  // x < 1 keeps every chain converging to y / (1 - x): no overflow, no denormals
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-6f);
  const double start = peak_avx512::seconds_now();
  double elapsed = 0;
  long bursts = 0;
  do {
    for (long i = 0; i < kBurst; ++i) {
#pragma GCC unroll 12
      for (int j = 0; j < kChains; ++j) acc[j] = _mm512_fmadd_ps(acc[j], x, y);
    }
    ++bursts;
    elapsed = peak_avx512::seconds_now() - start;
  } while (elapsed < seconds);
  float sum = 0;
  for (int j = 0; j < kChains; ++j) sum += _mm512_reduce_add_ps(acc[j]);
  volatile float sink = sum;  // keeps the chains alive
  (void)sink;
  return double(bursts) * kBurst * kChains * 16 * 2 / elapsed * 1e-9;
}

}  // namespace sg::cpu
#endif
