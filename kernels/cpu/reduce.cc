// CPU reductions (sum, mean, max, log-sum-exp along rows or down columns) and row softmax / log-softmax.
// Row reductions run one row per call of the per-ISA loop; column reductions give each thread a band of
// rows with its own partial result (float within blocks of rows, double across them), then combine.
#include <cmath>
#include <limits>
#include <new>
#include <vector>

#include "cpu_internal.h"
#include "cpu_kernels.h"
#include "simd.h"

namespace sg::cpu {

namespace {

constexpr size_t kRowsPerFloatBlock = 64;  // rows summed in float before the partial is added in double

size_t row_grain(size_t cols) { return cols >= kGrainElements ? 1 : kGrainElements / (cols ? cols : 1); }

// How many row bands a column reduction uses: one per thread, fewer for small inputs.
size_t band_count(size_t rows, size_t cols) {
  size_t bands = (rows * cols) / kGrainElements;
  if (bands > size_t(num_threads())) bands = size_t(num_threads());
  if (bands > rows) bands = rows;
  return bands ? bands : 1;
}

// Runs fn(band, first_row, end_row) for each band of rows on the pool.
template <class F>
void for_each_band(size_t rows, size_t bands, F fn) {
  parallel_for(bands, 1, [&](size_t lo, size_t hi) {
    for (size_t band = lo; band < hi; ++band) fn(band, rows * band / bands, rows * (band + 1) / bands);
  });
}

// sums[c] = sum over rows of exp(x[r, c] - shift[c]) (shift NULL: of x[r, c]), in double
void column_sums(const SimdKernels& k, size_t rows, size_t cols, const float* x, const float* shift,
                 std::vector<double>& sums) {
  const size_t bands = band_count(rows, cols);
  std::vector<double> partial(bands * cols, 0.0);
  std::vector<float> block(bands * cols);
  for_each_band(rows, bands, [&](size_t band, size_t r0, size_t r1) {
    float* acc = block.data() + band * cols;
    double* total = partial.data() + band * cols;
    for (size_t r = r0; r < r1; r += kRowsPerFloatBlock) {
      for (size_t c = 0; c < cols; ++c) acc[c] = 0.f;
      const size_t r_end = r + kRowsPerFloatBlock < r1 ? r + kRowsPerFloatBlock : r1;
      for (size_t i = r; i < r_end; ++i) {
        if (shift) k.add_exp_into(cols, x + i * cols, shift, acc);
        else k.add_into(cols, x + i * cols, acc);
      }
      k.add_float_into_double(cols, acc, total);
    }
  });
  sums.assign(cols, 0.0);
  for (size_t band = 0; band < bands; ++band)
    for (size_t c = 0; c < cols; ++c) sums[c] += partial[band * cols + c];
}

// out[c] = max over rows of x[r, c], NaN-propagating
void column_max(const SimdKernels& k, size_t rows, size_t cols, const float* x, float* out) {
  const size_t bands = band_count(rows, cols);
  std::vector<float> partial(bands * cols, -std::numeric_limits<float>::infinity());
  for_each_band(rows, bands, [&](size_t band, size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) k.max_into(cols, x + r * cols, partial.data() + band * cols);
  });
  for (size_t c = 0; c < cols; ++c) out[c] = -std::numeric_limits<float>::infinity();
  for (size_t band = 0; band < bands; ++band) k.max_into(cols, partial.data() + band * cols, out);
}

void reduce_columns(const SimdKernels& k, sg_reduce_op op, size_t rows, size_t cols, const float* x, float* out) {
  std::vector<double> sums;
  if (op == SG_REDUCE_MAX) return column_max(k, rows, cols, x, out);
  if (op != SG_REDUCE_LOGSUMEXP) {
    column_sums(k, rows, cols, x, nullptr, sums);
    const double scale = op == SG_REDUCE_MEAN ? 1.0 / double(rows) : 1.0;  // rows == 0: mean is NaN
    for (size_t c = 0; c < cols; ++c) out[c] = float(op == SG_REDUCE_MEAN ? sums[c] * scale : sums[c]);
    return;
  }
  // log-sum-exp: shift each column by its max where finite (see exp_shift in simd_rows.h)
  std::vector<float> shift(cols);
  column_max(k, rows, cols, x, shift.data());
  for (size_t c = 0; c < cols; ++c) shift[c] = std::isfinite(shift[c]) ? shift[c] : 0.f;
  column_sums(k, rows, cols, x, shift.data(), sums);
  for (size_t c = 0; c < cols; ++c) out[c] = float(double(shift[c]) + std::log(sums[c]));
}

}  // namespace

sg_status reduce(sg_stream, sg_reduce_op op, sg_axis axis, size_t rows, size_t cols, const float* x, float* out) {
  size_t total;
  if (!sg_reduce_valid(op) || (axis != SG_AXIS_ROWS && axis != SG_AXIS_COLS))
    return SG_ERR_ARGUMENT;
  if (!checked_product(rows, cols, &total) || missing(x, total)) return SG_ERR_ARGUMENT;
  const size_t out_count = axis == SG_AXIS_ROWS ? rows : cols;
  const size_t reduced = axis == SG_AXIS_ROWS ? cols : rows;
  if (missing(out, out_count)) return SG_ERR_ARGUMENT;
  if (out_count == 0) return SG_OK;
  if (reduced == 0 && op == SG_REDUCE_MAX) return SG_ERR_ARGUMENT;  // the max of nothing is undefined
  const SimdKernels& k = simd();
  if (axis == SG_AXIS_COLS) {
    try {
      reduce_columns(k, op, rows, cols, x, out);
    } catch (const std::bad_alloc&) {
      return SG_ERR_MEMORY;
    }
    return SG_OK;
  }
  parallel_for(rows, row_grain(cols), [&](size_t lo, size_t hi) {
    for (size_t r = lo; r < hi; ++r) {
      const float* row = x + r * cols;
      switch (op) {
        case SG_REDUCE_SUM: out[r] = float(k.row_sum(cols, row)); break;
        case SG_REDUCE_MEAN: out[r] = float(k.row_sum(cols, row) / double(cols)); break;
        case SG_REDUCE_MAX: out[r] = k.row_max(cols, row); break;
        case SG_REDUCE_LOGSUMEXP: out[r] = k.row_logsumexp(cols, row); break;
      }
    }
  });
  return SG_OK;
}

sg_status softmax(sg_stream, int log, size_t rows, size_t cols, const float* x, float* out) {
  size_t total;
  if (!checked_product(rows, cols, &total) || missing(x, total) || missing(out, total)) return SG_ERR_ARGUMENT;
  if (total == 0) return SG_OK;
  const SimdKernels& k = simd();
  parallel_for(rows, row_grain(cols), [&](size_t lo, size_t hi) {
    for (size_t r = lo; r < hi; ++r) k.softmax_row(log, cols, x + r * cols, out + r * cols);
  });
  return SG_OK;
}

}  // namespace sg::cpu
