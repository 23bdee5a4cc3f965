// Bodies of the elementwise CUDA kernels: unary ops and their backward, binary ops over broadcast operands,
// copy_2d and gather_rows. Each *_thread function is everything one thread of the grid-stride launch does;
// the element functions give the same values as the CPU's simd_elementwise.h.
#pragma once

#include "math.cuh"

namespace sg::cuda::body {

// The op's formula (scalar_math.h) of one element.
SG_HD float unary_value(sg_unary_op op, float v, float alpha, float beta) {
  switch (op) {
    case SG_UNARY_AFFINE: return unary_affine(v, alpha, beta);
    case SG_UNARY_RELU: return unary_relu(v, alpha, beta);
    case SG_UNARY_LEAKY_RELU: return unary_leaky_relu(v, alpha, beta);
    case SG_UNARY_SIGMOID: return unary_sigmoid(v, alpha, beta);
    case SG_UNARY_TANH: return unary_tanh(v, alpha, beta);
    case SG_UNARY_SOFTPLUS: return unary_softplus(v, alpha, beta);
    case SG_UNARY_EXP: return unary_exp(v, alpha, beta);
    case SG_UNARY_LOG: return unary_log(v, alpha, beta);
    case SG_UNARY_SQUARE: return unary_square(v, alpha, beta);
    case SG_UNARY_SQRT: return unary_sqrt(v, alpha, beta);
    case SG_UNARY_ABS: return unary_abs(v, alpha, beta);
  }
  return kNan;
}

// dx for one element from x (v) or y = op(x) (the op reads the one kernels.h names) and dy (g).
SG_HD float unary_backward_value(sg_unary_op op, float v, float y, float g, float alpha) {
  switch (op) {
    case SG_UNARY_AFFINE: return unary_affine_backward(0.f, g, alpha);
    case SG_UNARY_RELU: return unary_relu_backward(v, g, alpha);
    case SG_UNARY_LEAKY_RELU: return unary_leaky_relu_backward(v, g, alpha);
    case SG_UNARY_SIGMOID: return unary_sigmoid_backward(y, g, alpha);
    case SG_UNARY_TANH: return unary_tanh_backward(y, g, alpha);
    case SG_UNARY_SOFTPLUS: return unary_softplus_backward(v, g, alpha);
    case SG_UNARY_EXP: return unary_exp_backward(y, g, alpha);
    case SG_UNARY_LOG: return unary_log_backward(v, g, alpha);
    case SG_UNARY_SQUARE: return unary_square_backward(v, g, alpha);
    case SG_UNARY_SQRT: return unary_sqrt_backward(y, g, alpha);
    case SG_UNARY_ABS: return unary_abs_backward(v, g, alpha);
  }
  return kNan;
}

// Whether op's backward reads y (else x, except AFFINE which reads neither): kernels.h's split.
SG_HD bool backward_needs_y(sg_unary_op op) {
  return op == SG_UNARY_SIGMOID || op == SG_UNARY_TANH || op == SG_UNARY_EXP || op == SG_UNARY_SQRT;
}

SG_HD float binary_value(sg_binary_op op, float a, float b) {
  switch (op) {
    case SG_BINARY_ADD: return binary_add(a, b);
    case SG_BINARY_SUB: return binary_sub(a, b);
    case SG_BINARY_MUL: return binary_mul(a, b);
    case SG_BINARY_DIV: return binary_div(a, b);
    case SG_BINARY_MAX: return binary_max(a, b);
    case SG_BINARY_MIN: return binary_min(a, b);
  }
  return kNan;
}

// Where element (r, c) of a rows x cols operand stored in broadcast mode `mode` lives.
template <class Index>
SG_HD Index operand_index(sg_broadcast mode, Index r, Index c, Index cols) {
  switch (mode) {
    case SG_BCAST_FULL: return r * cols + c;
    case SG_BCAST_ROW: return c;
    case SG_BCAST_COL: return r;
    default: return 0;
  }
}

SG_HD void unary_thread(Thread t, sg_unary_op op, size_t n, const float* x, float* y, float alpha, float beta) {
  for (size_t i = t.first(); i < n; i += t.stride()) y[i] = unary_value(op, x[i], alpha, beta);
}

SG_HD void unary_backward_thread(Thread t, sg_unary_op op, size_t n, const float* x, const float* y,
                                 const float* dy, float* dx, float alpha) {
  const bool read_x = op != SG_UNARY_AFFINE && !backward_needs_y(op), read_y = backward_needs_y(op);
  for (size_t i = t.first(); i < n; i += t.stride())
    dx[i] = unary_backward_value(op, read_x ? x[i] : 0.f, read_y ? y[i] : 0.f, dy[i], alpha);
}

// Index is uint32_t when rows * cols fits (the row / column split is then a 32-bit division), else size_t.
template <class Index>
SG_HD void binary_thread(Thread t, sg_binary_op op, Index rows, Index cols, const float* a, sg_broadcast a_mode,
                         const float* b, sg_broadcast b_mode, float* out) {
  const Index total = rows * cols;
  for (size_t i = t.first(); i < total; i += t.stride()) {
    const Index r = Index(i) / cols, c = Index(i) - r * cols;
    out[i] = binary_value(op, a[operand_index(a_mode, r, c, cols)], b[operand_index(b_mode, r, c, cols)]);
  }
}

template <class Index>
SG_HD void copy_2d_thread(Thread t, Index rows, Index cols, const float* src, size_t lds, float* dst, size_t ldd) {
  const Index total = rows * cols;
  for (size_t i = t.first(); i < total; i += t.stride()) {
    const Index r = Index(i) / cols, c = Index(i) - r * cols;
    dst[size_t(r) * ldd + c] = src[size_t(r) * lds + c];
  }
}

// An index outside [0, src_rows) gives a row of NaN: the CUDA kernel cannot report it without a host
// synchronisation (native/ checks indices on the host before the copy).
template <class Index>
SG_HD void gather_rows_thread(Thread t, Index rows, Index cols, const float* src, size_t src_rows,
                              const int32_t* index, float* out) {
  const Index total = rows * cols;
  for (size_t i = t.first(); i < total; i += t.stride()) {
    const Index r = Index(i) / cols, c = Index(i) - r * cols;
    const int32_t from = index[r];
    out[i] = from >= 0 && size_t(from) < src_rows ? src[size_t(from) * cols + c] : kNan;
  }
}

}  // namespace sg::cuda::body
