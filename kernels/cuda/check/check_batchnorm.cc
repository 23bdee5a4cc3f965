// Host checks of the CUDA batch-norm entries (batchnorm.cu) on the launcher's grid and on a capped grid (blocks
// looping over tiles, so that one tile's normalise step and the next tile's sums share a barrier interval),
// variance given or NULL, y over x and dx over dy; against the CPU kernels. Columns of three kinds
// (uniform, constant, 1000 + small noise) and one with a NaN. Tolerances are twice the float error bound of
// test/reference.js (batchnormTolerances, refBatchnormBackward), one bound for each device.
#include "bodies/batchnorm.cuh"
#include "harness.h"
#include "host_cuda.h"

namespace sg::check {

namespace {

namespace body = sg::cuda::body;
const sg_kernels& cpu() { return *sg_cpu_kernels(); }
constexpr double U = 0x1p-24;
constexpr double B = body::kBatchnormGroupRows;  // float terms per sum before it goes into a double

// ---- inputs and tolerances ----

// columns by c % 5: uniform in [-3, 3) (three kinds), 1000 + noise (variance ~3e-5), constant; column 5 has a NaN
std::vector<float> batch_inputs(Rng& r, size_t rows, size_t cols) {
  std::vector<float> x(rows * cols);
  const std::vector<float> base = r.floats(cols, -3.f, 3.f);
  for (size_t i = 0; i < rows; ++i)
    for (size_t c = 0; c < cols; ++c) {
      const size_t kind = c % 5;
      x[i * cols + c] = kind == 3 ? 1000.f + r.uniform(-0.01f, 0.01f) : kind == 4 ? base[c] : r.uniform(-3.f, 3.f);
    }
  if (cols > 5) x[rows / 2 * cols + 5] = NAN;
  return x;
}

struct ForwardTolerance {
  std::vector<double> y, mean, invstd, variance;
};

// The float32 error bound of one device (test/reference.js, batchnormTolerances) from float64 statistics, doubled.
ForwardTolerance forward_tolerance(size_t rows, size_t cols, const std::vector<float>& x, float eps) {
  ForwardTolerance t{std::vector<double>(rows * cols), std::vector<double>(cols), std::vector<double>(cols),
                     std::vector<double>(cols)};
  for (size_t c = 0; c < cols; ++c) {
    double sum = 0, max_dev = 0, q = 0;
    for (size_t r = 0; r < rows; ++r) {
      sum += x[r * cols + c];
      max_dev = std::max(max_dev, std::fabs(double(x[r * cols + c]) - x[c]));
    }
    const double m = sum / double(rows);
    for (size_t r = 0; r < rows; ++r) q += (x[r * cols + c] - m) * (x[r * cols + c] - m);
    const double var = q / double(rows), invstd = 1 / std::sqrt(var + eps);
    const double dm = B * U * max_dev;
    const double var_err = (B + 8) * U * var + dm * dm;
    const double invstd_rel = 0.5 * var_err / (var + eps) + 2 * U;
    t.mean[c] = 2 * (2 * U * std::fabs(m) + dm);
    t.variance[c] = 2 * var_err;
    t.invstd[c] = 2 * invstd_rel * invstd;
    for (size_t r = 0; r < rows; ++r)
      t.y[r * cols + c] = 2 * (dm * invstd + (3 * U + invstd_rel) * std::fabs((x[r * cols + c] - m) * invstd));
  }
  return t;
}

// The same for the backward (refBatchnormBackward) from its dy, y and invstd.
std::vector<double> backward_tolerance(size_t rows, size_t cols, const std::vector<float>& dy,
                                       const std::vector<float>& y, const std::vector<float>& invstd) {
  std::vector<double> tol(rows * cols);
  for (size_t c = 0; c < cols; ++c) {
    double a = 0, b = 0, abs_a = 0, abs_b = 0;
    for (size_t r = 0; r < rows; ++r) {
      const size_t i = r * cols + c;
      a += dy[i], b += double(dy[i]) * y[i];
      abs_a += std::fabs(dy[i]), abs_b += std::fabs(double(dy[i]) * y[i]);
    }
    const double n = double(rows);
    a /= n, b /= n;
    const double da = B * U * abs_a / n + U * std::fabs(a), db = (B + 1) * U * abs_b / n + U * std::fabs(b);
    for (size_t r = 0; r < rows; ++r) {
      const size_t i = r * cols + c;
      const double dx = invstd[c] * (dy[i] - a - y[i] * b);
      tol[i] = 2 * (invstd[c] * (da + std::fabs(y[i]) * db + 2 * U * (std::fabs(dy[i]) + std::fabs(a) +
                                                                       std::fabs(y[i] * b))) +
                    2 * U * std::fabs(dx));
    }
  }
  return tol;
}

std::string labelled(const char* what, const std::string& failure) {
  return failure.empty() ? "" : std::string(what) + ": " + failure + "; ";
}

// ---- the cases ----

// The grid of the launches: the launcher's, or capped at `blocks` as past kMaxBlocks tiles.
struct Launch {
  unsigned blocks;  // 0: the launcher's grid
  std::string name(size_t cols) const {
    if (blocks) return ", " + std::to_string(blocks) + "-block grid (tile loop)";
    if (body::batchnorm_blocks(cols) > 1) return ", " + std::to_string(body::batchnorm_blocks(cols)) + " blocks";
    return "";
  }
};

void forward(const body::BatchnormForwardArgs& a, Launch launch) {
  sg::host_cuda::set_grid_cap(launch.blocks);
  gpu(sg::cuda::batchnorm_forward(nullptr, a.rows, a.cols, a.x, a.eps, a.y, a.mean, a.invstd, a.variance),
      "batchnorm_forward");
  sg::host_cuda::set_grid_cap(0);
}

void backward(const body::BatchnormBackwardArgs& a, Launch launch) {
  sg::host_cuda::set_grid_cap(launch.blocks);
  gpu(sg::cuda::batchnorm_backward(nullptr, a.rows, a.cols, a.dy, a.y, a.invstd, a.dx), "batchnorm_backward");
  sg::host_cuda::set_grid_cap(0);
}

void check_shape(size_t rows, size_t cols, float eps, Launch launch, bool in_place = false) {
  Rng r(rows * 7919 + cols * 31 + launch.blocks);
  const std::vector<float> x = batch_inputs(r, rows, cols);
  char size_text[64];
  std::snprintf(size_text, sizeof size_text, "%zux%zu eps %g", rows, cols, eps);
  const std::string size = size_text;
  const ForwardTolerance tol = forward_tolerance(rows, cols, x, eps);
  std::vector<float> y_cpu = nans(rows * cols), mean_cpu = nans(cols), invstd_cpu = nans(cols), var_cpu = nans(cols);
  const sg_status status = cpu().batchnorm_forward(nullptr, rows, cols, x.data(), eps, y_cpu.data(), mean_cpu.data(),
                                                   invstd_cpu.data(), var_cpu.data());
  if (status != SG_OK) return report("batchnorm_forward " + size, "the CPU kernel refused the call");

  for (bool with_variance : {true, false}) {
    std::vector<float> y = in_place ? x : nans(rows * cols), mean = nans(cols), invstd = nans(cols), var = nans(cols);
    const body::BatchnormForwardArgs a{rows, cols, in_place ? y.data() : x.data(), eps, y.data(), mean.data(),
                                       invstd.data(), with_variance ? var.data() : nullptr};
    forward(a, launch);
    std::string failure = labelled("y", compare_tol(y, y_cpu, tol.y)) +
                          labelled("mean", compare_tol(mean, mean_cpu, tol.mean)) +
                          labelled("invstd", compare_tol(invstd, invstd_cpu, tol.invstd)) +
                          labelled("variance", with_variance ? compare_tol(var, var_cpu, tol.variance)
                                                             : compare_bits(var, nans(cols)));
    if (rows == 1)  // one row normalises to exactly 0
      for (size_t c = 0; c < cols && failure.empty(); ++c)
        if (!std::isnan(x[c]) && y[c] != 0.f) failure = "one row must give y = 0";
    report("batchnorm_forward " + size + (with_variance ? " variance" : " no variance") +
               (in_place ? ", y over x" : "") + launch.name(cols),
           failure);
  }

  // backward from the CPU's y and invstd: random dy, then dy affine in y (the exact gradient ~0: all cancellation)
  std::vector<float> affine(rows * cols);
  for (size_t i = 0; i < affine.size(); ++i) affine[i] = 0.7f - 0.3f * float(i % 3) + 0.3f * y_cpu[i];
  for (const auto& [kind, dy] : {std::pair<const char*, std::vector<float>>{"random dy", r.floats(rows * cols)},
                                 std::pair<const char*, std::vector<float>>{"dy affine in y", affine}}) {
    std::vector<float> dx = in_place ? dy : nans(rows * cols), dx_cpu = nans(rows * cols);
    const body::BatchnormBackwardArgs a{rows, cols, in_place ? dx.data() : dy.data(), y_cpu.data(),
                                        invstd_cpu.data(), dx.data()};
    backward(a, launch);
    cpu().batchnorm_backward(nullptr, rows, cols, dy.data(), y_cpu.data(), invstd_cpu.data(), dx_cpu.data());
    report("batchnorm_backward " + size + " " + kind + (in_place ? ", dx over dy" : "") + launch.name(cols),
           compare_tol(dx, dx_cpu, backward_tolerance(rows, cols, dy, y_cpu, invstd_cpu)));
  }
}

// No columns: no launch (the entries return first); the CPU accepts it too.
void check_no_columns(size_t rows) {
  float y = 3.f, mean = 3.f, invstd = 3.f;
  const uint64_t before = sg::host_cuda::launches();
  forward(body::BatchnormForwardArgs{rows, 0, &y, 1e-5f, &y, &mean, &invstd, nullptr}, Launch{0});
  backward(body::BatchnormBackwardArgs{rows, 0, &y, &y, &invstd, &y}, Launch{0});
  const bool ok = sg::host_cuda::launches() == before && y == 3.f && mean == 3.f && invstd == 3.f &&
                  cpu().batchnorm_forward(nullptr, rows, 0, nullptr, 1e-5f, nullptr, nullptr, nullptr, nullptr) == SG_OK &&
                  cpu().batchnorm_backward(nullptr, rows, 0, nullptr, nullptr, nullptr, nullptr) == SG_OK;
  report("batchnorm_forward / batchnorm_backward " + std::to_string(rows) + "x0 (no columns, no launch)",
         ok ? "" : "an empty batch must launch nothing and be accepted");
}

}  // namespace

void check_batchnorm() {
  for (size_t rows : {1, 2, 7, 8, 9, 129, 1000})
    for (size_t cols : {1, 7, 32, 33, 129, 1000}) check_shape(rows, cols, 1e-5f, Launch{0});
  check_shape(3001, 5, 1e-5f, Launch{0});  // many groups per row lane
  check_shape(7, 33, 0.5f, Launch{0});
  // a capped grid: blocks loop over column tiles (the launcher's grid past kMaxBlocks tiles)
  for (size_t rows : {2, 129})
    for (unsigned blocks : {1u, 2u}) check_shape(rows, 1000, 1e-5f, Launch{blocks});
  check_shape(9, 129, 1e-5f, Launch{2});
  // y written over x, dx over dy
  check_shape(9, 33, 1e-5f, Launch{0}, true);
  check_shape(129, 1000, 1e-5f, Launch{2}, true);
  check_no_columns(0);
  check_no_columns(5);
}

}  // namespace sg::check
