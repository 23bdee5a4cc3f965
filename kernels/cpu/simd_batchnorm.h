// Per-ISA loops of batch normalisation over a panel of up to kBatchnormPanel columns. The rows are the reduction
// axis, so each row adds one contiguous run of w floats into w accumulators and the loops over the panel's columns
// vectorise. Arithmetic is float (double conversions cost more than the rest on AVX-512); sums run in float over
// blocks of kBlockRows rows (four rows a step, pairwise) and add up blocks as a compensated two-sum pair. The
// forward sums x - x[0] (a column far from zero loses nothing to its offset), keeps the mean as a float pair
// hi + lo, and takes the variance of (x - hi) - lo: two passes. Part of simd_kernels.h.
#pragma once

#include <cmath>
#include <type_traits>

#include "simd_math.h"

namespace sg::cpu::SG_ISA_NS {

constexpr size_t kPanel = kBatchnormPanel;
constexpr size_t kBlockRows = 16;
// A full panel's width as a compile-time constant, so its loops have a fixed trip count.
using FullPanel = std::integral_constant<size_t, kPanel>;

// hi[j] + lo[j] += part[j] for j < w, exactly up to the rounding of lo (Knuth's two-sum). Kept out of line: inlined,
// g++ splits the arrays into scalars and leaves this loop unvectorised.
__attribute__((noinline)) static void two_sum_into(size_t w, const float* part, float* hi, float* lo) {
  for (size_t j = 0; j < w; ++j) {
    const float t = hi[j] + part[j];
    const float back = t - hi[j];
    lo[j] += (hi[j] - (t - back)) + (part[j] - back);
    hi[j] = t;
  }
}

// acc[j] = sum over rows of term(r, j) for j < w: float within blocks of kBlockRows rows, the block partials added
// up as a two-sum pair (as good as a double sum of them) while every loop stays float and vectorises.
template <class Width, class Term>
static inline void panel_sums(size_t rows, Width width, double* acc, Term term) {
  const size_t w = width;
  float hi[kPanel] = {}, lo[kPanel] = {};
  for (size_t r0 = 0; r0 < rows; r0 += kBlockRows) {
    const size_t r1 = min_size(rows, r0 + kBlockRows);
    float part[kPanel] = {};
    size_t r = r0;
    for (; r + 4 <= r1; r += 4)
      for (size_t j = 0; j < w; ++j) part[j] += (term(r, j) + term(r + 1, j)) + (term(r + 2, j) + term(r + 3, j));
    for (; r < r1; ++r)
      for (size_t j = 0; j < w; ++j) part[j] += term(r, j);
    two_sum_into(w, part, hi, lo);
  }
  for (size_t j = 0; j < w; ++j) acc[j] = double(hi[j]) + double(lo[j]);
}

template <class Width>
static inline void forward_panel(size_t rows, size_t ld, Width width, const float* x, float eps, float* y,
                                 float* mean, float* invstd, float* variance) {
  const size_t w = width;
  const double n = double(rows);
  float shift[kPanel], hi[kPanel], lo[kPanel], scale[kPanel];
  double sum[kPanel];
  for (size_t j = 0; j < w; ++j) shift[j] = x[j];
  panel_sums(rows, width, sum, [=, &shift](size_t r, size_t j) { return x[r * ld + j] - shift[j]; });
  for (size_t j = 0; j < w; ++j) {
    const double m = double(shift[j]) + sum[j] / n;
    hi[j] = float(m);
    lo[j] = float(m - double(hi[j]));
  }
  panel_sums(rows, width, sum, [=, &hi, &lo](size_t r, size_t j) {
    const float d = (x[r * ld + j] - hi[j]) - lo[j];
    return d * d;
  });
  for (size_t j = 0; j < w; ++j) {
    const double var = sum[j] / n;
    const double s = 1.0 / std::sqrt(var + double(eps));
    scale[j] = float(s);
    mean[j] = hi[j];
    invstd[j] = scale[j];
    if (variance) variance[j] = float(var);
  }
  for (size_t r = 0; r < rows; ++r)
    for (size_t j = 0; j < w; ++j) y[r * ld + j] = ((x[r * ld + j] - hi[j]) - lo[j]) * scale[j];
}

template <class Width>
static inline void backward_panel(size_t rows, size_t ld, Width width, const float* dy, const float* y,
                                  const float* invstd, float* dx) {
  const size_t w = width;
  const double n = double(rows);
  double sum[kPanel];
  float a[kPanel], b[kPanel], s[kPanel];
  panel_sums(rows, width, sum, [=](size_t r, size_t j) { return dy[r * ld + j]; });
  for (size_t j = 0; j < w; ++j) a[j] = float(sum[j] / n);
  panel_sums(rows, width, sum, [=](size_t r, size_t j) { return dy[r * ld + j] * y[r * ld + j]; });
  for (size_t j = 0; j < w; ++j) {
    b[j] = float(sum[j] / n);
    s[j] = invstd[j];
  }
  for (size_t r = 0; r < rows; ++r)
    for (size_t j = 0; j < w; ++j) {
      const size_t i = r * ld + j;
      dx[i] = s[j] * ((dy[i] - a[j]) - y[i] * b[j]);
    }
}

static void batchnorm_forward_panel(size_t rows, size_t ld, size_t w, const float* x, float eps, float* y,
                                    float* mean, float* invstd, float* variance) {
  if (w == kPanel) forward_panel(rows, ld, FullPanel(), x, eps, y, mean, invstd, variance);
  else forward_panel(rows, ld, w, x, eps, y, mean, invstd, variance);
}

static void batchnorm_backward_panel(size_t rows, size_t ld, size_t w, const float* dy, const float* y,
                                     const float* invstd, float* dx) {
  if (w == kPanel) backward_panel(rows, ld, FullPanel(), dy, y, invstd, dx);
  else backward_panel(rows, ld, w, dy, y, invstd, dx);
}

}  // namespace sg::cpu::SG_ISA_NS
