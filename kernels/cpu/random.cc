// CPU random kernels on the Philox4x32-10 stream of kernels.h: uniform, normal and Bernoulli fills, and the
// VAE reparameterisation z = mu + eps exp(logvar / 2). Work is split on counter boundaries (4 elements),
// so every element gets the same number whatever the thread count.
#include <cmath>

#include "cpu_internal.h"
#include "cpu_kernels.h"
#include "simd.h"

namespace sg::cpu {

namespace {

constexpr size_t kGrainCounters = kGrainElements / 4;

// Runs fn(first_element, end_element) over [0, n) in chunks that start on a counter boundary.
template <class F>
void for_each_counter_chunk(size_t n, F fn) {
  const size_t counters = n / 4 + (n % 4 != 0);
  parallel_for(counters, kGrainCounters, [&](size_t lo, size_t hi) {
    const size_t end = hi * 4 < n ? hi * 4 : n;
    fn(lo * 4, end);
  });
}

bool valid_parameters(sg_distribution dist, float p1, float p2) {
  switch (dist) {
    case SG_DIST_UNIFORM: return std::isfinite(p1) && std::isfinite(p2) && p1 <= p2;
    case SG_DIST_NORMAL: return std::isfinite(p1) && std::isfinite(p2) && p2 >= 0.f;
    case SG_DIST_BERNOULLI: return p1 >= 0.f && p1 <= 1.f && !std::isnan(p2);
    default: return false;
  }
}

}  // namespace

sg_status random(sg_stream, sg_distribution dist, size_t n, uint64_t seed, uint64_t offset, float p1, float p2,
                 float* out) {
  if (!valid_parameters(dist, p1, p2) || missing(out, n)) return SG_ERR_ARGUMENT;
  const SimdKernels& k = simd();
  for_each_counter_chunk(n, [&](size_t begin, size_t end) { k.random(dist, begin, end, seed, offset, p1, p2, out); });
  return SG_OK;
}

sg_status reparameterize(sg_stream, size_t n, const float* mu, const float* logvar, uint64_t seed,
                         uint64_t offset, float* eps, float* z) {
  if (missing(mu, n) || missing(logvar, n) || missing(z, n)) return SG_ERR_ARGUMENT;
  const SimdKernels& k = simd();
  for_each_counter_chunk(n, [&](size_t begin, size_t end) {
    k.reparameterize(begin, end, mu, logvar, seed, offset, eps, z);
  });
  return SG_OK;
}

}  // namespace sg::cpu
