// Float32 exp, expm1, log, log(1 + e), sigmoid, tanh, softplus and sincos(2 pi u) for the CUDA bodies:
// the same algorithms as the CPU's kernels/cpu/simd_math.h (range reduction + short series, relative
// error ~1e-7), so both devices round alike and the host checker runs exactly what the GPU runs
// instead of a different libm. The CPU writes its selects as bit blends for g++'s vectoriser; on the GPU
// a plain ?: is a predicated select, so they are written that way here.
#pragma once

#include "common.cuh"

namespace sg::cuda::body {

constexpr float kInf = __builtin_inff();
constexpr float kNan = __builtin_nanf("");
constexpr float kLn2Hi = 0.693359375f;              // few mantissa bits: k * kLn2Hi is exact for |k| < 2^14
constexpr float kLn2Lo = -2.12194440054690583e-4f;  // ln 2 - kLn2Hi

SG_HD float abs_f(float x) { return float_of(bits_of(x) & 0x7fffffff); }
SG_HD float copysign_f(float magnitude, float sign) {
  return float_of((bits_of(magnitude) & 0x7fffffff) | (bits_of(sign) & int32_t(0x80000000u)));
}

// exp(x) = 2^k exp(r), |r| <= ln2/2, exp(r) by Taylor to r^7; 2^k applied in two halves so that k from
// -150 to 128 (denormals up to overflow) needs no branch.
SG_HD float exp_f(float x) {
  constexpr float hi = 88.7228394f, lo = -103.972084f;
  float xc = x < lo ? lo : x;
  xc = xc > hi ? hi : xc;
  constexpr float round_magic = 12582912.f;  // 1.5 * 2^23: adding it rounds to an integer in the low bits
  float kf = xc * 1.44269504088896341f + round_magic;
  int32_t k = bits_of(kf) - bits_of(round_magic);
  kf -= round_magic;
  float r = xc - kf * kLn2Hi;
  r = r - kf * kLn2Lo;
  float p = 1.f / 5040.f;
  p = p * r + 1.f / 720.f;
  p = p * r + 1.f / 120.f;
  p = p * r + 1.f / 24.f;
  p = p * r + 1.f / 6.f;
  p = p * r + 0.5f;
  p = p * r + 1.f;
  p = p * r + 1.f;
  int32_t k1 = k >> 1, k2 = k - k1;
  float y = p * float_of((k1 + 127) << 23) * float_of((k2 + 127) << 23);
  y = x > hi ? kInf : y;
  y = x < lo ? 0.f : y;
  return y;  // a NaN x flows through r into y
}

// exp(x) - 1 without cancellation near 0: Taylor to x^8 for |x| < ln2/2, exp(x) - 1 beyond.
SG_HD float expm1_f(float x) {
  if (abs_f(x) >= 0.34657359f) return exp_f(x) - 1.f;
  float p = 1.f / 40320.f;
  p = p * x + 1.f / 5040.f;
  p = p * x + 1.f / 720.f;
  p = p * x + 1.f / 120.f;
  p = p * x + 1.f / 24.f;
  p = p * x + 1.f / 6.f;
  p = p * x + 0.5f;
  return x + x * x * p;
}

// log(x) = e ln2 + 2 atanh(s), x = m 2^e, m in [sqrt(1/2), sqrt(2)), s = (m-1)/(m+1), series to s^9.
SG_HD float log_f(float x) {
  constexpr float min_normal = 1.17549435e-38f;
  bool denormal = x < min_normal;  // also 0 and negatives, fixed up below
  float xs = denormal ? x * 8388608.f : x;
  int32_t bits = bits_of(xs);
  int32_t e = ((bits >> 23) & 0xff) - 127 - 23 * int32_t(denormal);
  float m = float_of((bits & 0x007fffff) | 0x3f800000);
  bool above = m > 1.41421356f;
  m = above ? m * 0.5f : m;
  e += int32_t(above);
  float f = m - 1.f;
  float s = f / (2.f + f);
  float s2 = s * s;
  float p = 1.f / 9.f;
  p = p * s2 + 1.f / 7.f;
  p = p * s2 + 1.f / 5.f;
  p = p * s2 + 1.f / 3.f;
  float ef = float(e);
  float y = ef * kLn2Hi + (ef * kLn2Lo + (2.f * s + 2.f * s * s2 * p));
  y = x == kInf ? kInf : y;
  y = x == 0.f ? -kInf : y;
  y = x < 0.f ? kNan : y;
  return x != x ? x : y;
}

// log(1 + e) for e in [0, 1] (the softplus / BCE term): u = 1 + e rounded, its rounding error added back
// divided by u (Goldberg's log1p); `inv_u` may be a rough 1/u.
SG_HD float log1p_unit_f(float e, float inv_u) {
  float u = 1.f + e;
  float correction = (e - (u - 1.f)) * inv_u;
  bool above = u > 1.41421356f;
  float m = above ? u * 0.5f : u;
  float f = m - 1.f;
  float s = f / (2.f + f);
  float s2 = s * s;
  float p = 1.f / 9.f;
  p = p * s2 + 1.f / 7.f;
  p = p * s2 + 1.f / 5.f;
  p = p * s2 + 1.f / 3.f;
  float log_m = 2.f * s + 2.f * s * s2 * p;
  return (above ? kLn2Hi : 0.f) + (((above ? kLn2Lo : 0.f) + correction) + log_m);
}

SG_HD float sigmoid_f(float x) {
  float e = exp_f(-abs_f(x));  // in (0, 1]: no overflow on either side
  float s = 1.f / (1.f + e);
  return x >= 0.f ? s : e * s;
}

// tanh(x) = e / (e + 2), e = expm1(2|x|), |x| clamped at 9 where tanh rounds to 1.
SG_HD float tanh_f(float x) {
  float a = abs_f(x);
  a = a > 9.f ? 9.f : a;
  float e = expm1_f(2.f * a);
  return copysign_f(e / (e + 2.f), x);
}

// log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|))
SG_HD float softplus_f(float x) {
  float e = exp_f(-abs_f(x));
  return (x > 0.f ? x : 0.f) + log1p_unit_f(e, 1.5f - 0.5f * (1.f + e));
}

// sin and cos of 2 pi u, u in [0, 1): quadrant q = round(4u) exact, the rest an angle in [-pi/4, pi/4].
SG_HD void sincos_2pi_f(float u, float* sin_out, float* cos_out) {
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
  bool swap = (q & 1) != 0;  // rotate by q quarter turns: (cos, sin) -> (-sin, cos) each turn
  float s = swap ? ca : sa;
  float c = swap ? sa : ca;
  s = float_of(bits_of(s) ^ int32_t(uint32_t(q & 2) << 30));        // negate in quadrants 2, 3
  c = float_of(bits_of(c) ^ int32_t(uint32_t((q + 1) & 2) << 30));  // negate in quadrants 1, 2
  *sin_out = s;
  *cos_out = c;
}

}  // namespace sg::cuda::body
