// CPU loss kernels: softmax cross-entropy (class labels or target rows), sigmoid cross-entropy with logits
// (NaN targets masked), and the KL divergence of a diagonal Gaussian from N(0, 1). Each row's loss and
// gradient come from one per-ISA row function; rows are spread over the thread pool.
#include <cmath>

#include "cpu_internal.h"
#include "cpu_kernels.h"
#include "simd.h"

namespace sg::cpu {

namespace {

size_t row_grain(size_t cols) { return cols >= kGrainElements ? 1 : kGrainElements / (cols ? cols : 1); }

// A label is a float holding a whole number in [0, cols).
bool valid_label(float label, size_t cols) {
  return label >= 0.f && double(label) < double(cols) && std::floor(label) == label;
}

}  // namespace

sg_status softmax_xent(sg_stream, size_t rows, size_t cols, const float* logits, const float* labels,
                       const float* targets, float* loss, float* dlogits) {
  size_t total;
  if (!checked_product(rows, cols, &total)) return SG_ERR_ARGUMENT;
  if ((labels == nullptr) == (targets == nullptr)) return SG_ERR_ARGUMENT;  // exactly one of them
  if (rows == 0) return SG_OK;
  if (missing(logits, total) || missing(targets ? targets : labels, targets ? total : rows) || !loss)
    return SG_ERR_ARGUMENT;
  if (labels)
    for (size_t r = 0; r < rows; ++r)
      if (!valid_label(labels[r], cols)) return SG_ERR_ARGUMENT;
  const SimdKernels& k = simd();
  parallel_for(rows, row_grain(cols), [&](size_t lo, size_t hi) {
    for (size_t r = lo; r < hi; ++r) {
      const size_t label = labels ? size_t(labels[r]) : 0;
      loss[r] = k.softmax_xent_row(cols, logits + r * cols, label, targets ? targets + r * cols : nullptr,
                                   dlogits ? dlogits + r * cols : nullptr);
    }
  });
  return SG_OK;
}

sg_status sigmoid_xent(sg_stream, size_t rows, size_t cols, const float* logits, const float* targets,
                       float* loss, float* dlogits) {
  size_t total;
  if (!checked_product(rows, cols, &total)) return SG_ERR_ARGUMENT;
  if (missing(logits, total) || missing(targets, total) || missing(loss, rows)) return SG_ERR_ARGUMENT;
  if (rows == 0) return SG_OK;
  const SimdKernels& k = simd();
  parallel_for(rows, row_grain(cols), [&](size_t lo, size_t hi) {
    for (size_t r = lo; r < hi; ++r)
      loss[r] = k.sigmoid_xent_row(cols, logits + r * cols, targets + r * cols, dlogits ? dlogits + r * cols : nullptr);
  });
  return SG_OK;
}

sg_status gaussian_kl(sg_stream, size_t rows, size_t cols, const float* mu, const float* logvar, float* loss,
                      float* dmu, float* dlogvar) {
  size_t total;
  if (!checked_product(rows, cols, &total)) return SG_ERR_ARGUMENT;
  if (missing(mu, total) || missing(logvar, total) || missing(loss, rows)) return SG_ERR_ARGUMENT;
  if (rows == 0) return SG_OK;
  const SimdKernels& k = simd();
  parallel_for(rows, row_grain(cols), [&](size_t lo, size_t hi) {
    for (size_t r = lo; r < hi; ++r) {
      const size_t at = r * cols;
      loss[r] = k.gaussian_kl_row(cols, mu + at, logvar + at, dmu ? dmu + at : nullptr,
                                  dlogvar ? dlogvar + at : nullptr);
    }
  });
  return SG_OK;
}

}  // namespace sg::cpu
