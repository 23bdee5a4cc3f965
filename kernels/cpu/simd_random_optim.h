// Per-ISA loops of the random kernels (Philox words for 16 counters at a time, laid out so the 32x32->64
// multiplies vectorise, then uniform / Box-Muller normal / Bernoulli values) and of the optimiser updates.
// Part of simd_kernels.h.
#pragma once

#include "philox.h"
#include "simd_math.h"

namespace sg::cpu::SG_ISA_NS {

constexpr size_t kCounterBatch = 16;                      // counters per batch
constexpr size_t kBatchElements = 4 * kCounterBatch;      // stream elements per batch

// words[w][j] = word w of Philox4x32-10 at counter first + j. The j loop holds all ten rounds (the keys
// precomputed), so g++ unrolls the rounds and vectorises across counters.
static inline void philox_batch(uint64_t seed, uint64_t first, uint32_t words[4][kCounterBatch]) {
  uint32_t k0[kPhiloxRounds], k1[kPhiloxRounds];
  k0[0] = uint32_t(seed);
  k1[0] = uint32_t(seed >> 32);
  for (int r = 1; r < kPhiloxRounds; ++r) {
    k0[r] = k0[r - 1] + kPhiloxW0;
    k1[r] = k1[r - 1] + kPhiloxW1;
  }
  for (size_t j = 0; j < kCounterBatch; ++j) {
    uint64_t c = first + j;
    uint32_t c0 = uint32_t(c), c1 = uint32_t(c >> 32), c2 = 0, c3 = 0;
    for (int r = 0; r < kPhiloxRounds; ++r) philox_round(c0, c1, c2, c3, k0[r], k1[r]);
    words[0][j] = c0;
    words[1][j] = c1;
    words[2][j] = c2;
    words[3][j] = c3;
  }
}

// Box-Muller on words (a, b): r = sqrt(-2 log(1 - u_a)), z_a = r cos(2 pi u_b), z_b = r sin(2 pi u_b).
static inline void box_muller(uint32_t a, uint32_t b, float* za, float* zb) {
  float r = __builtin_sqrtf(-2.f * log_f(1.f - philox_uniform(a)));
  float s, c;
  sincos_2pi_f(philox_uniform(b), &s, &c);
  *za = r * c;
  *zb = r * s;
}

// values[e] for the kBatchElements stream elements starting at counter `first`, in stream order.
static inline void batch_values(sg_distribution dist, uint64_t seed, uint64_t first, float p1, float p2,
                                float values[kBatchElements]) {
  uint32_t words[4][kCounterBatch];
  philox_batch(seed, first, words);
  float v[4][kCounterBatch];
  if (dist == SG_DIST_NORMAL) {
    for (size_t j = 0; j < kCounterBatch; ++j) {
      box_muller(words[0][j], words[1][j], &v[0][j], &v[1][j]);
      box_muller(words[2][j], words[3][j], &v[2][j], &v[3][j]);
    }
    for (size_t w = 0; w < 4; ++w)
      for (size_t j = 0; j < kCounterBatch; ++j) v[w][j] = p1 + p2 * v[w][j];
  } else if (dist == SG_DIST_UNIFORM) {
    const float width = p2 - p1;
    for (size_t w = 0; w < 4; ++w)
      for (size_t j = 0; j < kCounterBatch; ++j) v[w][j] = p1 + width * philox_uniform(words[w][j]);
  } else {
    for (size_t w = 0; w < 4; ++w)
      for (size_t j = 0; j < kCounterBatch; ++j) v[w][j] = philox_uniform(words[w][j]) < p1 ? p2 : 0.f;
  }
  for (size_t j = 0; j < kCounterBatch; ++j)
    for (size_t w = 0; w < 4; ++w) values[4 * j + w] = v[w][j];
}

static void random(sg_distribution dist, size_t begin, size_t end, uint64_t seed, uint64_t offset, float p1,
                   float p2, float* out) {
  float values[kBatchElements];
  for (size_t e = begin; e < end; e += kBatchElements) {
    batch_values(dist, seed, offset + e / 4, p1, p2, values);
    size_t len = min_size(kBatchElements, end - e);
    for (size_t i = 0; i < len; ++i) out[e + i] = values[i];
  }
}

static void reparameterize(size_t begin, size_t end, const float* mu, const float* logvar, uint64_t seed,
                           uint64_t offset, float* eps, float* z) {
  float noise[kBatchElements];
  for (size_t e = begin; e < end; e += kBatchElements) {
    batch_values(SG_DIST_NORMAL, seed, offset + e / 4, 0.f, 1.f, noise);
    size_t len = min_size(kBatchElements, end - e);
    for (size_t i = 0; i < len; ++i) z[e + i] = mu[e + i] + noise[i] * exp_f(0.5f * logvar[e + i]);
    if (eps)  // after z: eps may reuse the mu or logvar buffer
      for (size_t i = 0; i < len; ++i) eps[e + i] = noise[i];
  }
}

static void adam(size_t n, float* p, const float* g, float* m, float* v, const AdamStep& s) {
  const float b1 = s.beta1, b2 = s.beta2, a1 = 1.f - s.beta1, a2 = 1.f - s.beta2;
  const float l2 = s.l2, decay = s.decay, step_size = s.step_size, inv_sqrt_bc2 = s.inv_sqrt_bc2, eps = s.eps;
  for (size_t i = 0; i < n; ++i) {
    float grad = g[i] + l2 * p[i];
    float mi = b1 * m[i] + a1 * grad;
    float vi = b2 * v[i] + a2 * grad * grad;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - step_size * mi / (__builtin_sqrtf(vi) * inv_sqrt_bc2 + eps);
  }
}

static void sgd(size_t n, float* p, const float* g, float* velocity, const SgdStep& s) {
  const float lr = s.lr, mom = s.momentum, wd = s.weight_decay;
  if (!velocity) {
    for (size_t i = 0; i < n; ++i) p[i] -= lr * (g[i] + wd * p[i]);
  } else if (s.nesterov) {
    for (size_t i = 0; i < n; ++i) {
      float grad = g[i] + wd * p[i];
      float vi = mom * velocity[i] + grad;
      velocity[i] = vi;
      p[i] -= lr * (grad + mom * vi);
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      float vi = mom * velocity[i] + g[i] + wd * p[i];
      velocity[i] = vi;
      p[i] -= lr * vi;
    }
  }
}

static void lerp(size_t n, float* t, const float* s, float rate) {
  for (size_t i = 0; i < n; ++i) t[i] = lerp_toward(t[i], s[i], rate);
}

}  // namespace sg::cpu::SG_ISA_NS
