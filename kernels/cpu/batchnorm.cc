// CPU batch normalisation (kernels.h: batchnorm_forward, batchnorm_backward). The statistics run down the columns,
// so the work splits into panels of kBatchnormPanel adjacent columns, each normalised start to finish by one
// thread with the per-ISA loops of simd_batchnorm.h; panels are spread over the thread pool.
#include <cmath>

#include "cpu_internal.h"
#include "cpu_kernels.h"
#include "simd.h"

namespace sg::cpu {

namespace {

// Runs fn(first_column, width) for every panel of the cols columns, on the pool.
template <class F>
void for_each_panel(size_t rows, size_t cols, F fn) {
  const size_t panels = (cols + kBatchnormPanel - 1) / kBatchnormPanel;
  const size_t per_panel = rows * kBatchnormPanel;
  const size_t grain = per_panel >= kGrainElements ? 1 : kGrainElements / per_panel;
  parallel_for(panels, grain, [&](size_t lo, size_t hi) {
    for (size_t p = lo; p < hi; ++p) {
      const size_t c = p * kBatchnormPanel;
      fn(c, cols - c < kBatchnormPanel ? cols - c : kBatchnormPanel);
    }
  });
}

// rows x cols operands need rows >= 1 (the statistics of no rows are undefined) unless there are no columns.
bool valid_shape(size_t rows, size_t cols, size_t* total) {
  return checked_product(rows, cols, total) && (rows >= 1 || cols == 0);
}

}  // namespace

sg_status batchnorm_forward(sg_stream, size_t rows, size_t cols, const float* x, float eps, float* y, float* mean,
                            float* invstd, float* variance) {
  size_t total;
  if (!valid_shape(rows, cols, &total) || !(eps > 0.f) || !std::isfinite(eps)) return SG_ERR_ARGUMENT;
  if (missing(x, total) || missing(y, total) || missing(mean, cols) || missing(invstd, cols)) return SG_ERR_ARGUMENT;
  if (cols == 0) return SG_OK;
  const SimdKernels& k = simd();
  for_each_panel(rows, cols, [&](size_t c, size_t w) {
    k.batchnorm_forward_panel(rows, cols, w, x + c, eps, y + c, mean + c, invstd + c,
                              variance ? variance + c : nullptr);
  });
  return SG_OK;
}

sg_status batchnorm_backward(sg_stream, size_t rows, size_t cols, const float* dy, const float* y,
                             const float* invstd, float* dx) {
  size_t total;
  if (!valid_shape(rows, cols, &total)) return SG_ERR_ARGUMENT;
  if (missing(dy, total) || missing(y, total) || missing(invstd, cols) || missing(dx, total)) return SG_ERR_ARGUMENT;
  if (cols == 0) return SG_OK;
  const SimdKernels& k = simd();
  for_each_panel(rows, cols, [&](size_t c, size_t w) {
    k.batchnorm_backward_panel(rows, cols, w, dy + c, y + c, invstd + c, dx + c);
  });
  return SG_OK;
}

}  // namespace sg::cpu
