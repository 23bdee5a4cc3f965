// Bodies of the elementwise CUDA kernels: unary ops and their backward, binary ops over broadcast operands,
// copy_2d and gather_rows. Each *_thread function is everything one thread of the grid-stride launch does;
// the element functions give the same values as the CPU's simd_elementwise.h.
#pragma once

#include "math.cuh"

namespace sg::cuda::body {

// The op's formula (scalar_math.h) of one element; the switches come from the op lists (op_lists.h).
SG_HD float unary_value(sg_unary_op op, float v, float alpha, float beta) {
  switch (op) {
#define SG_UNARY_VALUE(E, stem, ...) case SG_UNARY_##E: return unary_##stem(v, alpha, beta);
    SG_UNARY_OPS(SG_UNARY_VALUE)
#undef SG_UNARY_VALUE
  }
  return kNan;
}

// What a backward formula is given: x (v), y = op(x), or nothing, as the op's `reads` column says.
#define SG_BACKWARD_ARGUMENT_INPUT v
#define SG_BACKWARD_ARGUMENT_OUTPUT y
#define SG_BACKWARD_ARGUMENT_NOTHING 0.f

// dx for one element from x (v) or y = op(x) and dy (g).
SG_HD float unary_backward_value(sg_unary_op op, float v, float y, float g, float alpha) {
  switch (op) {
#define SG_UNARY_BACKWARD_VALUE(E, stem, name, reads, ...) \
  case SG_UNARY_##E: return unary_##stem##_backward(SG_BACKWARD_ARGUMENT_##reads, g, alpha);
    SG_UNARY_OPS(SG_UNARY_BACKWARD_VALUE)
#undef SG_UNARY_BACKWARD_VALUE
  }
  return kNan;
}

#undef SG_BACKWARD_ARGUMENT_INPUT
#undef SG_BACKWARD_ARGUMENT_OUTPUT
#undef SG_BACKWARD_ARGUMENT_NOTHING

SG_HD float binary_value(sg_binary_op op, float a, float b) {
  switch (op) {
#define SG_BINARY_VALUE(E, stem, ...) case SG_BINARY_##E: return binary_##stem(a, b);
    SG_BINARY_OPS(SG_BINARY_VALUE)
#undef SG_BINARY_VALUE
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
  const sg_reads reads = sg_unary_backward_reads(op);
  const bool read_x = reads == SG_READS_INPUT, read_y = reads == SG_READS_OUTPUT;
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
