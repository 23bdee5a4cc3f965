// Dense compute exports: fill, copy2d, gemm, unary (and its backward), binary, reduce, softmax.
// Each reads its sizes, checks every operand against them, and calls the device's kernel once.
#include "ops.h"

namespace sg::native {

napi_value op_fill(Call& call) {
  size_t n = call.size("n");
  float* out = call.vector("out", n);
  float value = static_cast<float>(call.number("value"));
  call.check(call.kernel(&sg_kernels::fill)(call.device().stream, n, value, out));
  return nullptr;
}

napi_value op_copy2d(Call& call) {
  size_t rows = call.size("rows");
  size_t cols = call.size("cols");
  size_t lds = call.size("lds");
  size_t ldd = call.size("ldd");
  const float* src = call.matrix("src", rows, cols, lds);
  float* dst = call.matrix("dst", rows, cols, ldd);
  call.check(call.kernel(&sg_kernels::copy_2d)(call.device().stream, rows, cols, src, lds, dst, ldd));
  return nullptr;
}

napi_value op_gemm(Call& call) {
  bool trans_a = call.flag("transA");
  bool trans_b = call.flag("transB");
  size_t m = call.size("m");
  size_t n = call.size("n");
  size_t k = call.size("k");
  float alpha = static_cast<float>(call.number("alpha"));
  size_t lda = call.size("lda");
  size_t ldb = call.size("ldb");
  float beta = static_cast<float>(call.number("beta"));
  size_t ldc = call.size("ldc");
  int act = call.choice("act");
  float act_alpha = static_cast<float>(call.number("actAlpha"));
  // op(A) is m x k: A is stored k x m when transposed; likewise B (k x n, stored n x k).
  const float* a = trans_a ? call.matrix("a", k, m, lda, "A (stored transposed)") : call.matrix("a", m, k, lda, "A");
  const float* b = trans_b ? call.matrix("b", n, k, ldb, "B (stored transposed)") : call.matrix("b", k, n, ldb, "B");
  float* c = call.matrix("c", m, n, ldc, "C");
  const float* bias = call.optional_vector("bias", n);
  call.check(call.kernel(&sg_kernels::gemm)(call.device().stream, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb,
                                            beta, c, ldc, bias, static_cast<sg_unary_op>(act), act_alpha));
  return nullptr;
}

napi_value op_unary(Call& call) {
  int op = call.choice("op");
  call.set_variant(kUnaryOps.names[op]);
  size_t n = call.size("n");
  const float* x = call.vector("x", n);
  float* y = call.vector("y", n);
  float alpha = static_cast<float>(call.number("alpha"));
  float beta = static_cast<float>(call.number("beta"));
  call.check(call.kernel(&sg_kernels::unary)(call.device().stream, static_cast<sg_unary_op>(op), n, x, y, alpha,
                                             beta));
  return nullptr;
}

napi_value op_unary_backward(Call& call) {
  int op = call.choice("op");
  call.set_variant(kUnaryOps.names[op]);
  size_t n = call.size("n");
  const float* x = call.optional_vector("x", n);
  const float* y = call.optional_vector("y", n);
  const float* dy = call.vector("dy", n);
  float* dx = call.vector("dx", n);
  float alpha = static_cast<float>(call.number("alpha"));
  // Which of x and y the derivative is computed from (op_lists.h); the other may be null.
  sg_reads reads = sg_unary_backward_reads(static_cast<sg_unary_op>(op));
  if (reads == SG_READS_INPUT && x == nullptr) call.fail("needs the input x, got null (n=%zu)", n);
  if (reads == SG_READS_OUTPUT && y == nullptr) call.fail("needs the output y, got null (n=%zu)", n);
  call.check(call.kernel(&sg_kernels::unary_backward)(call.device().stream, static_cast<sg_unary_op>(op), n, x, y,
                                                      dy, dx, alpha));
  return nullptr;
}

// An operand of a rows x cols binary op, stored as its broadcast mode says.
static float* broadcast_operand(Call& call, const char* name, int mode, size_t rows, size_t cols) {
  switch (mode) {
    case SG_BCAST_ROW: return call.matrix(name, 1, cols, cols);
    case SG_BCAST_COL: return call.matrix(name, rows, 1, 1);
    case SG_BCAST_SCALAR: return call.matrix(name, 1, 1, 1);
    default: return call.matrix(name, rows, cols, cols);
  }
}

napi_value op_binary(Call& call) {
  int op = call.choice("op");
  call.set_variant(kBinaryOps.names[op]);
  size_t rows = call.size("rows");
  size_t cols = call.size("cols");
  int a_mode = call.choice("aMode");
  int b_mode = call.choice("bMode");
  const float* a = broadcast_operand(call, "a", a_mode, rows, cols);
  const float* b = broadcast_operand(call, "b", b_mode, rows, cols);
  float* out = call.matrix("out", rows, cols, cols);
  call.check(call.kernel(&sg_kernels::binary)(call.device().stream, static_cast<sg_binary_op>(op), rows, cols, a,
                                              static_cast<sg_broadcast>(a_mode), b, static_cast<sg_broadcast>(b_mode),
                                              out));
  return nullptr;
}

napi_value op_reduce(Call& call) {
  int op = call.choice("op");
  call.set_variant(kReduceOps.names[op]);
  int axis = call.choice("axis");
  size_t rows = call.size("rows");
  size_t cols = call.size("cols");
  const float* x = call.matrix("x", rows, cols, cols);
  float* out = call.vector("out", axis == SG_AXIS_ROWS ? rows : cols);
  call.check(call.kernel(&sg_kernels::reduce)(call.device().stream, static_cast<sg_reduce_op>(op),
                                              static_cast<sg_axis>(axis), rows, cols, x, out));
  return nullptr;
}

napi_value op_softmax(Call& call) {
  bool log = call.flag("log");
  if (log) call.set_variant("log");
  size_t rows = call.size("rows");
  size_t cols = call.size("cols");
  const float* x = call.matrix("x", rows, cols, cols);
  float* out = call.matrix("out", rows, cols, cols);
  call.check(call.kernel(&sg_kernels::softmax)(call.device().stream, log, rows, cols, x, out));
  return nullptr;
}

}  // namespace sg::native
