// The portable GEMM path (any CPU, and the fallback on arm64): a 6x8 register tile written with GCC vector
// extensions, the generic packers for any tile shape (used by the AVX2 path too), and the scalar
// bias + activation epilogue (gemm_activation of scalar_math.h).
#include "gemm_kernels.h"

#define SG_ISA_NS gemm_portable
#include "simd_math.h"

namespace sg::cpu {

namespace gemm_portable {
namespace {

typedef float v4 __attribute__((vector_size(16)));
constexpr int kMR = 6, kVecs = 2, kNR = 4 * kVecs;

// All kMR rows by V vectors are computed (packed A rows past the edge are zero); rows x cols are stored.
template <int V>
void tile_v(size_t kc, const float* a, const float* b, float* c, size_t ldc, size_t rows, size_t cols,
            const GemmEpilogue& ep) {
  v4 acc[kMR][V] = {};
  for (size_t p = 0; p < kc; ++p) {
    v4 bv[V];
    for (int v = 0; v < V; ++v) __builtin_memcpy(&bv[v], b + 4 * v, sizeof(v4));
    for (int i = 0; i < kMR; ++i) {
      const v4 ai = {a[i], a[i], a[i], a[i]};
      for (int v = 0; v < V; ++v) acc[i][v] += ai * bv[v];
    }
    a += kMR;
    b += 4 * V;
  }
  for (size_t i = 0; i < rows; ++i) {
    float* ci = c + i * ldc;
    for (size_t j = 0; j < cols; ++j) {
      float x = ep.alpha * acc[i][j / 4][j % 4];
      if (ep.first) {
        if (ep.beta != 0.f) x += ep.beta * ci[j];
      } else {
        x += ci[j];
      }
      if (ep.last) x = gemm_activation(ep.bias ? x + ep.bias[j] : x, ep.act, ep.act_alpha);
      ci[j] = x;
    }
  }
}

void tile(size_t kc, const float* a, const float* b, float* c, size_t ldc, size_t rows, size_t cols,
          const GemmEpilogue& ep) {
  if (cols > 4) {
    tile_v<2>(kc, a, b, c, ldc, rows, cols, ep);
  } else {
    tile_v<1>(kc, a, b, c, ldc, rows, cols, ep);
  }
}

void pack_a(bool trans, size_t rows, size_t kc, const float* a, size_t lda, float* dst) {
  pack_a_generic(trans, rows, kc, a, lda, dst, kMR);
}

void pack_b(bool trans, size_t kc, size_t cols, const float* b, size_t ldb, float* dst) {
  pack_b_generic(trans, kc, cols, b, ldb, dst, kNR, 4);
}

const GemmKernels kKernels = {"portable", kMR, kNR, 4, 256, 512, 512, pack_a, pack_b, tile};

}  // namespace
}  // namespace gemm_portable

const GemmKernels* gemm_kernels_portable() { return &gemm_portable::kKernels; }

void pack_a_generic(bool trans, size_t rows, size_t kc, const float* a, size_t lda, float* dst, int mr) {
  const size_t step = size_t(mr);
  for (size_t r0 = 0; r0 < rows; r0 += step) {
    const size_t count = rows - r0 < step ? rows - r0 : step;
    float* panel = dst + r0 * kc;
    if (trans) {  // loop so that reads and writes both run along memory
      for (size_t p = 0; p < kc; ++p) {
        for (size_t i = 0; i < step; ++i) panel[p * step + i] = i < count ? a[p * lda + r0 + i] : 0.f;
      }
    } else {
      for (size_t i = 0; i < step; ++i) {
        for (size_t p = 0; p < kc; ++p) panel[p * step + i] = i < count ? a[(r0 + i) * lda + p] : 0.f;
      }
    }
  }
}

void pack_b_generic(bool trans, size_t kc, size_t cols, const float* b, size_t ldb, float* dst, int nr,
                    int vec) {
  const size_t step = size_t(nr);
  for (size_t j0 = 0; j0 < cols; j0 += step) {
    const size_t count = cols - j0 < step ? cols - j0 : step;
    const size_t stride = (count + size_t(vec) - 1) / size_t(vec) * size_t(vec);
    float* panel = dst + j0 * kc;
    if (trans) {
      for (size_t j = 0; j < stride; ++j) {
        for (size_t p = 0; p < kc; ++p) panel[p * stride + j] = j < count ? b[(j0 + j) * ldb + p] : 0.f;
      }
    } else {
      for (size_t p = 0; p < kc; ++p) {
        for (size_t j = 0; j < stride; ++j) panel[p * stride + j] = j < count ? b[p * ldb + j0 + j] : 0.f;
      }
    }
  }
}

void gemm_epilogue_row(size_t n, float* c, const float* bias, sg_unary_op act, float act_alpha) {
  for (size_t j = 0; j < n; ++j) {
    c[j] = gemm_portable::gemm_activation(bias ? c[j] + bias[j] : c[j], act, act_alpha);
  }
}

}  // namespace sg::cpu
