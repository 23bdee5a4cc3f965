// Dense compute exports: fill, copy2d, gemm, unary (and its backward), binary, reduce, softmax.
// Each reads its sizes, checks every operand against them, and calls the device's kernel once.
#include "ops.h"

namespace sg::native {

napi_value op_fill(Call& call) {
  size_t n = call.size(2, "n");
  float* out = call.vector(0, "out", n);
  float value = static_cast<float>(call.number(3, "value"));
  call.check(call.kernel(&sg_kernels::fill)(call.device().stream, n, value, out));
  return nullptr;
}

napi_value op_copy2d(Call& call) {
  size_t rows = call.size(0, "rows");
  size_t cols = call.size(1, "cols");
  size_t lds = call.size(4, "lds");
  size_t ldd = call.size(7, "ldd");
  const float* src = call.matrix(2, "src", rows, cols, lds);
  float* dst = call.matrix(5, "dst", rows, cols, ldd);
  call.check(call.kernel(&sg_kernels::copy_2d)(call.device().stream, rows, cols, src, lds, dst, ldd));
  return nullptr;
}

napi_value op_gemm(Call& call) {
  bool trans_a = call.flag(0, "transA");
  bool trans_b = call.flag(1, "transB");
  size_t m = call.size(2, "m");
  size_t n = call.size(3, "n");
  size_t k = call.size(4, "k");
  float alpha = static_cast<float>(call.number(5, "alpha"));
  size_t lda = call.size(8, "lda");
  size_t ldb = call.size(11, "ldb");
  float beta = static_cast<float>(call.number(12, "beta"));
  size_t ldc = call.size(15, "ldc");
  int act = call.choice(18, "act", kGemmActivations);
  float act_alpha = static_cast<float>(call.number(19, "actAlpha"));
  // op(A) is m x k: A is stored k x m when transposed; likewise B (k x n, stored n x k).
  const float* a = trans_a ? call.matrix(6, "A (stored transposed)", k, m, lda) : call.matrix(6, "A", m, k, lda);
  const float* b = trans_b ? call.matrix(9, "B (stored transposed)", n, k, ldb) : call.matrix(9, "B", k, n, ldb);
  float* c = call.matrix(13, "C", m, n, ldc);
  const float* bias = call.optional_vector(16, "bias", n);
  call.check(call.kernel(&sg_kernels::gemm)(call.device().stream, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb,
                                            beta, c, ldc, bias, static_cast<sg_unary_op>(act), act_alpha));
  return nullptr;
}

napi_value op_unary(Call& call) {
  int op = call.choice(0, "op", kUnaryOps);
  call.set_variant(kUnaryOps.names[op]);
  size_t n = call.size(1, "n");
  const float* x = call.vector(2, "x", n);
  float* y = call.vector(4, "y", n);
  float alpha = static_cast<float>(call.number(6, "alpha"));
  float beta = static_cast<float>(call.number(7, "beta"));
  call.check(call.kernel(&sg_kernels::unary)(call.device().stream, static_cast<sg_unary_op>(op), n, x, y, alpha,
                                             beta));
  return nullptr;
}

napi_value op_unary_backward(Call& call) {
  int op = call.choice(0, "op", kUnaryOps);
  call.set_variant(kUnaryOps.names[op]);
  size_t n = call.size(1, "n");
  const float* x = call.optional_vector(2, "x", n);
  const float* y = call.optional_vector(4, "y", n);
  const float* dy = call.vector(6, "dy", n);
  float* dx = call.vector(8, "dx", n);
  float alpha = static_cast<float>(call.number(10, "alpha"));
  // Which of x and y the derivative is computed from (op_lists.h); the other may be null.
  sg_reads reads = sg_unary_backward_reads(static_cast<sg_unary_op>(op));
  if (reads == SG_READS_INPUT && x == nullptr) call.fail("needs the input x, got null (n=%zu)", n);
  if (reads == SG_READS_OUTPUT && y == nullptr) call.fail("needs the output y, got null (n=%zu)", n);
  call.check(call.kernel(&sg_kernels::unary_backward)(call.device().stream, static_cast<sg_unary_op>(op), n, x, y,
                                                      dy, dx, alpha));
  return nullptr;
}

// An operand of a rows x cols binary op, stored as its broadcast mode says.
static float* broadcast_operand(Call& call, size_t i, const char* name, int mode, size_t rows, size_t cols) {
  switch (mode) {
    case SG_BCAST_ROW: return call.matrix(i, name, 1, cols, cols);
    case SG_BCAST_COL: return call.matrix(i, name, rows, 1, 1);
    case SG_BCAST_SCALAR: return call.matrix(i, name, 1, 1, 1);
    default: return call.matrix(i, name, rows, cols, cols);
  }
}

napi_value op_binary(Call& call) {
  int op = call.choice(0, "op", kBinaryOps);
  call.set_variant(kBinaryOps.names[op]);
  size_t rows = call.size(1, "rows");
  size_t cols = call.size(2, "cols");
  int a_mode = call.choice(5, "aMode", kBroadcastModes);
  int b_mode = call.choice(8, "bMode", kBroadcastModes);
  const float* a = broadcast_operand(call, 3, "a", a_mode, rows, cols);
  const float* b = broadcast_operand(call, 6, "b", b_mode, rows, cols);
  float* out = call.matrix(9, "out", rows, cols, cols);
  call.check(call.kernel(&sg_kernels::binary)(call.device().stream, static_cast<sg_binary_op>(op), rows, cols, a,
                                              static_cast<sg_broadcast>(a_mode), b, static_cast<sg_broadcast>(b_mode),
                                              out));
  return nullptr;
}

napi_value op_reduce(Call& call) {
  int op = call.choice(0, "op", kReduceOps);
  call.set_variant(kReduceOps.names[op]);
  int axis = call.choice(1, "axis", kAxes);
  size_t rows = call.size(2, "rows");
  size_t cols = call.size(3, "cols");
  const float* x = call.matrix(4, "x", rows, cols, cols);
  float* out = call.vector(6, "out", axis == SG_AXIS_ROWS ? rows : cols);
  call.check(call.kernel(&sg_kernels::reduce)(call.device().stream, static_cast<sg_reduce_op>(op),
                                              static_cast<sg_axis>(axis), rows, cols, x, out));
  return nullptr;
}

napi_value op_softmax(Call& call) {
  bool log = call.flag(0, "log");
  if (log) call.set_variant("log");
  size_t rows = call.size(1, "rows");
  size_t cols = call.size(2, "cols");
  const float* x = call.matrix(3, "x", rows, cols, cols);
  float* out = call.matrix(5, "out", rows, cols, cols);
  call.check(call.kernel(&sg_kernels::softmax)(call.device().stream, log, rows, cols, x, out));
  return nullptr;
}

}  // namespace sg::native
