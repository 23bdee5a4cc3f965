// Host checks of the CUDA SGEMM bodies: the block loop of gemm.cu (fetch, stash, double-buffered multiply,
// store) emulated per block with shared memory poisoned, both tile shapes, all four transposes, float4 and
// scalar loads, edge tiles, alpha/beta (beta 0 over a NaN C), bias and every activation, and the no-product
// path; each C compared with the CPU GEMM, its gaps (columns n..ldc) checked untouched.
#include <algorithm>

#include "bodies/gemm.cuh"
#include "harness.h"

namespace sg::check {

namespace {

namespace body = sg::cuda::body;
using body::GemmArgs;
constexpr double U = 0x1p-24;
constexpr float kGap = 7.25f;  // C's gaps past column n

// gemm.cu's gemm_kernel for one launch, threads of each barrier interval run one after another.
template <class S>
void emulate_kernel(const GemmArgs& g, bool reverse) {
  const size_t tiles_m = body::ceil_div(g.m, S::BM), tiles_n = body::ceil_div(g.n, S::BN);
  struct Acc {
    float v[S::TM][S::TN];
  };
  std::vector<Acc> acc(S::kThreads);
  std::vector<float> ra(4 * S::kThreads), rb(4 * S::kThreads);
  std::vector<float> as(2 * S::kSmemA), bs(2 * S::kSmemB);
  const size_t shift = mutant == Mutant::gemm_k_shift ? 1 : 0;
  auto each_thread = [&](auto fn) {
    for (unsigned i = 0; i < unsigned(S::kThreads); ++i) fn(reverse ? S::kThreads - 1 - i : i);
  };
  for (size_t block = 0; block < tiles_m * tiles_n; ++block) {
    size_t tile_m, tile_n;
    body::gemm_tile_of_block(block, tiles_m, mutant == Mutant::gemm_tiles_square ? tiles_m : tiles_n, &tile_m, &tile_n);
    const size_t m0 = tile_m * S::BM, n0 = tile_n * S::BN;
    std::fill(as.begin(), as.end(), NAN);  // shared memory starts as garbage
    std::fill(bs.begin(), bs.end(), NAN);
    for (auto& a : acc) std::fill(&a.v[0][0], &a.v[0][0] + S::TM * S::TN, 0.f);
    each_thread([&](unsigned tid) {
      body::gemm_fetch_a<S>(g, m0, 0, tid, &ra[4 * tid]);
      body::gemm_fetch_b<S>(g, n0, shift, tid, &rb[4 * tid]);
      body::gemm_stash_a<S>(g.trans_a, &ra[4 * tid], tid, as.data());
      body::gemm_stash_b<S>(g.trans_b, &rb[4 * tid], tid, bs.data());
    });
    const size_t steps = body::ceil_div(g.k, S::BK);
    for (size_t step = 0; step < steps; ++step) {  // one barrier interval per step
      const int cur = int(step & 1);
      const bool more = step + 1 < steps;
      each_thread([&](unsigned tid) {
        if (more) {
          body::gemm_fetch_a<S>(g, m0, (step + 1) * S::BK, tid, &ra[4 * tid]);
          body::gemm_fetch_b<S>(g, n0, (step + 1) * S::BK + shift, tid, &rb[4 * tid]);
        }
        body::gemm_multiply_tile<S>(as.data() + cur * S::kSmemA, bs.data() + cur * S::kSmemB, tid, acc[tid].v);
        if (more) {
          const int next = mutant == Mutant::gemm_stash_current ? cur : cur ^ 1;
          body::gemm_stash_a<S>(g.trans_a, &ra[4 * tid], tid, as.data() + next * S::kSmemA);
          body::gemm_stash_b<S>(g.trans_b, &rb[4 * tid], tid, bs.data() + next * S::kSmemB);
        }
      });
    }
    each_thread([&](unsigned tid) { body::gemm_store<S>(g, m0, n0, tid, acc[tid].v); });
  }
}

// A stored matrix of rows x cols with leading dimension ld, gaps NaN, starting `skew` floats into `store`.
const float* stored(std::vector<float>& store, Rng& r, size_t rows, size_t cols, size_t ld, size_t skew) {
  store.assign(skew + (rows ? (rows - 1) * ld + cols : 0) + 1, NAN);
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j) store[skew + i * ld + j] = r.uniform();
  return store.data() + skew;
}

struct Case {
  bool ta, tb;
  size_t m, n, k;
  float alpha, beta;
  bool bias;
  sg_unary_op act;
  bool aligned;  // float4 loads possible (leading dimensions multiples of 4, aligned bases)
  int shape;     // 0: the launcher's choice for 132 SMs, 1: large tiles, 2: small tiles
  bool reverse;
};

void run_case(const Case& c) {
  Rng r(c.m * 131 + c.n * 17 + c.k + c.ta * 2 + c.tb);
  const size_t a_rows = c.ta ? c.k : c.m, a_cols = c.ta ? c.m : c.k;
  const size_t b_rows = c.tb ? c.n : c.k, b_cols = c.tb ? c.k : c.n;
  auto ld_for = [&](size_t cols) { return c.aligned ? (cols + 3) / 4 * 4 + 4 : (cols % 4 == 3 ? cols + 2 : cols + 1); };
  std::vector<float> a_store, b_store, bias_store;
  const size_t lda = ld_for(a_cols), ldb = ld_for(b_cols), ldc = c.n + 5;
  const float* a = stored(a_store, r, a_rows, a_cols, lda, 0);
  const float* b = stored(b_store, r, b_rows, b_cols, ldb, c.aligned ? 0 : 1);
  const float* bias = c.bias ? stored(bias_store, r, 1, c.n, c.n, 0) : nullptr;
  std::vector<float> cmat(c.m * ldc, kGap);
  for (size_t i = 0; i < c.m; ++i)
    for (size_t j = 0; j < c.n; ++j) cmat[i * ldc + j] = c.beta == 0.f ? NAN : r.uniform();
  std::vector<float> expected = cmat;

  const GemmArgs g{c.m, c.n, c.k, c.alpha, c.beta, a, lda, b, ldb, cmat.data(), ldc, bias, c.act, 0.1f, c.ta, c.tb,
                   body::aligned16(a) && lda % 4 == 0, body::aligned16(b) && ldb % 4 == 0};
  const bool small = c.shape == 2 || (c.shape == 0 && body::gemm_use_small(c.m, c.n, 132));
  if (c.k == 0 || c.alpha == 0.f) {
    for_each_thread(body::grid_for(c.m * c.n), body::kThreads, [&](Thread t) { body::gemm_no_product_thread(t, g); },
                    c.reverse);
  } else if (small) {
    emulate_kernel<body::GemmSmall>(g, c.reverse);
  } else {
    emulate_kernel<body::GemmLarge>(g, c.reverse);
  }
  sg_cpu_kernels()->gemm(nullptr, c.ta, c.tb, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, expected.data(), ldc,
                         bias, c.act, 0.1f);

  // tolerance: float rounding of a k-term dot product, on the magnitudes of its terms
  std::vector<double> tol(cmat.size(), 0.0);
  for (size_t i = 0; i < c.m; ++i)
    for (size_t j = 0; j < c.n; ++j) {
      double scale = 0;
      for (size_t p = 0; p < c.k && c.alpha != 0.f; ++p)
        scale += std::fabs(double(c.ta ? a[p * lda + i] : a[i * lda + p]) * double(c.tb ? b[j * ldb + p] : b[p * ldb + j]));
      scale = std::fabs(c.alpha) * scale + (bias ? std::fabs(bias[j]) : 0.0) + 4.0;  // beta C: |C| < 1, |beta| <= 2
      tol[i * ldc + j] = (8 * std::sqrt(double(c.k) + 1) + 8) * U * scale;
    }
  static const char* const acts[] = {"none", "relu", "leaky_relu", "sigmoid", "tanh"};
  char name[200];
  std::snprintf(name, sizeof name, "gemm %c%c %zux%zux%zu alpha %g beta %g%s %s, %s tiles, %s loads%s",
                c.ta ? 'T' : 'N', c.tb ? 'T' : 'N', c.m, c.n, c.k, c.alpha, c.beta, c.bias ? " bias" : "", acts[c.act],
                small ? "64x64" : "128x128", g.vec_a || g.vec_b ? "float4" : "scalar",
                c.reverse ? ", threads reversed" : "");
  report(name, compare_tol(cmat, expected, tol));  // gaps: tolerance 0, must still be kGap
}

}  // namespace

void check_gemm() {
  const size_t sizes[][3] = {{1, 1, 1},   {7, 9, 5},   {33, 65, 17},   {129, 130, 131}, {64, 64, 16},
                             {128, 128, 8}, {200, 70, 300}, {1, 300, 129}, {300, 1, 7}};
  const float scalars[][2] = {{1.f, 0.f}, {0.75f, -1.25f}, {-2.f, 0.f}, {0.5f, 0.5f}};
  int i = 0;
  for (const auto& s : sizes)
    for (int t = 0; t < 4; ++t)
      for (int shape = 1; shape <= 2; ++shape)
        for (bool aligned : {true, false}) {
          const auto& ab = scalars[i % 4];
          run_case({bool(t & 2), bool(t & 1), s[0], s[1], s[2], ab[0], ab[1], false, SG_UNARY_AFFINE, aligned, shape,
                    i % 3 == 0});
          ++i;
        }
  // bias and every activation, all transposes, the launcher's tile choice
  for (int act = SG_UNARY_AFFINE; act <= SG_UNARY_TANH; ++act)
    for (int t = 0; t < 4; ++t)
      run_case({bool(t & 2), bool(t & 1), 37, 45, 29, 1.5f, act % 2 ? 0.5f : 0.f, true, sg_unary_op(act), t % 2 == 0,
                0, false});
  run_case({false, false, 513, 260, 67, 1.f, 0.f, true, SG_UNARY_RELU, true, 0, false});  // large tiles, 5 x 3
  // more tile rows than a swizzle group (kGroupRows): full groups and a partial last one
  run_case({false, true, 64 * 19 + 3, 197, 9, 1.f, 0.f, false, SG_UNARY_AFFINE, true, 2, false});   // 20 x 4 tiles
  run_case({true, false, 1100, 300, 5, -1.f, 0.5f, true, SG_UNARY_AFFINE, false, 1, true});         // 9 x 3 tiles
  // no product: k == 0, or alpha == 0 (A and B unread, NaN in them must not matter)
  run_case({false, true, 7, 9, 0, 1.f, 0.5f, true, SG_UNARY_TANH, false, 0, false});
  run_case({true, false, 33, 5, 11, 0.f, -1.f, true, SG_UNARY_SIGMOID, true, 0, true});
  run_case({false, false, 4, 6, 0, 1.f, 0.f, false, SG_UNARY_RELU, true, 0, false});
}

}  // namespace sg::check
