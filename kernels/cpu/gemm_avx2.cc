// The AVX2 GEMM register tile: 6 rows x 16 columns of C in 12 ymm accumulators (2 vectors of B and one
// broadcast of A per k step; 16 ymm registers leave no room for more), with the epilogue applied on the
// way out. Partial tiles are instantiated per row and vector count; packing is the generic one.
#include "gemm_kernels.h"

#if SEMIGEN_X86
#include <immintrin.h>

#define SG_ISA_NS gemm_avx2
#include "simd_math.h"

namespace sg::cpu::gemm_avx2 {
namespace {

constexpr int kMR = 6, kVecs = 2, kNR = 8 * kVecs;

void activate_stored(float* c, size_t ldc, size_t rows, size_t cols, sg_unary_op act) {
  for (size_t i = 0; i < rows; ++i) {
    float* row = c + i * ldc;
    if (act == SG_UNARY_SIGMOID) {
      for (size_t j = 0; j < cols; ++j) row[j] = sigmoid_f(row[j]);
    } else {
      for (size_t j = 0; j < cols; ++j) row[j] = tanh_f(row[j]);
    }
  }
}

// Lane mask of the first `count` (<= 8) floats, for maskload / maskstore.
inline __m256i lanes_mask(size_t count) {
  const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(count)), index);
}

template <int R, int V>
inline void store_tile(__m256 (&acc)[R][V], float* c, size_t ldc, size_t rows, size_t cols,
                       const GemmEpilogue& ep) {
  const size_t tail_count = cols - 8 * (V - 1);
  const bool full = tail_count >= 8;
  const __m256i tail = lanes_mask(full ? 8 : tail_count);
  const __m256 alpha = _mm256_set1_ps(ep.alpha), beta = _mm256_set1_ps(ep.beta);
  const __m256 zero = _mm256_setzero_ps(), slope = _mm256_set1_ps(ep.act_alpha);
  const bool scale = ep.alpha != 1.f, read_c = !ep.first || ep.beta != 0.f;
  __m256 bias[V];
  for (int v = 0; v < V; ++v) {
    const bool masked = v == V - 1 && !full;
    bias[v] = !(ep.last && ep.bias) ? zero
              : masked              ? _mm256_maskload_ps(ep.bias + 8 * v, tail)
                                    : _mm256_loadu_ps(ep.bias + 8 * v);
  }
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i) {  // unrolled: with runtime indices g++ keeps the accumulators in memory
    float* ci = c + i * ldc;
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) {
      const bool masked = v == V - 1 && !full;
      __m256 x = scale ? _mm256_mul_ps(acc[i][v], alpha) : acc[i][v];
      if (read_c) {
        __m256 old = masked ? _mm256_maskload_ps(ci + 8 * v, tail) : _mm256_loadu_ps(ci + 8 * v);
        x = ep.first ? _mm256_fmadd_ps(beta, old, x) : _mm256_add_ps(x, old);
      }
      if (ep.last) {
        x = _mm256_add_ps(x, bias[v]);
        if (ep.act == SG_UNARY_RELU) x = _mm256_max_ps(zero, x);  // keeps NaN
        if (ep.act == SG_UNARY_LEAKY_RELU) {
          x = _mm256_blendv_ps(x, _mm256_mul_ps(x, slope), _mm256_cmp_ps(x, zero, _CMP_LT_OQ));
        }
      }
      if (masked) {
        _mm256_maskstore_ps(ci + 8 * v, tail, x);
      } else {
        _mm256_storeu_ps(ci + 8 * v, x);
      }
    }
  }
  if (ep.last && (ep.act == SG_UNARY_SIGMOID || ep.act == SG_UNARY_TANH)) {
    activate_stored(c, ldc, rows, cols, ep.act);
  }
}

template <int R, int V>
void tile_rv(size_t kc, const float* a, const float* b, float* c, size_t ldc, size_t cols,
             const GemmEpilogue& ep) {
  __m256 acc[R][V];
  for (int i = 0; i < R; ++i)
    for (int v = 0; v < V; ++v) acc[i][v] = _mm256_setzero_ps();
  for (int i = 0; i < R; ++i) _mm_prefetch((const char*)(c + i * ldc), _MM_HINT_T0);
#pragma GCC unroll 4
  for (size_t p = 0; p < kc; ++p) {
    __m256 bv[V];
    for (int v = 0; v < V; ++v) bv[v] = _mm256_loadu_ps(b + 8 * v);
    for (int i = 0; i < R; ++i) {
      const __m256 ai = _mm256_set1_ps(a[i]);  // not _mm256_broadcast_ss(a + i): it made g++ spill the accumulators
      for (int v = 0; v < V; ++v) acc[i][v] = _mm256_fmadd_ps(ai, bv[v], acc[i][v]);
    }
    a += kMR;
    b += 8 * V;
  }
  store_tile<R, V>(acc, c, ldc, R, cols, ep);
}

using TileFn = void (*)(size_t, const float*, const float*, float*, size_t, size_t, const GemmEpilogue&);

const TileFn kTiles[kMR][kVecs] = {
    {tile_rv<1, 1>, tile_rv<1, 2>}, {tile_rv<2, 1>, tile_rv<2, 2>}, {tile_rv<3, 1>, tile_rv<3, 2>},
    {tile_rv<4, 1>, tile_rv<4, 2>}, {tile_rv<5, 1>, tile_rv<5, 2>}, {tile_rv<6, 1>, tile_rv<6, 2>},
};

void tile(size_t kc, const float* a, const float* b, float* c, size_t ldc, size_t rows, size_t cols,
          const GemmEpilogue& ep) {
  kTiles[rows - 1][(cols + 7) / 8 - 1](kc, a, b, c, ldc, cols, ep);
}

void pack_a(bool trans, size_t rows, size_t kc, const float* a, size_t lda, float* dst) {
  pack_a_generic(trans, rows, kc, a, lda, dst, kMR);
}

void pack_b(bool trans, size_t kc, size_t cols, const float* b, size_t ldb, float* dst) {
  pack_b_generic(trans, kc, cols, b, ldb, dst, kNR, 8);
}

// kc: a 6 x kc A micro-panel (9 KiB) stays in L1; nc: the kc x nc B block (~400 KiB) fits L2.
const GemmKernels kKernels = {"avx2", kMR, kNR, 8, 384, 1020, 256, pack_a, pack_b, tile};

}  // namespace
}  // namespace sg::cpu::gemm_avx2

namespace sg::cpu {
const GemmKernels* gemm_kernels_avx2() { return &gemm_avx2::kKernels; }
}  // namespace sg::cpu

#else  // not x86

namespace sg::cpu {
const GemmKernels* gemm_kernels_avx2() { return nullptr; }
}  // namespace sg::cpu

#endif
