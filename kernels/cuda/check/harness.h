// The host checker's harness: runs CUDA kernel bodies (kernels/cuda/bodies/) over the grid their launcher
// would use, thread by thread, and compares what they wrote with the CPU kernels (sg_cpu_kernels()).
// Between two barriers a kernel's threads run one after another (a legal GPU schedule), in forward or
// reverse order, so a body that reads what another thread of the same interval writes shows up as a
// mismatch. Outputs start as NaN, so an element no thread writes fails too.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bodies/common.cuh"
#include "bodies/rows.cuh"

namespace sg::check {

using sg::cuda::body::Team;
using sg::cuda::body::Thread;

// Deliberate mistakes the harness can inject, to show that the checks catch them (`--mutants`).
enum class Mutant { none, grid_short, binary_modes_swapped, team_stride_doubled, philox_counter, gemm_k_shift,
                    gemm_tiles_square, gemm_stash_current, adam_batch_skip, batchnorm_one_buffer,
                    batchnorm_barrier_dropped };
extern Mutant mutant;

// Records one case: prints `ok  name` or `FAIL name: why` and counts failures.
void report(const std::string& name, const std::string& failure);
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

// Runs body(Thread) for every thread of a 1-D launch of `blocks` x `threads`, reversed when `reverse`.
template <class Body>
void for_each_thread(unsigned blocks, unsigned threads, Body body, bool reverse = false) {
  const unsigned run = mutant == Mutant::grid_short && blocks > 1 ? blocks - 1 : blocks;
  for (unsigned i = 0; i < run; ++i) {
    const unsigned b = reverse ? run - 1 - i : i;
    for (unsigned j = 0; j < threads; ++j) body(Thread{b, reverse ? threads - 1 - j : j, blocks, threads});
  }
}

// The team reductions of kernels/cuda/launch.cuh: a warp's xor butterfly (every lane ends with the same
// value), and for a block team each warp's butterfly then the warp results in warp order.
template <class Op>
float warp_reduce(const float* v, Op op) {
  float lanes[32];
  for (int l = 0; l < 32; ++l) lanes[l] = v[l];
  for (int offset = 16; offset > 0; offset >>= 1) {
    float next[32];
    for (int l = 0; l < 32; ++l) next[l] = op(lanes[l], lanes[l ^ offset]);
    for (int l = 0; l < 32; ++l) lanes[l] = next[l];
  }
  return lanes[0];
}

template <class Op>
float team_reduce(const std::vector<float>& partial, unsigned lanes, Op op) {
  if (lanes == 32) return warp_reduce(partial.data(), op);
  float r = warp_reduce(partial.data(), op);
  for (unsigned w = 1; w < lanes / 32; ++w) r = op(r, warp_reduce(partial.data() + 32 * w, op));
  return r;
}

// Calls fn(team) for every team of a row launch over `rows` rows with `lanes` lanes (lane field 0):
// the launch of kernels/cuda/reduce.cu and losses.cu.
template <class Fn>
void for_each_team(size_t rows, unsigned lanes, Fn fn) {
  using namespace sg::cuda::body;
  const unsigned blocks = row_blocks(rows, lanes);
  const unsigned team_lanes = mutant == Mutant::team_stride_doubled ? lanes * 2 : lanes;
  for (unsigned b = 0; b < blocks; ++b)
    for (unsigned first = 0; first < kThreads; first += lanes) {
      Team t = team_of(Thread{b, first, blocks, kThreads}, lanes);
      t.lanes = team_lanes;
      fn(t);
    }
}

// Partial values of every lane of team t: partial[l] = f(team with lane l).
template <class F>
std::vector<float> lane_values(Team t, unsigned lanes, F f) {
  std::vector<float> partial(lanes);
  for (unsigned l = 0; l < lanes; ++l) {
    t.lane = l;
    partial[l] = f(t);
  }
  return partial;
}

// ---- the checks, one function per kernel family ----
void check_elementwise();
void check_rows();
void check_random();
void check_optim();
void check_gemm();
void check_batchnorm();
void check_faults();

}  // namespace sg::check
