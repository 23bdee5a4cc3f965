// Per-ISA loops of the elementwise kernels: unary ops, their backward, binary ops with a scalar operand.
// Each op is its own loop over a lambda around its scalar_math.h formula, so that g++ vectorises every one of
// them; the switches are generated from the op lists (op_lists.h). Part of simd_kernels.h.
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

// One loop per op of op_lists.h, each over its formula of scalar_math.h.
static void unary(sg_unary_op op, size_t n, const float* x, float* y, float alpha, float beta) {
  switch (op) {
#define SG_UNARY_LOOP(E, stem, ...) \
  case SG_UNARY_##E: map1(n, x, y, [=](float v) { return unary_##stem(v, alpha, beta); }); break;
    SG_UNARY_OPS(SG_UNARY_LOOP)
#undef SG_UNARY_LOOP
  }
}

// The backward loop of one op, over x (INPUT), y (OUTPUT) or dy alone (NOTHING) as its `reads` column says.
#define SG_BACKWARD_LOOP_INPUT(stem) map2(n, x, dy, dx, [=](float v, float g) { return stem(v, g, alpha); })
#define SG_BACKWARD_LOOP_OUTPUT(stem) map2(n, y, dy, dx, [=](float v, float g) { return stem(v, g, alpha); })
#define SG_BACKWARD_LOOP_NOTHING(stem) map1(n, dy, dx, [=](float g) { return stem(0.f, g, alpha); })

static void unary_backward(sg_unary_op op, size_t n, const float* x, const float* y, const float* dy, float* dx,
                           float alpha) {
  switch (op) {
#define SG_UNARY_BACKWARD_LOOP(E, stem, name, reads, ...) \
  case SG_UNARY_##E: SG_BACKWARD_LOOP_##reads(unary_##stem##_backward); break;
    SG_UNARY_OPS(SG_UNARY_BACKWARD_LOOP)
#undef SG_UNARY_BACKWARD_LOOP
  }
}

#undef SG_BACKWARD_LOOP_INPUT
#undef SG_BACKWARD_LOOP_OUTPUT
#undef SG_BACKWARD_LOOP_NOTHING

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
#define SG_BINARY_LOOP(E, stem, ...) \
  case SG_BINARY_##E: \
    binary_loops(n, a, a_step, b, b_step, out, [](float p, float q) { return binary_##stem(p, q); }); \
    break;
    SG_BINARY_OPS(SG_BINARY_LOOP)
#undef SG_BINARY_LOOP
  }
}

}  // namespace sg::cpu::SG_ISA_NS
