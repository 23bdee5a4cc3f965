// Host checks of the CUDA random bodies and entries: the Philox4x32-10 words against the CPU's
// kernels/cpu/philox.h bit for bit (seeds and counters using their high 32 bits too), and random.cu's
// random / reparameterize against the CPU kernels: uniform in [0, 1) and Bernoulli bit for bit, normals to float rounding.
#include "../../cpu/philox.h"
#include "bodies/random.cuh"
#include "harness.h"

namespace sg::check {

namespace {

namespace body = sg::cuda::body;
const sg_kernels& cpu() { return *sg_cpu_kernels(); }
const char* const kDistNames[] = {"uniform", "normal", "bernoulli"};

void check_words() {
  const uint64_t seeds[] = {0, 1, 42, 0xffffffffull, 0x123456789abcdefull, ~0ull};
  const uint64_t starts[] = {0, 1, 0xfffffff0ull, 0x100000000ull, ~0ull - 100};
  size_t compared = 0;
  std::string failure;
  for (uint64_t seed : seeds)
    for (uint64_t start : starts)
      for (uint64_t i = 0; i < 200 && failure.empty(); ++i) {
        uint32_t gpu[4], ref[4];
        body::philox_words(seed, start + i, gpu);
        sg::cpu::philox_words(seed, start + i, ref);
        for (int w = 0; w < 4; ++w)
          if (gpu[w] != ref[w]) {
            char text[160];
            std::snprintf(text, sizeof text, "seed %llx counter %llx word %d: %08x, CPU %08x", (unsigned long long)seed,
                          (unsigned long long)(start + i), w, gpu[w], ref[w]);
            failure = text;
          }
        compared += 4;
      }
  report("philox words equal the CPU's bit for bit (" + std::to_string(compared) + " words)", failure);
  // Random123's known-answer vector for counter 0, key 0 (seed 0, counter 0 in the kernels.h mapping)
  uint32_t w[4];
  body::philox_words(0, 0, w);
  const uint32_t known[4] = {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u};
  report("philox known-answer vector (Random123, counter 0, key 0)",
         w[0] == known[0] && w[1] == known[1] && w[2] == known[2] && w[3] == known[3] ? "" : "differs");
}

// blocks == 0: the launcher's grid; else that many blocks, so that threads loop over several counters.
void check_distribution(sg_distribution dist, size_t n, uint64_t seed, uint64_t offset, float p1, float p2,
                        unsigned blocks = 0) {
  std::vector<float> out = nans(n), expected = nans(n);
  if (blocks == 0) {
    gpu(sg::cuda::random(nullptr, dist, n, seed, offset, p1, p2, out.data()), "random");
  } else {
    for_each_thread(blocks, body::kThreads,
                    [&](Thread t) { body::random_thread(t, dist, n, seed, offset, p1, p2, out.data()); });
  }
  cpu().random(nullptr, dist, n, seed, offset, p1, p2, expected.data());
  char params[96];
  std::snprintf(params, sizeof params, " n=%zu seed=%llu offset=%llu p1=%g p2=%g", n, (unsigned long long)seed,
                (unsigned long long)offset, p1, p2);
  // uniform(0, 1) and Bernoulli values are exact functions of the words; a general uniform p1 + w u may
  // round differently where the CPU build fuses the multiply-add; normals go through log and sincos.
  const bool exact = dist == SG_DIST_BERNOULLI || (dist == SG_DIST_UNIFORM && p1 == 0.f && p2 == 1.f);
  const std::string failure =
      exact ? compare_bits(out, expected)
            : compare(out, expected, 2 * 0x1p-24 * (std::fabs(p1) + std::fabs(p2 - p1) + (dist == SG_DIST_NORMAL ? 8 : 0)),
                      dist == SG_DIST_NORMAL ? 2e-6 : 0x1p-24);  // p1 + w u: ulps of |p1| + |w|
  report(std::string("random ") + kDistNames[dist] + params + (blocks ? " on a 3-block grid (body)" : ""), failure);
}

void check_reparameterize(size_t n, uint64_t seed, uint64_t offset, bool with_eps) {
  Rng r(n + seed);
  const std::vector<float> mu = r.floats(n), logvar = r.floats(n, -3.f, 1.f);
  std::vector<float> z = nans(n), eps = nans(n), z_cpu = nans(n), eps_cpu = nans(n);
  float* e = with_eps ? eps.data() : nullptr;
  gpu(sg::cuda::reparameterize(nullptr, n, mu.data(), logvar.data(), seed, offset, e, z.data()), "reparameterize");
  cpu().reparameterize(nullptr, n, mu.data(), logvar.data(), seed, offset, with_eps ? eps_cpu.data() : nullptr,
                       z_cpu.data());
  std::string failure = compare(z, z_cpu, 4e-6, 4e-6);
  if (with_eps) failure += compare(eps, eps_cpu, 2e-6, 2e-6);
  report("reparameterize n=" + std::to_string(n) + " offset=" + std::to_string(offset) +
             (with_eps ? " with eps" : " without eps"),
         failure);
}

}  // namespace

void check_random() {
  check_words();
  for (size_t n : {1, 3, 4, 7, 129, 1000, 100003})
    for (int d = SG_DIST_UNIFORM; d <= SG_DIST_BERNOULLI; ++d) {
      const sg_distribution dist = sg_distribution(d);
      const float p1 = dist == SG_DIST_BERNOULLI ? 0.3f : dist == SG_DIST_UNIFORM ? 0.f : 0.f;
      const float p2 = dist == SG_DIST_BERNOULLI ? 1.f / 0.7f : 1.f;
      check_distribution(dist, n, 1234 + n, n * 13, p1, p2);
    }
  check_distribution(SG_DIST_UNIFORM, 1001, 7, 5, -2.5f, 3.f);
  check_distribution(SG_DIST_NORMAL, 1001, 7, 5, 1.5f, 0.25f);
  check_distribution(SG_DIST_NORMAL, 4099, 0x1234567890ull, 0xfffffffeull, 0.f, 1.f);  // offset crosses 2^32
  // a grid smaller than the counters (as past the launcher's grid cap): each thread loops
  check_distribution(SG_DIST_UNIFORM, 100003, 99, 3, 0.f, 1.f, 3);
  check_distribution(SG_DIST_NORMAL, 100003, 99, 3, 0.f, 1.f, 3);
  for (size_t n : {1, 7, 129, 1000})
    for (bool with_eps : {true, false}) check_reparameterize(n, 77, n, with_eps);
}

}  // namespace sg::check
