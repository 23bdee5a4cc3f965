// The host checker's harness. The checks call the entries of kernels/cuda/*.cu compiled for the host
// (host_cuda.h runs their launches thread by thread, barriers and all) and compare what they wrote with the CPU
// kernels (sg_cpu_kernels()). Every check runs twice, its launches' threads in forward and then in reverse order
// within each barrier interval, so a kernel that reads what another thread of the same interval writes shows
// up as a mismatch. Outputs start as NaN, so an element no thread writes fails too. A few checks call the
// bodies (kernels/cuda/bodies/) directly, over grids or index types the launchers pick only for sizes beyond a
// host's patience.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bodies/common.cuh"
#include "cuda_internal.cuh"

namespace sg::check {

using sg::cuda::body::Thread;

// Records one case: prints `ok  name` or `FAIL name: why` and counts failures. A launch that failed or an entry
// that refused its call since the last report (gpu()) fails the case too.
void report(const std::string& name, const std::string& failure);

// Checks the status an entry returned, kept for the next report.
void gpu(sg_status status, const char* entry);

// The stream of host device `device` (device.cu's, compiled for the host), made current: an entry called directly
// (not through the kernel table) launches into a stream of the current device.
inline sg_stream device_stream(int device) {
  sg::cuda::use_device(device);
  return sg_cuda_stream(device);
}

int cases_run();
int cases_failed();

// Deterministic uniform floats (xorshift), independent of the code under test.
struct Rng {
  uint64_t state;
  explicit Rng(uint64_t seed) : state(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
  float uniform(float lo = -1.f, float hi = 1.f) { return lo + (hi - lo) * float(next() >> 40) * 0x1p-24f; }
  std::vector<float> floats(size_t n, float lo = -1.f, float hi = 1.f) {
    std::vector<float> v(n);
    for (float& x : v) x = uniform(lo, hi);
    return v;
  }
};

inline std::vector<float> nans(size_t n) { return std::vector<float>(n, NAN); }

// "" when |actual - expected| <= atol + rtol |expected| everywhere (NaN matches NaN only where `nan_ok`,
// equal infinities match), else a description of the worst element.
std::string compare(const std::vector<float>& actual, const std::vector<float>& expected, double atol, double rtol,
                    bool nan_ok = false);
// The same with a per-element tolerance.
std::string compare_tol(const std::vector<float>& actual, const std::vector<float>& expected,
                        const std::vector<double>& tol);
// Bit-for-bit equality.
std::string compare_bits(const std::vector<float>& actual, const std::vector<float>& expected);

// Runs body(Thread) for every thread of a 1-D launch of `blocks` x `threads` (a body without barriers).
template <class Body>
void for_each_thread(unsigned blocks, unsigned threads, Body body) {
  for (unsigned b = 0; b < blocks; ++b)
    for (unsigned j = 0; j < threads; ++j) body(Thread{b, j, blocks, threads});
}

// ---- the checks, one function per kernel family ----
void check_elementwise();
void check_reductions();
void check_softmaxes();
void check_row_losses();
void check_random();
void check_optim();
void check_gemm();
void check_batchnorm();
void check_faults();
void check_memory();
void check_devices();

}  // namespace sg::check
