// Per-ISA loops over one row: sums, max, log-sum-exp, softmax and the three losses, plus the per-row steps
// of column reductions. Sums run in 16 float lanes per block of 256 and add up blocks in double, so a
// long row keeps ~1e-7 relative accuracy. Part of simd_kernels.h.
#pragma once

#include "simd_math.h"

namespace sg::cpu::SG_ISA_NS {

constexpr size_t kLanes = 16;
constexpr size_t kBlock = 256;

// Sum of n <= kBlock (or any n) floats: 16 independent float lanes (one AVX-512 vector), then double.
static inline double lane_sum(size_t n, const float* x) {
  float acc[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (size_t j = 0; j < kLanes; ++j) acc[j] += x[i + j];
  for (size_t j = 0; i + j < n; ++j) acc[j] += x[i + j];
  double total = 0;
  for (size_t j = 0; j < kLanes; ++j) total += acc[j];
  return total;
}

// sum over i < n of element(i), where element is a vectorisable lambda (it may also store side outputs).
template <class F>
static inline double blocked_sum(size_t n, F element) {
  float values[kBlock];
  double total = 0;
  for (size_t b = 0; b < n; b += kBlock) {
    size_t len = min_size(kBlock, n - b);
    for (size_t i = 0; i < len; ++i) values[i] = element(b + i);
    total += lane_sum(len, values);
  }
  return total;
}

static double row_sum(size_t n, const float* x) {
  double total = 0;
  for (size_t b = 0; b < n; b += kBlock) total += lane_sum(min_size(kBlock, n - b), x + b);
  return total;
}

static float row_max(size_t n, const float* x) {
  float acc[kLanes];
  for (size_t j = 0; j < kLanes; ++j) acc[j] = -kInf;
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (size_t j = 0; j < kLanes; ++j) acc[j] = max_nan(x[i + j], acc[j]);
  for (size_t j = 0; i + j < n; ++j) acc[j] = max_nan(x[i + j], acc[j]);
  float m = acc[0];
  for (size_t j = 1; j < kLanes; ++j) m = max_nan(acc[j], m);
  return m;
}

// The shift for exp(x - shift): the row max when finite, else 0 (an all -inf row then sums to 0 and its
// log-sum-exp is -inf, a +inf entry gives +inf, a NaN gives NaN).
static inline float exp_shift(float row_max_value) { return select_f(abs_f(row_max_value) < kInf, row_max_value, 0.f); }

static float row_logsumexp(size_t n, const float* x) {
  const float m = exp_shift(row_max(n, x));
  double s = blocked_sum(n, [=](size_t i) { return exp_f(x[i] - m); });
  return m + log_f(float(s));
}

static void add_into(size_t n, const float* x, float* acc) {
  for (size_t i = 0; i < n; ++i) acc[i] += x[i];
}
static void add_float_into_double(size_t n, const float* x, double* acc) {
  for (size_t i = 0; i < n; ++i) acc[i] += double(x[i]);
}
static void max_into(size_t n, const float* x, float* acc) {
  for (size_t i = 0; i < n; ++i) acc[i] = max_nan(x[i], acc[i]);
}
static void add_exp_into(size_t n, const float* x, const float* shift, float* acc) {
  for (size_t i = 0; i < n; ++i) acc[i] += exp_f(x[i] - shift[i]);
}

static void softmax_row(int log, size_t n, const float* x, float* out) {
  const float m = exp_shift(row_max(n, x));
  if (log) {
    const float log_sum = log_f(float(blocked_sum(n, [=](size_t i) { return exp_f(x[i] - m); })));
    for (size_t i = 0; i < n; ++i) out[i] = (x[i] - m) - log_sum;
  } else {
    double s = blocked_sum(n, [=](size_t i) {
      float e = exp_f(x[i] - m);
      out[i] = e;
      return e;
    });
    const float inv = float(1.0 / s);
    for (size_t i = 0; i < n; ++i) out[i] *= inv;
  }
}

// The loss is taken before d is written, so d may be the logits or the targets row (in-place gradient).
static float softmax_xent_row(size_t n, const float* x, size_t label, const float* t, float* d) {
  const float m = exp_shift(row_max(n, x));
  const float x_label = t ? 0.f : x[label];
  const bool keep_exp = d && d != x && d != t;  // d can hold exp(x - m) between the passes
  double s = keep_exp ? blocked_sum(n, [=](size_t i) {
    float e = exp_f(x[i] - m);
    d[i] = e;
    return e;
  })
                      : blocked_sum(n, [=](size_t i) { return exp_f(x[i] - m); });
  const float log_sum = log_f(float(s));  // log-sum-exp = m + log_sum
  const float inv = float(1.0 / s);
  const float loss = t ? float(blocked_sum(n, [=](size_t i) { return t[i] * ((m - x[i]) + log_sum); }))
                       : (m - x_label) + log_sum;
  if (!d) return loss;
  if (keep_exp && t) {
    for (size_t i = 0; i < n; ++i) d[i] = d[i] * inv - t[i];
  } else if (keep_exp) {
    for (size_t i = 0; i < n; ++i) d[i] *= inv;
  } else if (t) {
    for (size_t i = 0; i < n; ++i) d[i] = exp_f(x[i] - m) * inv - t[i];
  } else {
    for (size_t i = 0; i < n; ++i) d[i] = exp_f(x[i] - m) * inv;
  }
  if (!t) d[label] -= 1.f;
  return loss;
}

// max(x, 0) - x t + log1p(exp(-|x|)) and sigmoid(x) - t from one exp; both 0 where t is NaN (missing).
static float sigmoid_xent_row(size_t n, const float* x, const float* t, float* d) {
  auto loss_and_grad = [=](size_t i, float* grad) {
    float v = x[i], y = t[i];
    float e = exp_f(-abs_f(v));
    float s = 1.f / (1.f + e);
    float sig = select_f(v >= 0.f, s, e * s);
    bool present = y == y;
    *grad = select_f(present, sig - y, 0.f);
    float l = select_f(v > 0.f, v, 0.f) - v * y + log1p_unit_f(e, s);
    return select_f(present, l, 0.f);
  };
  if (d) return float(blocked_sum(n, [=](size_t i) { return loss_and_grad(i, d + i); }));
  return float(blocked_sum(n, [=](size_t i) {
    float unused;
    return loss_and_grad(i, &unused);
  }));
}

// KL per row = 0.5 sum (mu^2 + exp(lv) - 1 - lv): a sum of non-negative terms.
static float gaussian_kl_row(size_t n, const float* mu, const float* logvar, float* dmu, float* dlogvar) {
  double s = dlogvar ? blocked_sum(n, [=](size_t i) {
    float f = exp_minus_one_minus_x(logvar[i]);
    dlogvar[i] = 0.5f * (f + logvar[i]);
    return mu[i] * mu[i] + f;
  })
                     : blocked_sum(n, [=](size_t i) { return mu[i] * mu[i] + exp_minus_one_minus_x(logvar[i]); });
  if (dmu && dmu != mu)
    for (size_t i = 0; i < n; ++i) dmu[i] = mu[i];
  return float(0.5 * s);
}

}  // namespace sg::cpu::SG_ISA_NS
