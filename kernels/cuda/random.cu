// CUDA random kernels on the Philox4x32-10 stream of kernels.h: uniform, normal and Bernoulli fills and the
// VAE reparameterisation, one thread per counter (bodies/random.cuh). The stream is the CPU's bit for bit,
// so a seeded run draws the same numbers on either device.
#include <cmath>

#include "bodies/random.cuh"
#include "launch.cuh"

namespace sg::cuda {

namespace {

bool valid_parameters(sg_distribution dist, float p1, float p2) {
  switch (dist) {
    case SG_DIST_UNIFORM: return std::isfinite(p1) && std::isfinite(p2) && p1 <= p2;
    case SG_DIST_NORMAL: return std::isfinite(p1) && std::isfinite(p2) && p2 >= 0.f;
    case SG_DIST_BERNOULLI: return p1 >= 0.f && p1 <= 1.f && !std::isnan(p2);
    default: return false;
  }
}

__global__ void random_kernel(sg_distribution dist, size_t n, uint64_t seed, uint64_t offset, float p1, float p2,
                              float* out) {
  body::random_thread(this_thread(), dist, n, seed, offset, p1, p2, out);
}

__global__ void reparameterize_kernel(size_t n, const float* mu, const float* logvar, uint64_t seed, uint64_t offset,
                                      float* eps, float* z) {
  body::reparameterize_thread(this_thread(), n, mu, logvar, seed, offset, eps, z);
}

}  // namespace

sg_status random(sg_stream s, sg_distribution dist, size_t n, uint64_t seed, uint64_t offset, float p1, float p2,
                 float* out) {
  if (!valid_parameters(dist, p1, p2) || (n && !out)) return SG_ERR_ARGUMENT;
  if (n == 0) return SG_OK;
  SG_LAUNCH(random_kernel, body::grid_for(body::counters_for(n)), body::kThreads, to_stream(s))(dist, n, seed, offset, p1,
                                                                                           p2, out);
  return launched(to_stream(s), "random");
}

sg_status reparameterize(sg_stream s, size_t n, const float* mu, const float* logvar, uint64_t seed, uint64_t offset,
                         float* eps, float* z) {
  if (n && (!mu || !logvar || !z)) return SG_ERR_ARGUMENT;
  if (n == 0) return SG_OK;
  SG_LAUNCH(reparameterize_kernel, body::grid_for(body::counters_for(n)), body::kThreads, to_stream(s))(
      n, mu, logvar, seed, offset, eps, z);
  return launched(to_stream(s), "reparameterize");
}

}  // namespace sg::cuda
