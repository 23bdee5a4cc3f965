// The AVX-512 GEMM register tile: 8 rows x 48 columns of C in 24 zmm accumulators (3 vectors of B and
// one broadcast of A per k step), with the epilogue (alpha, beta, bias, activation) applied on the way
// out. Partial tiles are instantiated for every row count and vector count, and the last vector of a
// row is stored under a mask, so edge tiles cost no more than their size. Zen 4 reaches ~99% of its FMA
// peak on this loop with data in L2.
#include "gemm_kernels.h"

#if SEMIGEN_X86
// g++ 12 warns about its own AVX-512 intrinsics (their `__Y = __Y` idiom), not about our code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#define SG_ISA_NS gemm_avx512
#include "simd_math.h"

namespace sg::cpu::gemm_avx512 {

void pack_a(bool trans, size_t rows, size_t kc, const float* a, size_t lda, float* dst);
void pack_b(bool trans, size_t kc, size_t cols, const float* b, size_t ldb, float* dst);

namespace {

constexpr int kMR = 8;
constexpr int kVecs = 3;  // vectors of 16 per tile row: nr = 48

inline __mmask16 lanes_mask(size_t count) {
  return count >= 16 ? __mmask16(0xffff) : __mmask16((1u << count) - 1u);
}

// Applies the transcendental activations to a stored tile, row by row (g++ vectorises the loop).
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

template <int R, int V>
inline void store_tile(__m512 (&acc)[R][V], float* c, size_t ldc, size_t rows, size_t cols,
                       const GemmEpilogue& ep) {
  const __mmask16 tail = lanes_mask(cols - 16 * (V - 1));
  const __m512 alpha = _mm512_set1_ps(ep.alpha), beta = _mm512_set1_ps(ep.beta);
  const __m512 zero = _mm512_setzero_ps(), slope = _mm512_set1_ps(ep.act_alpha);
  const bool scale = ep.alpha != 1.f, read_c = !ep.first || ep.beta != 0.f;
  __m512 bias[V];
  for (int v = 0; v < V; ++v) {
    bias[v] = ep.last && ep.bias ? _mm512_maskz_loadu_ps(v == V - 1 ? tail : 0xffff, ep.bias + 16 * v) : zero;
  }
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i) {  // unrolled: with runtime indices g++ keeps the accumulators in memory
    float* ci = c + i * ldc;
#pragma GCC unroll 3
    for (int v = 0; v < V; ++v) {
      const __mmask16 m = v == V - 1 ? tail : __mmask16(0xffff);
      __m512 x = scale ? _mm512_mul_ps(acc[i][v], alpha) : acc[i][v];
      if (read_c) {
        __m512 old = _mm512_maskz_loadu_ps(m, ci + 16 * v);
        x = ep.first ? _mm512_fmadd_ps(beta, old, x) : _mm512_add_ps(x, old);
      }
      if (ep.last) {
        x = _mm512_add_ps(x, bias[v]);
        // max(0, x) returns x when x is NaN, as relu should
        if (ep.act == SG_UNARY_RELU) x = _mm512_max_ps(zero, x);
        if (ep.act == SG_UNARY_LEAKY_RELU) {
          x = _mm512_mask_mul_ps(x, _mm512_cmp_ps_mask(x, zero, _CMP_LT_OQ), x, slope);
        }
      }
      _mm512_mask_storeu_ps(ci + 16 * v, m, x);
    }
  }
  if (ep.last && (ep.act == SG_UNARY_SIGMOID || ep.act == SG_UNARY_TANH)) {
    activate_stored(c, ldc, rows, cols, ep.act);
  }
}

// R rows (<= kMR) by V vectors of C; `a` is an mr-strided micro-panel, `b` a (16 V)-strided one.
template <int R, int V>
void tile_rv(size_t kc, const float* a, const float* b, float* c, size_t ldc, size_t cols,
             const GemmEpilogue& ep) {
  __m512 acc[R][V];
  for (int i = 0; i < R; ++i)
    for (int v = 0; v < V; ++v) acc[i][v] = _mm512_setzero_ps();
  for (int i = 0; i < R; ++i)
    for (int v = 0; v < V; ++v) _mm_prefetch((const char*)(c + i * ldc + 16 * v), _MM_HINT_T0);
#pragma GCC unroll 4
  for (size_t p = 0; p < kc; ++p) {
    __m512 bv[V];
    for (int v = 0; v < V; ++v) bv[v] = _mm512_loadu_ps(b + 16 * v);
    for (int i = 0; i < R; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      for (int v = 0; v < V; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
    }
    a += kMR;
    b += 16 * V;
  }
  store_tile<R, V>(acc, c, ldc, R, cols, ep);
}

using TileFn = void (*)(size_t, const float*, const float*, float*, size_t, size_t, const GemmEpilogue&);

template <int R>
constexpr TileFn tile_row(int v) {
  return v == 1 ? tile_rv<R, 1> : v == 2 ? tile_rv<R, 2> : tile_rv<R, 3>;
}

const TileFn kTiles[kMR][kVecs] = {
    {tile_row<1>(1), tile_row<1>(2), tile_row<1>(3)}, {tile_row<2>(1), tile_row<2>(2), tile_row<2>(3)},
    {tile_row<3>(1), tile_row<3>(2), tile_row<3>(3)}, {tile_row<4>(1), tile_row<4>(2), tile_row<4>(3)},
    {tile_row<5>(1), tile_row<5>(2), tile_row<5>(3)}, {tile_row<6>(1), tile_row<6>(2), tile_row<6>(3)},
    {tile_row<7>(1), tile_row<7>(2), tile_row<7>(3)}, {tile_row<8>(1), tile_row<8>(2), tile_row<8>(3)},
};

void tile(size_t kc, const float* a, const float* b, float* c, size_t ldc, size_t rows, size_t cols,
          const GemmEpilogue& ep) {
  kTiles[rows - 1][(cols + 15) / 16 - 1](kc, a, b, c, ldc, cols, ep);
}

// kc: an 8 x kc A micro-panel (16 KiB at 512) stays in L1 while B streams from L2; nc: a kc x nc
// packed B block (~470 KiB) takes half of Zen 4's 1 MiB L2; mc: packed A lives in L3.
const GemmKernels kKernels = {"avx512", kMR, 16 * kVecs, 16, 512, 1024, 240, pack_a, pack_b, tile};

}  // namespace
}  // namespace sg::cpu::gemm_avx512

namespace sg::cpu {
const GemmKernels* gemm_kernels_avx512() { return &gemm_avx512::kKernels; }
}  // namespace sg::cpu

#else  // not x86: AVX-512 is never chosen

namespace sg::cpu {
const GemmKernels* gemm_kernels_avx512() { return nullptr; }
}  // namespace sg::cpu

#endif
