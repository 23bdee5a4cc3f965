// The one text of the float32 math the CPU kernels and the CUDA bodies share, so both devices round alike and the
// host checker runs what the GPU runs: exp, expm1, exp(x) - 1 - x, log, log(1 + e), sigmoid, tanh, softplus and
// sincos(2 pi u) (range reduction + short series, no libm, relative error ~1e-7), then the formula of every
// unary and binary op of kernels/include/semigen/op_lists.h and the GEMM epilogue's activation.
//
// No include guard, on purpose: each side includes it inside its own namespace through a wrapper that is
// guarded (kernels/cpu/simd_math.h once per ISA namespace, so AVX-512 code is never the copy the linker
// picks for the portable path; kernels/cuda/bodies/math.cuh in sg::cuda::body). The wrapper supplies:
//   SG_SCALAR_FN          the functions' qualifier (`static inline` on the CPU, SG_HD in the CUDA bodies)
//   bits_of, float_of     float <-> int32 bit casts
//   select_f(c, a, b)     c ? a : b; on the CPU a bit blend, which keeps g++ vectorising the callers' loops
//   sqrt_f                the correctly rounded float square root
//   max_nan, min_nan      max and min that propagate a NaN of either operand
// The math functions make every choice through select_f, with both arms computed: no branches. The op formulas
// keep the forms the kernels have always used (a plain ?: where g++ vectorises it as it is).

#ifndef SG_SCALAR_FN
#error "scalar_math.h is included through kernels/cpu/simd_math.h or kernels/cuda/bodies/math.cuh"
#endif

constexpr float kInf = __builtin_inff();
constexpr float kNan = __builtin_nanf("");
constexpr float kLn2Hi = 0.693359375f;              // few mantissa bits: k * kLn2Hi is exact for |k| < 2^14
constexpr float kLn2Lo = -2.12194440054690583e-4f;  // ln 2 - kLn2Hi

SG_SCALAR_FN float abs_f(float x) { return float_of(bits_of(x) & 0x7fffffff); }
SG_SCALAR_FN float copysign_f(float magnitude, float sign) {
  return float_of((bits_of(magnitude) & 0x7fffffff) | (bits_of(sign) & int32_t(0x80000000u)));
}

// Horner's rule on from p: p x + 1/720, then 1/120, 1/24, 1/6, 1/2; the common tail of the exp series below.
SG_SCALAR_FN float exp_series_tail(float p, float x) {
  p = p * x + 1.f / 720.f;
  p = p * x + 1.f / 120.f;
  p = p * x + 1.f / 24.f;
  p = p * x + 1.f / 6.f;
  return p * x + 0.5f;
}

// log m for m in [sqrt(1/2), sqrt(2)]: 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172, series to s^9 (truncation
// 2e-9).
SG_SCALAR_FN float log_near_one(float m) {
  float f = m - 1.f;
  float s = f / (2.f + f);
  float s2 = s * s;
  float p = 1.f / 9.f;
  p = p * s2 + 1.f / 7.f;
  p = p * s2 + 1.f / 5.f;
  p = p * s2 + 1.f / 3.f;
  return 2.f * s + 2.f * s * s2 * p;
}

// exp(x): x = k ln2 + r with |r| <= ln2/2, exp(r) by its Taylor series to r^7 (truncation 5e-9), and
// 2^k applied in two halves so that k from -150 to 128 (denormals up to overflow) needs no branch.
SG_SCALAR_FN float exp_f(float x) {
  constexpr float hi = 88.7228394f, lo = -103.972084f;
  float xc = select_f(x < lo, lo, x);
  xc = select_f(xc > hi, hi, xc);
  constexpr float round_magic = 12582912.f;  // 1.5 * 2^23: adding it rounds to an integer in the low bits
  float kf = xc * 1.44269504088896341f + round_magic;
  int32_t k = bits_of(kf) - bits_of(round_magic);
  kf -= round_magic;
  float r = xc - kf * kLn2Hi;
  r = r - kf * kLn2Lo;
  float p = exp_series_tail(1.f / 5040.f, r);
  p = p * r + 1.f;
  p = p * r + 1.f;
  int32_t k1 = k >> 1, k2 = k - k1;
  float y = p * float_of((k1 + 127) << 23) * float_of((k2 + 127) << 23);
  y = select_f(x > hi, kInf, y);
  y = select_f(x < lo, 0.f, y);
  return y;  // a NaN x flows through r into y
}

// exp(x) - 1 without cancellation near 0: Taylor series to x^8 for |x| < ln2/2, exp(x) - 1 beyond.
SG_SCALAR_FN float expm1_f(float x) {
  float p = exp_series_tail(1.f / 40320.f * x + 1.f / 5040.f, x);
  float small = x + x * x * p;
  float large = exp_f(x) - 1.f;
  return select_f(abs_f(x) < 0.34657359f, small, large);
}

// exp(x) - 1 - x >= 0 (the Gaussian KL term) without cancellation: Taylor series for |x| < 0.75
// (truncation 3e-10), (exp(x) - 1) - x beyond.
SG_SCALAR_FN float exp_minus_one_minus_x(float x) {
  float p = 1.f / 39916800.f;
  p = p * x + 1.f / 3628800.f;
  p = p * x + 1.f / 362880.f;
  p = p * x + 1.f / 40320.f;
  p = exp_series_tail(p * x + 1.f / 5040.f, x);
  float small = x * x * p;
  float large = (exp_f(x) - 1.f) - x;
  return select_f(abs_f(x) < 0.75f, small, large);
}

// log(x) = e ln2 + log m, x = m 2^e with m in [sqrt(1/2), sqrt(2)).
SG_SCALAR_FN float log_f(float x) {
  constexpr float min_normal = 1.17549435e-38f;
  bool denormal = x < min_normal;  // also 0 and negatives, fixed up below
  float xs = select_f(denormal, x * 8388608.f, x);
  int32_t bits = bits_of(xs);
  int32_t e = ((bits >> 23) & 0xff) - 127 - 23 * int32_t(denormal);
  float m = float_of((bits & 0x007fffff) | 0x3f800000);
  bool above = m > 1.41421356f;
  m = select_f(above, m * 0.5f, m);
  e += int32_t(above);
  float ef = float(e);
  float y = ef * kLn2Hi + (ef * kLn2Lo + log_near_one(m));
  y = select_f(x == kInf, kInf, y);
  y = select_f(x == 0.f, -kInf, y);
  y = select_f(x < 0.f, kNan, y);
  y = select_f(x != x, x, y);
  return y;
}

// log(1 + e) for e in [0, 1], the softplus / BCE term, with no special cases to select. u = 1 + e is
// rounded; its rounding error e - (u - 1) (exact) is added back divided by u (Goldberg's log1p), for which
// `inv_u` may be a rough 1/u: that error is below half an ulp of u, so a few correct bits suffice.
SG_SCALAR_FN float log1p_unit_f(float e, float inv_u) {
  float u = 1.f + e;
  float correction = (e - (u - 1.f)) * inv_u;
  bool above = u > 1.41421356f;  // log u = log(u / 2) + ln 2 keeps the series argument small
  float log_m = log_near_one(select_f(above, u * 0.5f, u));
  return select_f(above, kLn2Hi, 0.f) + ((select_f(above, kLn2Lo, 0.f) + correction) + log_m);
}

SG_SCALAR_FN float sigmoid_f(float x) {
  float e = exp_f(-abs_f(x));  // in (0, 1]: no overflow on either side
  float s = 1.f / (1.f + e);
  return select_f(x >= 0.f, s, e * s);
}

// tanh(x) = e / (e + 2) with e = expm1(2|x|), |x| clamped at 9 where tanh rounds to 1.
SG_SCALAR_FN float tanh_f(float x) {
  float a = abs_f(x);
  a = select_f(a > 9.f, 9.f, a);
  float e = expm1_f(2.f * a);
  return copysign_f(e / (e + 2.f), x);
}

// log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|))
SG_SCALAR_FN float softplus_f(float x) {
  float e = exp_f(-abs_f(x));
  return select_f(x > 0.f, x, 0.f) + log1p_unit_f(e, 1.5f - 0.5f * (1.f + e));  // 1/u to 12%: enough
}

// sin and cos of 2 pi u for u in [0, 1): the quadrant q = round(4u) is exact, the rest is an angle in
// [-pi/4, pi/4] given to Taylor series (truncation < 2e-9).
SG_SCALAR_FN void sincos_2pi_f(float u, float* sin_out, float* cos_out) {
  constexpr float round_magic = 12582912.f;
  float t = u * 4.f;
  float qf = (t + round_magic) - round_magic;
  int32_t q = int32_t(qf) & 3;
  float a = (t - qf) * 1.57079632679489662f;
  float a2 = a * a;
  float sp = -1.f / 39916800.f;
  sp = sp * a2 + 1.f / 362880.f;
  sp = sp * a2 - 1.f / 5040.f;
  sp = sp * a2 + 1.f / 120.f;
  sp = sp * a2 - 1.f / 6.f;
  float sa = a + a * a2 * sp;
  float cp = 1.f / 3628800.f;
  cp = cp * a2 - 1.f / 40320.f;
  cp = cp * a2 + 1.f / 720.f;
  cp = cp * a2 - 1.f / 24.f;
  cp = cp * a2 + 0.5f;
  float ca = 1.f - a2 * cp;
  // rotate by q quarter turns: (cos, sin) -> (-sin, cos) each turn
  bool swap = (q & 1) != 0;
  float s = select_f(swap, ca, sa);
  float c = select_f(swap, sa, ca);
  s = float_of(bits_of(s) ^ int32_t(uint32_t(q & 2) << 30));        // negate in quadrants 2, 3
  c = float_of(bits_of(c) ^ int32_t(uint32_t((q + 1) & 2) << 30));  // negate in quadrants 1, 2
  *sin_out = s;
  *cos_out = c;
}

// ---- the per-op formulas of op_lists.h, one element at a time ----
// Unary: y = unary_<stem>(x, alpha, beta) and dx = unary_<stem>_backward(v, dy, alpha), where v is x or y = f(x)
// as the op's `reads` column says (0 when it reads nothing). Binary: out = binary_<stem>(a, b). The CPU maps them
// over arrays (kernels/cpu/simd_elementwise.h), the CUDA bodies over their threads (bodies/elementwise.cuh).

SG_SCALAR_FN float unary_affine(float v, float alpha, float beta) { return alpha * v + beta; }
SG_SCALAR_FN float unary_affine_backward(float, float g, float alpha) { return alpha * g; }

SG_SCALAR_FN float unary_relu(float v, float, float) { return v < 0.f ? 0.f : v; }  // keeps NaN
SG_SCALAR_FN float unary_relu_backward(float v, float g, float) { return v > 0.f ? g : 0.f; }

SG_SCALAR_FN float unary_leaky_relu(float v, float alpha, float) { return select_f(v > 0.f, v, alpha * v); }
SG_SCALAR_FN float unary_leaky_relu_backward(float v, float g, float alpha) { return select_f(v > 0.f, g, alpha * g); }

SG_SCALAR_FN float unary_sigmoid(float v, float, float) { return sigmoid_f(v); }
SG_SCALAR_FN float unary_sigmoid_backward(float s, float g, float) { return g * s * (1.f - s); }

SG_SCALAR_FN float unary_tanh(float v, float, float) { return tanh_f(v); }
// (1 - t)(1 + t) rather than 1 - t^2: no cancellation where |t| is near 1
SG_SCALAR_FN float unary_tanh_backward(float t, float g, float) { return g * ((1.f - t) * (1.f + t)); }

SG_SCALAR_FN float unary_softplus(float v, float, float) { return softplus_f(v); }
SG_SCALAR_FN float unary_softplus_backward(float v, float g, float) { return g * sigmoid_f(v); }

SG_SCALAR_FN float unary_exp(float v, float, float) { return exp_f(v); }
SG_SCALAR_FN float unary_exp_backward(float e, float g, float) { return g * e; }

SG_SCALAR_FN float unary_log(float v, float, float) { return log_f(v); }
SG_SCALAR_FN float unary_log_backward(float v, float g, float) { return g / v; }

SG_SCALAR_FN float unary_square(float v, float, float) { return v * v; }
SG_SCALAR_FN float unary_square_backward(float v, float g, float) { return 2.f * v * g; }

SG_SCALAR_FN float unary_sqrt(float v, float, float) { return sqrt_f(v); }
SG_SCALAR_FN float unary_sqrt_backward(float r, float g, float) { return 0.5f * g / r; }

SG_SCALAR_FN float unary_abs(float v, float, float) { return abs_f(v); }
SG_SCALAR_FN float unary_abs_backward(float v, float g, float) { return v > 0.f ? g : (v < 0.f ? -g : 0.f); }

// 1 where x is a number, 0 where it is NaN (a missing value); a constant as far as gradients go.
SG_SCALAR_FN float unary_missing_mask(float v, float, float) { return select_f(v == v, 1.f, 0.f); }
SG_SCALAR_FN float unary_missing_mask_backward(float, float, float) { return 0.f; }

// x with NaN replaced by alpha: a select, so a missing value never meets an arithmetic operation (0 * NaN is
// NaN); the gradient passes where x is a number.
SG_SCALAR_FN float unary_fill_missing(float v, float alpha, float) { return select_f(v == v, v, alpha); }
SG_SCALAR_FN float unary_fill_missing_backward(float v, float g, float) { return select_f(v == v, g, 0.f); }

// GELU in its tanh form, x/2 (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3), computed as x sigmoid(2u): the
// same function, without the cancellation of 1 + tanh(u) where x is very negative. Inside u, x is clamped to
// [-12, 12], beyond which sigmoid(2u) is exactly 0 or 1 in float32 anyway, so x^3 cannot overflow; and where it is
// 0 the result is 0, so x = -inf gives 0 rather than -inf * 0.
constexpr float kGeluScale = 1.5957691216057308f;  // 2 sqrt(2 / pi)
constexpr float kGeluCubic = 0.044715f;
SG_SCALAR_FN float gelu_clamp(float x) { return select_f(x > 12.f, 12.f, select_f(x < -12.f, -12.f, x)); }
SG_SCALAR_FN float unary_gelu(float v, float, float) {
  const float c = gelu_clamp(v);
  const float s = sigmoid_f(kGeluScale * c * (1.f + kGeluCubic * c * c));
  return select_f(s == 0.f, 0.f, v * s);
}
// d/dx x s(2u) = s + x s (1 - s) (2u)', (2u)' = kGeluScale (1 + 3 kGeluCubic x^2); beyond the clamp s (1 - s) = 0
SG_SCALAR_FN float unary_gelu_backward(float v, float g, float) {
  const float c = gelu_clamp(v), c2 = c * c;
  const float s = sigmoid_f(kGeluScale * c * (1.f + kGeluCubic * c2));
  return g * (s + c * s * (1.f - s) * (kGeluScale * (1.f + 3.f * kGeluCubic * c2)));
}

SG_SCALAR_FN float binary_add(float a, float b) { return a + b; }
SG_SCALAR_FN float binary_sub(float a, float b) { return a - b; }
SG_SCALAR_FN float binary_mul(float a, float b) { return a * b; }
SG_SCALAR_FN float binary_div(float a, float b) { return a / b; }
SG_SCALAR_FN float binary_max(float a, float b) { return max_nan(a, b); }
SG_SCALAR_FN float binary_min(float a, float b) { return min_nan(a, b); }

// One element of the lerp kernel: t + rate (s - t), written t - rate (t - s) as an SGD step on the difference
// computes it (the moving averages were updated that way before lerp existed, and keep their values).
SG_SCALAR_FN float lerp_toward(float t, float s, float rate) { return t - rate * (t - s); }

// The GEMM epilogue's activation of one element (AFFINE meaning none), as the portable CPU GEMM and the CUDA
// GEMM apply it (the AVX paths do the same in registers). RELU maps -0 to +0 and keeps NaN.
SG_SCALAR_FN float gemm_activation(float x, sg_unary_op act, float slope) {
  switch (act) {
    case SG_UNARY_RELU: return x > 0.f ? x : (x != x ? x : 0.f);
    case SG_UNARY_LEAKY_RELU: return x < 0.f ? slope * x : x;
    case SG_UNARY_SIGMOID: return sigmoid_f(x);
    case SG_UNARY_TANH: return tanh_f(x);
    default: return x;
  }
}
