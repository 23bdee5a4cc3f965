// Per-ISA loops of the elementwise kernels: unary ops, their backward, binary ops with a scalar operand.
// Each op is its own loop over a lambda around its scalar_math.h formula, so that g++ vectorises every one of
// them. Part of simd_kernels.h.
#pragma once

#include "simd_math.h"

namespace sg::cpu::SG_ISA_NS {

template <class F>
static inline void map1(size_t n, const float* x, float* y, F f) {
  for (size_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

template <class F>
static inline void map2(size_t n, const float* a, const float* b, float* y, F f) {
  for (size_t i = 0; i < n; ++i) y[i] = f(a[i], b[i]);
}

static void unary(sg_unary_op op, size_t n, const float* x, float* y, float alpha, float beta) {
  switch (op) {
    case SG_UNARY_AFFINE: map1(n, x, y, [=](float v) { return unary_affine(v, alpha, beta); }); break;
    case SG_UNARY_RELU: map1(n, x, y, [=](float v) { return unary_relu(v, alpha, beta); }); break;
    case SG_UNARY_LEAKY_RELU: map1(n, x, y, [=](float v) { return unary_leaky_relu(v, alpha, beta); }); break;
    case SG_UNARY_SIGMOID: map1(n, x, y, [=](float v) { return unary_sigmoid(v, alpha, beta); }); break;
    case SG_UNARY_TANH: map1(n, x, y, [=](float v) { return unary_tanh(v, alpha, beta); }); break;
    case SG_UNARY_SOFTPLUS: map1(n, x, y, [=](float v) { return unary_softplus(v, alpha, beta); }); break;
    case SG_UNARY_EXP: map1(n, x, y, [=](float v) { return unary_exp(v, alpha, beta); }); break;
    case SG_UNARY_LOG: map1(n, x, y, [=](float v) { return unary_log(v, alpha, beta); }); break;
    case SG_UNARY_SQUARE: map1(n, x, y, [=](float v) { return unary_square(v, alpha, beta); }); break;
    case SG_UNARY_SQRT: map1(n, x, y, [=](float v) { return unary_sqrt(v, alpha, beta); }); break;
    case SG_UNARY_ABS: map1(n, x, y, [=](float v) { return unary_abs(v, alpha, beta); }); break;
  }
}

#define SG_FROM_X(f) map2(n, x, dy, dx, [=](float v, float g) { return f(v, g, alpha); })
#define SG_FROM_Y(f) map2(n, y, dy, dx, [=](float v, float g) { return f(v, g, alpha); })

static void unary_backward(sg_unary_op op, size_t n, const float* x, const float* y, const float* dy, float* dx,
                           float alpha) {
  switch (op) {
    case SG_UNARY_AFFINE: map1(n, dy, dx, [=](float g) { return unary_affine_backward(0.f, g, alpha); }); break;
    case SG_UNARY_RELU: SG_FROM_X(unary_relu_backward); break;
    case SG_UNARY_LEAKY_RELU: SG_FROM_X(unary_leaky_relu_backward); break;
    case SG_UNARY_SIGMOID: SG_FROM_Y(unary_sigmoid_backward); break;
    case SG_UNARY_TANH: SG_FROM_Y(unary_tanh_backward); break;
    case SG_UNARY_SOFTPLUS: SG_FROM_X(unary_softplus_backward); break;
    case SG_UNARY_EXP: SG_FROM_Y(unary_exp_backward); break;
    case SG_UNARY_LOG: SG_FROM_X(unary_log_backward); break;
    case SG_UNARY_SQUARE: SG_FROM_X(unary_square_backward); break;
    case SG_UNARY_SQRT: SG_FROM_Y(unary_sqrt_backward); break;
    case SG_UNARY_ABS: SG_FROM_X(unary_abs_backward); break;
  }
}

#undef SG_FROM_X
#undef SG_FROM_Y

// The four stride combinations of one binary op, so each loop has a fixed access pattern.
template <class F>
static inline void binary_loops(size_t n, const float* a, size_t a_step, const float* b, size_t b_step, float* out,
                                F f) {
  if (a_step && b_step) {
    map2(n, a, b, out, f);
  } else if (a_step) {
    const float bs = b[0];
    map1(n, a, out, [=](float v) { return f(v, bs); });
  } else if (b_step) {
    const float as = a[0];
    map1(n, b, out, [=](float v) { return f(as, v); });
  } else {
    const float r = f(a[0], b[0]);
    for (size_t i = 0; i < n; ++i) out[i] = r;
  }
}

#define SG_BINARY(f) binary_loops(n, a, a_step, b, b_step, out, [](float p, float q) { return f(p, q); })

static void binary(sg_binary_op op, size_t n, const float* a, size_t a_step, const float* b, size_t b_step,
                   float* out) {
  switch (op) {
    case SG_BINARY_ADD: SG_BINARY(binary_add); break;
    case SG_BINARY_SUB: SG_BINARY(binary_sub); break;
    case SG_BINARY_MUL: SG_BINARY(binary_mul); break;
    case SG_BINARY_DIV: SG_BINARY(binary_div); break;
    case SG_BINARY_MAX: SG_BINARY(binary_max); break;
    case SG_BINARY_MIN: SG_BINARY(binary_min); break;
  }
}

#undef SG_BINARY

}  // namespace sg::cpu::SG_ISA_NS
