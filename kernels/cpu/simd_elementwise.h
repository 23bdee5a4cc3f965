// Per-ISA loops of the elementwise kernels: unary ops, their backward, binary ops with a scalar operand.
// Each op is its own loop over a lambda so that g++ vectorises every one of them. Part of simd_kernels.h.
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
    case SG_UNARY_AFFINE: map1(n, x, y, [=](float v) { return alpha * v + beta; }); break;
    case SG_UNARY_RELU: map1(n, x, y, [](float v) { return v < 0.f ? 0.f : v; }); break;  // keeps NaN
    case SG_UNARY_LEAKY_RELU: map1(n, x, y, [=](float v) { return select_f(v > 0.f, v, alpha * v); }); break;
    case SG_UNARY_SIGMOID: map1(n, x, y, [](float v) { return sigmoid_f(v); }); break;
    case SG_UNARY_TANH: map1(n, x, y, [](float v) { return tanh_f(v); }); break;
    case SG_UNARY_SOFTPLUS: map1(n, x, y, [](float v) { return softplus_f(v); }); break;
    case SG_UNARY_EXP: map1(n, x, y, [](float v) { return exp_f(v); }); break;
    case SG_UNARY_LOG: map1(n, x, y, [](float v) { return log_f(v); }); break;
    case SG_UNARY_SQUARE: map1(n, x, y, [](float v) { return v * v; }); break;
    case SG_UNARY_SQRT: map1(n, x, y, [](float v) { return __builtin_sqrtf(v); }); break;
    case SG_UNARY_ABS: map1(n, x, y, [](float v) { return abs_f(v); }); break;
  }
}

static void unary_backward(sg_unary_op op, size_t n, const float* x, const float* y, const float* dy, float* dx,
                           float alpha) {
  switch (op) {
    case SG_UNARY_AFFINE: map1(n, dy, dx, [=](float g) { return alpha * g; }); break;
    case SG_UNARY_RELU: map2(n, x, dy, dx, [](float v, float g) { return v > 0.f ? g : 0.f; }); break;
    case SG_UNARY_LEAKY_RELU:
      map2(n, x, dy, dx, [=](float v, float g) { return select_f(v > 0.f, g, alpha * g); });
      break;
    case SG_UNARY_SIGMOID: map2(n, y, dy, dx, [](float s, float g) { return g * s * (1.f - s); }); break;
    case SG_UNARY_TANH: map2(n, y, dy, dx, [](float t, float g) { return g * ((1.f - t) * (1.f + t)); }); break;
    case SG_UNARY_SOFTPLUS: map2(n, x, dy, dx, [](float v, float g) { return g * sigmoid_f(v); }); break;
    case SG_UNARY_EXP: map2(n, y, dy, dx, [](float e, float g) { return g * e; }); break;
    case SG_UNARY_LOG: map2(n, x, dy, dx, [](float v, float g) { return g / v; }); break;
    case SG_UNARY_SQUARE: map2(n, x, dy, dx, [](float v, float g) { return 2.f * v * g; }); break;
    case SG_UNARY_SQRT: map2(n, y, dy, dx, [](float r, float g) { return 0.5f * g / r; }); break;
    case SG_UNARY_ABS:
      map2(n, x, dy, dx, [](float v, float g) { return v > 0.f ? g : (v < 0.f ? -g : 0.f); });
      break;
  }
}

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

static void binary(sg_binary_op op, size_t n, const float* a, size_t a_step, const float* b, size_t b_step,
                   float* out) {
  switch (op) {
    case SG_BINARY_ADD: binary_loops(n, a, a_step, b, b_step, out, [](float p, float q) { return p + q; }); break;
    case SG_BINARY_SUB: binary_loops(n, a, a_step, b, b_step, out, [](float p, float q) { return p - q; }); break;
    case SG_BINARY_MUL: binary_loops(n, a, a_step, b, b_step, out, [](float p, float q) { return p * q; }); break;
    case SG_BINARY_DIV: binary_loops(n, a, a_step, b, b_step, out, [](float p, float q) { return p / q; }); break;
    case SG_BINARY_MAX:
      binary_loops(n, a, a_step, b, b_step, out, [](float p, float q) { return max_nan(p, q); });
      break;
    case SG_BINARY_MIN:
      binary_loops(n, a, a_step, b, b_step, out, [](float p, float q) { return min_nan(p, q); });
      break;
  }
}

}  // namespace sg::cpu::SG_ISA_NS
