// Host checks of the CUDA SGEMM entry (gemm.cu): both tile shapes, all four transposes, float4 and scalar
// loads, edge tiles, alpha/beta (beta 0 over a NaN C), bias and every activation, and the no-product path; each
// C compared with the CPU GEMM, its gaps (columns n..ldc) checked untouched. The tile shape is the entry's
// choice for the multiprocessors of the stream's device (host_cuda.h): 132 (cuda:0), 1 (cuda:1: always the large
// tiles) or 2^30 (cuda:2: always the small ones).
#include "bodies/gemm.cuh"
#include "harness.h"
#include "host_cuda.h"

namespace sg::check {

namespace {

namespace body = sg::cuda::body;
constexpr double U = 0x1p-24;
constexpr float kGap = 7.25f;  // C's gaps past column n

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
  int shape;     // the device: 0, the launcher's choice for 132 SMs; 1, large tiles; 2, small tiles
};

void run_case(const Case& c) {
  Rng r(c.m * 131 + c.n * 17 + c.k + c.ta * 2 + c.tb);
  const size_t a_rows = c.ta ? c.k : c.m, a_cols = c.ta ? c.m : c.k;
  const size_t b_rows = c.tb ? c.n : c.k, b_cols = c.tb ? c.k : c.n;
  auto ld_for = [&](size_t cols) { return c.aligned ? (cols + 3) / 4 * 4 + 4 : (cols % 4 == 3 ? cols + 2 : cols + 1); };
  std::vector<float> a_store, b_store, bias_store;
  const size_t lda = ld_for(a_cols), ldb = ld_for(b_cols), ldc = c.aligned ? (c.n + 3) / 4 * 4 + 4 : c.n + 5;
  const float* a = stored(a_store, r, a_rows, a_cols, lda, 0);
  const float* b = stored(b_store, r, b_rows, b_cols, ldb, c.aligned ? 0 : 1);
  const float* bias = c.bias ? stored(bias_store, r, 1, c.n, c.n, 0) : nullptr;
  std::vector<float> cmat(c.m * ldc, kGap);
  for (size_t i = 0; i < c.m; ++i)
    for (size_t j = 0; j < c.n; ++j) cmat[i * ldc + j] = c.beta == 0.f ? NAN : r.uniform();
  std::vector<float> expected = cmat;

  const bool vec_a = body::aligned16(a) && lda % 4 == 0, vec_b = body::aligned16(b) && ldb % 4 == 0;
  const int sms = c.shape == 0 ? 132 : c.shape == 1 ? 1 : 1 << 30;
  const bool small = body::gemm_use_small(c.m, c.n, sms);
  const size_t tiles = small ? body::ceil_div(c.m, 64) * body::ceil_div(c.n, 64)
                             : body::ceil_div(c.m, 128) * body::ceil_div(c.n, 128);
  const size_t slice_k = small ? body::gemm_slice_k<body::GemmSmall>(tiles, c.k, sms)
                               : body::gemm_slice_k<body::GemmLarge>(tiles, c.k, sms);
  const size_t slices = c.k == 0 ? 1 : body::ceil_div(c.k, slice_k);
  gpu(sg::cuda::gemm(device_stream(c.shape), c.ta, c.tb, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, cmat.data(),
                     ldc, bias, c.act, 0.1f),
      "gemm");
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
  std::snprintf(name, sizeof name, "gemm %c%c %zux%zux%zu alpha %g beta %g%s %s, %s tiles, %s loads, %s%s",
                c.ta ? 'T' : 'N', c.tb ? 'T' : 'N', c.m, c.n, c.k, c.alpha, c.beta, c.bias ? " bias" : "", acts[c.act],
                small ? "64x64" : "128x128", vec_a || vec_b ? "float4" : "scalar",
                slices > 1 ? ("k in " + std::to_string(slices) + " slices").c_str() : "k whole",
                ldc % 4 == 0 && body::aligned16(cmat.data()) ? ", float4 stores" : "");
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
          run_case({bool(t & 2), bool(t & 1), s[0], s[1], s[2], ab[0], ab[1], false, SG_UNARY_AFFINE, aligned, shape});
          ++i;
        }
  // bias and every activation, all transposes, the launcher's tile choice
  for (int act = SG_UNARY_AFFINE; act <= SG_UNARY_TANH; ++act)
    for (int t = 0; t < 4; ++t)
      run_case({bool(t & 2), bool(t & 1), 37, 45, 29, 1.5f, act % 2 ? 0.5f : 0.f, true, sg_unary_op(act), t % 2 == 0,
                0});
  run_case({false, false, 513, 260, 67, 1.f, 0.f, true, SG_UNARY_RELU, true, 0});  // small tiles at 132 SMs
  run_case({false, false, 1536, 1408, 9, 1.f, 0.f, true, SG_UNARY_AFFINE, true, 0});  // 12 x 11 large tiles fill 132
  // the training shapes of a 784-500-... network at batch 100 (forward, input gradient, weight gradient) and
  // 128 x 250 x 1000: k split over the idle multiprocessors
  run_case({false, true, 100, 500, 784, 1.f, 0.f, true, SG_UNARY_RELU, true, 0});
  run_case({false, false, 100, 784, 500, 1.f, 0.f, false, SG_UNARY_AFFINE, true, 0});
  run_case({true, false, 784, 500, 100, 1.f, 1.f, false, SG_UNARY_AFFINE, true, 0});
  run_case({false, true, 128, 250, 1000, 0.5f, 0.25f, true, SG_UNARY_TANH, false, 0});
  run_case({true, true, 33, 7, 4099, 1.f, 0.f, false, SG_UNARY_AFFINE, false, 0});  // 16 slices, the last short
  // more tile rows than a swizzle group (kGroupRows): full groups and a partial last one
  run_case({false, true, 64 * 19 + 3, 197, 9, 1.f, 0.f, false, SG_UNARY_AFFINE, true, 2});   // 20 x 4 tiles
  run_case({true, false, 1100, 300, 5, -1.f, 0.5f, true, SG_UNARY_AFFINE, false, 1});         // 9 x 3 tiles
  // no product: k == 0, or alpha == 0 (A and B unread, NaN in them must not matter)
  run_case({false, true, 7, 9, 0, 1.f, 0.5f, true, SG_UNARY_TANH, false, 0});
  run_case({true, false, 33, 5, 11, 0.f, -1.f, true, SG_UNARY_SIGMOID, true, 0});
  run_case({false, false, 4, 6, 0, 1.f, 0.f, false, SG_UNARY_RELU, true, 0});
}

}  // namespace sg::check
