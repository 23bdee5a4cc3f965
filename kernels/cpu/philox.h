// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), the counter-based
// generator behind every random kernel; kernels.h fixes how (seed, offset, element) map onto it. The
// functions are static so that each translation unit (each ISA build) keeps its own copy.
#pragma once

#include <cstdint>

namespace sg::cpu {

constexpr uint32_t kPhiloxM0 = 0xD2511F53u;  // round multipliers
constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;  // key schedule increments (golden ratio, sqrt 3 - 1)
constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;
constexpr int kPhiloxRounds = 10;

// One Philox round on a 4-word counter with a 2-word key.
static inline void philox_round(uint32_t& c0, uint32_t& c1, uint32_t& c2, uint32_t& c3, uint32_t k0, uint32_t k1) {
  uint64_t p0 = uint64_t(kPhiloxM0) * c0;
  uint64_t p1 = uint64_t(kPhiloxM1) * c2;
  uint32_t n0 = uint32_t(p1 >> 32) ^ c1 ^ k0;
  uint32_t n2 = uint32_t(p0 >> 32) ^ c3 ^ k1;
  c1 = uint32_t(p1);
  c3 = uint32_t(p0);
  c0 = n0;
  c2 = n2;
}

// The reference form: out = Philox4x32-10(counter, key).
static inline void philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]) {
  uint32_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
  uint32_t k0 = key[0], k1 = key[1];
  for (int r = 0; r < kPhiloxRounds; ++r) {
    philox_round(c0, c1, c2, c3, k0, k1);
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

// The four words of stream position `counter` (kernels.h: low 64 counter bits, high 64 zero; key = seed).
static inline void philox_words(uint64_t seed, uint64_t counter, uint32_t out[4]) {
  const uint32_t c[4] = {uint32_t(counter), uint32_t(counter >> 32), 0u, 0u};
  const uint32_t k[2] = {uint32_t(seed), uint32_t(seed >> 32)};
  philox4x32_10(c, k, out);
}

// A Philox word as a uniform float in [0, 1): its top 24 bits times 2^-24 (exact in float).
static inline float philox_uniform(uint32_t word) { return float(int32_t(word >> 8)) * 0x1p-24f; }

}  // namespace sg::cpu
