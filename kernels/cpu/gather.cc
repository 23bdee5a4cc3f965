// CPU gather_rows: out[r, :] = src[index[r], :], the batching step (picking shuffled examples). Every index
// is checked before anything is copied.
#include <cstring>

#include "cpu_internal.h"
#include "cpu_kernels.h"
#include "simd.h"

namespace sg::cpu {

sg_status gather_rows(sg_stream, size_t rows, size_t cols, const float* src, size_t src_rows,
                      const int32_t* index, float* out) {
  size_t total, src_total;
  if (!checked_product(rows, cols, &total) || !checked_product(src_rows, cols, &src_total)) return SG_ERR_ARGUMENT;
  if (missing(index, rows) || missing(out, total) || missing(src, src_total)) return SG_ERR_ARGUMENT;
  for (size_t r = 0; r < rows; ++r)
    if (index[r] < 0 || size_t(index[r]) >= src_rows) return SG_ERR_ARGUMENT;
  if (total == 0) return SG_OK;
  const size_t grain = cols >= kGrainCheapElements ? 1 : kGrainCheapElements / cols;
  parallel_for(rows, grain, [=](size_t lo, size_t hi) {
    for (size_t r = lo; r < hi; ++r) std::memcpy(out + r * cols, src + size_t(index[r]) * cols, cols * sizeof(float));
  });
  return SG_OK;
}

}  // namespace sg::cpu
