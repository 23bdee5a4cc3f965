// Bodies of the CUDA random kernels: Philox4x32-10 (Salmon et al., SC 2011) mapped onto (seed, offset,
// element) exactly as kernels.h fixes it, so the GPU stream is the CPU's bit for bit, and the uniform,
// Box-Muller normal and Bernoulli transforms of kernels/cpu/simd_random_optim.h. One thread makes the four
// elements of one counter.
#pragma once

#include "math.cuh"

namespace sg::cuda::body {

constexpr uint32_t kPhiloxM0 = 0xD2511F53u;  // round multipliers
constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;  // key schedule increments (golden ratio, sqrt 3 - 1)
constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;

SG_HD uint32_t mul_hi(uint32_t a, uint32_t b) {
#if defined(__CUDA_ARCH__)
  return __umulhi(a, b);
#else
  return uint32_t((uint64_t(a) * b) >> 32);
#endif
}

// The four words of stream position `counter`: counter words (counter lo, counter hi, 0, 0), key (seed lo,
// seed hi), ten rounds, the key bumped after each.
SG_HD void philox_words(uint64_t seed, uint64_t counter, uint32_t w[4]) {
  uint32_t c0 = uint32_t(counter), c1 = uint32_t(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int round = 0; round < 10; ++round) {
    const uint32_t hi0 = mul_hi(kPhiloxM0, c0), lo0 = kPhiloxM0 * c0;
    const uint32_t hi1 = mul_hi(kPhiloxM1, c2), lo1 = kPhiloxM1 * c2;
    const uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c1 = lo1;
    c3 = lo0;
    c0 = n0;
    c2 = n2;
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  w[0] = c0, w[1] = c1, w[2] = c2, w[3] = c3;
}

// A word as a uniform float in [0, 1): its top 24 bits times 2^-24 (exact).
SG_HD float philox_uniform(uint32_t word) { return float(int32_t(word >> 8)) * 0x1p-24f; }

// Box-Muller on words (a, b): r = sqrt(-2 log(1 - u_a)), z_a = r cos(2 pi u_b), z_b = r sin(2 pi u_b).
SG_HD void box_muller(uint32_t a, uint32_t b, float* za, float* zb) {
  const float r = sqrt_f(-2.f * log_f(1.f - philox_uniform(a)));
  float s, c;
  sincos_2pi_f(philox_uniform(b), &s, &c);
  *za = r * c;
  *zb = r * s;
}

// The four values of one counter's words under a distribution with parameters p1, p2.
SG_HD void distribution_values(sg_distribution dist, const uint32_t w[4], float p1, float p2, float v[4]) {
  if (dist == SG_DIST_NORMAL) {
    box_muller(w[0], w[1], &v[0], &v[1]);
    box_muller(w[2], w[3], &v[2], &v[3]);
    for (int j = 0; j < 4; ++j) v[j] = p1 + p2 * v[j];
  } else if (dist == SG_DIST_UNIFORM) {
    const float width = p2 - p1;
    for (int j = 0; j < 4; ++j) v[j] = p1 + width * philox_uniform(w[j]);
  } else {
    for (int j = 0; j < 4; ++j) v[j] = philox_uniform(w[j]) < p1 ? p2 : 0.f;
  }
}

SG_HD size_t counters_for(size_t n) { return n / 4 + (n % 4 != 0); }

// Grid-stride over counters: counter j gives elements 4j .. 4j+3 (those below n).
SG_HD void random_thread(Thread t, sg_distribution dist, size_t n, uint64_t seed, uint64_t offset, float p1, float p2,
                         float* out) {
  const size_t counters = counters_for(n);
  for (size_t j = t.first(); j < counters; j += t.stride()) {
    uint32_t w[4];
    float v[4];
    philox_words(seed, offset + j, w);
    distribution_values(dist, w, p1, p2, v);
    const size_t e = 4 * j;
    for (size_t q = 0; q < 4 && e + q < n; ++q) out[e + q] = v[q];
  }
}

// z = mu + eps exp(logvar / 2), eps ~ N(0, 1) from the stream; eps is written after z, since it may reuse
// the mu or logvar buffer.
SG_HD void reparameterize_thread(Thread t, size_t n, const float* mu, const float* logvar, uint64_t seed,
                                 uint64_t offset, float* eps, float* z) {
  const size_t counters = counters_for(n);
  for (size_t j = t.first(); j < counters; j += t.stride()) {
    uint32_t w[4];
    float noise[4];
    philox_words(seed, offset + j, w);
    distribution_values(SG_DIST_NORMAL, w, 0.f, 1.f, noise);
    const size_t e = 4 * j;
    for (size_t q = 0; q < 4 && e + q < n; ++q) {
      const float zq = mu[e + q] + noise[q] * exp_f(0.5f * logvar[e + q]);
      z[e + q] = zq;
      if (eps) eps[e + q] = noise[q];
    }
  }
}

}  // namespace sg::cuda::body
