// AVX-512 packing of GEMM operands into the layout of gemm_kernels.h (A: 8-row micro-panels, B: 48-column
// micro-panels). The transposes are done here, with in-register 8x8 and 16x16 transposes, so that all four
// trans_a / trans_b combinations feed the same register tile at the same speed.
#include "gemm_kernels.h"

#if SEMIGEN_X86
// g++ 12 warns about its own AVX-512 intrinsics (their `__Y = __Y` idiom), not about our code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

namespace sg::cpu::gemm_avx512 {
namespace {

constexpr size_t kMR = 8, kNR = 48;

inline __mmask16 lanes_mask(size_t count) {
  return count >= 16 ? __mmask16(0xffff) : __mmask16((1u << count) - 1u);
}

// r[i] <- column i of the 8x8 matrix whose rows are r[0..7].
inline void transpose8(__m256 (&r)[8]) {
  __m256 t[8], s[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int h = 0; h < 2; ++h) {  // rows 0-3, then rows 4-7
    s[4 * h + 0] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
    s[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xee);
    s[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
    s[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xee);
  }
  for (int j = 0; j < 4; ++j) {
    r[j] = _mm256_permute2f128_ps(s[j], s[4 + j], 0x20);
    r[4 + j] = _mm256_permute2f128_ps(s[j], s[4 + j], 0x31);
  }
}

// r[i] <- column i of the 16x16 matrix whose rows are r[0..15].
inline void transpose16(__m512 (&r)[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {  // u[4i + j]: 128-bit lane L holds column 4L + j of rows 4i..4i+3
    const __m512d t0 = _mm512_castps_pd(t[4 * i]), t1 = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d t2 = _mm512_castps_pd(t[4 * i + 2]), t3 = _mm512_castps_pd(t[4 * i + 3]);
    u[4 * i + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
    u[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
    u[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
    u[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
  }
  for (int j = 0; j < 4; ++j) {  // a 4x4 transpose of 128-bit lanes across u[j], u[4+j], u[8+j], u[12+j]
    const __m512 s0 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x44), s1 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xee);
    const __m512 s2 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x44);
    const __m512 s3 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xee);
    r[j] = _mm512_shuffle_f32x4(s0, s2, 0x88);
    r[4 + j] = _mm512_shuffle_f32x4(s0, s2, 0xdd);
    r[8 + j] = _mm512_shuffle_f32x4(s1, s3, 0x88);
    r[12 + j] = _mm512_shuffle_f32x4(s1, s3, 0xdd);
  }
}

// An 8-row micro-panel from row-major A (element (i, p) at a[i * lda + p]): 8x8 transposes.
void pack_a_rows(size_t rows, size_t kc, const float* a, size_t lda, float* dst) {
  size_t p = 0;
  if (rows == kMR) {
    for (; p + 8 <= kc; p += 8) {
      __m256 r[8];
      for (size_t i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(a + i * lda + p);
      transpose8(r);
      for (size_t q = 0; q < 8; ++q) _mm256_storeu_ps(dst + (p + q) * kMR, r[q]);
    }
  }
  for (; p < kc; ++p) {
    for (size_t i = 0; i < kMR; ++i) dst[p * kMR + i] = i < rows ? a[i * lda + p] : 0.f;
  }
}

// An 8-row micro-panel from transposed A (element (i, p) at a[p * lda + i]): one 8-float copy per k.
void pack_a_cols(size_t rows, size_t kc, const float* a, size_t lda, float* dst) {
  const __mmask8 m = __mmask8((1u << rows) - 1u);
  for (size_t p = 0; p < kc; ++p) _mm256_storeu_ps(dst + p * kMR, _mm256_maskz_loadu_ps(m, a + p * lda));
}

// A 48-column micro-panel (row stride `stride`) from row-major B (element (p, j) at b[p * ldb + j]).
void pack_b_rows(size_t kc, size_t cols, size_t stride, const float* b, size_t ldb, float* dst) {
  for (size_t p = 0; p < kc; ++p) {
    for (size_t v = 0; v * 16 < stride; ++v) {
      _mm512_storeu_ps(dst + p * stride + 16 * v, _mm512_maskz_loadu_ps(lanes_mask(cols - 16 * v), b + p * ldb + 16 * v));
    }
  }
}

// A 48-column micro-panel from transposed B (element (p, j) at b[j * ldb + p]): 16x16 transposes.
void pack_b_cols(size_t kc, size_t cols, size_t stride, const float* b, size_t ldb, float* dst) {
  for (size_t g = 0; g * 16 < cols; ++g) {
    const size_t count = cols - 16 * g < 16 ? cols - 16 * g : 16;
    const float* src = b + 16 * g * ldb;
    for (size_t p = 0; p < kc; p += 16) {
      const size_t depth = kc - p < 16 ? kc - p : 16;
      const __mmask16 m = lanes_mask(depth);
      __m512 r[16];
      for (size_t j = 0; j < 16; ++j) r[j] = j < count ? _mm512_maskz_loadu_ps(m, src + j * ldb + p) : _mm512_setzero_ps();
      transpose16(r);
      for (size_t q = 0; q < depth; ++q) _mm512_storeu_ps(dst + (p + q) * stride + 16 * g, r[q]);
    }
  }
}

}  // namespace

void pack_a(bool trans, size_t rows, size_t kc, const float* a, size_t lda, float* dst) {
  for (size_t r0 = 0; r0 < rows; r0 += kMR) {
    const size_t count = rows - r0 < kMR ? rows - r0 : kMR;
    if (trans) {
      pack_a_cols(count, kc, a + r0, lda, dst + r0 * kc);
    } else {
      pack_a_rows(count, kc, a + r0 * lda, lda, dst + r0 * kc);
    }
  }
}

void pack_b(bool trans, size_t kc, size_t cols, const float* b, size_t ldb, float* dst) {
  for (size_t j0 = 0; j0 < cols; j0 += kNR) {
    const size_t count = cols - j0 < kNR ? cols - j0 : kNR;
    const size_t stride = (count + 15) / 16 * 16;
    if (trans) {
      pack_b_cols(kc, count, stride, b + j0 * ldb, ldb, dst + j0 * kc);
    } else {
      pack_b_rows(kc, count, stride, b + j0, ldb, dst + j0 * kc);
    }
  }
}

}  // namespace sg::cpu::gemm_avx512

#endif  // SEMIGEN_X86
