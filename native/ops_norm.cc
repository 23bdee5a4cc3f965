// Normalisation exports: batch normalisation forward (y, per-column mean, invstd and optionally the variance) and
// its backward through the batch statistics.
#include "ops.h"

namespace sg::native {

// The statistics of zero rows are undefined; the kernels refuse them, here with a message.
static void check_rows(Call& call, size_t rows, size_t cols) {
  if (rows == 0 && cols != 0) call.fail("rows must be >= 1 (the statistics of no rows are undefined), got 0");
}

napi_value op_batchnorm_forward(Call& call) {
  size_t rows = call.size("rows");
  size_t cols = call.size("cols");
  check_rows(call, rows, cols);
  const float* x = call.matrix("x", rows, cols, cols);
  double eps = call.finite("eps");
  if (!(static_cast<float>(eps) > 0)) call.fail("eps must be > 0 (as a float32), got %s", js_number(eps).c_str());
  float* y = call.matrix("y", rows, cols, cols);
  float* mean = call.vector("mean", cols);
  float* invstd = call.vector("invstd", cols);
  float* variance = call.optional_vector("variance", cols);
  call.check(call.kernel(&sg_kernels::batchnorm_forward)(call.device().stream, rows, cols, x, static_cast<float>(eps),
                                                         y, mean, invstd, variance));
  return nullptr;
}

napi_value op_batchnorm_backward(Call& call) {
  size_t rows = call.size("rows");
  size_t cols = call.size("cols");
  check_rows(call, rows, cols);
  const float* dy = call.matrix("dy", rows, cols, cols);
  const float* y = call.matrix("y", rows, cols, cols);
  const float* invstd = call.vector("invstd", cols);
  float* dx = call.matrix("dx", rows, cols, cols);
  call.check(call.kernel(&sg_kernels::batchnorm_backward)(call.device().stream, rows, cols, dy, y, invstd, dx));
  return nullptr;
}

}  // namespace sg::native
