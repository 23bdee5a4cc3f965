// The AVX2 loop of the FMA peak probe (peak.cc): 12 independent ymm multiply-add chains, enough to
// cover the FMA latency on every core we target, timed on the calling thread.
#include "gemm_kernels.h"  // SEMIGEN_X86

#if SEMIGEN_X86
#include <immintrin.h>
#include <time.h>

namespace sg::cpu {

namespace peak_avx2 {
namespace {
double seconds_now() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}
}  // namespace
}  // namespace peak_avx2

// GFLOP/s of this thread over about `seconds`.
double fma_rate_avx2(double seconds) {
  constexpr int kChains = 12;
  constexpr long kBurst = 1 << 16;  // iterations between clock reads
  __m256 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm256_set1_ps(float(j));
  // x < 1 keeps every chain converging to y / (1 - x): no overflow, no denormals
  const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-6f);
  const double start = peak_avx2::seconds_now();
  double elapsed = 0;
  long bursts = 0;
  do {
    for (long i = 0; i < kBurst; ++i) {
#pragma GCC unroll 12
      for (int j = 0; j < kChains; ++j) acc[j] = _mm256_fmadd_ps(acc[j], x, y);
    }
    ++bursts;
    elapsed = peak_avx2::seconds_now() - start;
  } while (elapsed < seconds);
  float sum = 0;
  for (int j = 0; j < kChains; ++j) {
    float lanes[8];
    _mm256_storeu_ps(lanes, acc[j]);
    for (float v : lanes) sum += v;
  }
  volatile float sink = sum;  // keeps the chains alive
  (void)sink;
  return double(bursts) * kBurst * kChains * 8 * 2 / elapsed * 1e-9;
}

}  // namespace sg::cpu
#endif
