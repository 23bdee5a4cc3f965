// Host checks of the CUDA row entries: reductions along rows (warp and block teams) and down columns, softmax,
// softmax / sigmoid cross-entropy and Gaussian KL (reduce.cu, losses.cu), against the CPU kernels. Tolerances follow float summation: a lane adds cols / lanes terms, then the team tree.
#include "bodies/rows.cuh"
#include "harness.h"

namespace sg::check {

namespace {

namespace body = sg::cuda::body;
const sg_kernels& cpu() { return *sg_cpu_kernels(); }
constexpr double U = 0x1p-24;
const char* const kReduceNames[] = {
#define SG_REDUCE_NAME(E, name) name,
    SG_REDUCE_OPS(SG_REDUCE_NAME)
#undef SG_REDUCE_NAME
};

std::string size_name(size_t rows, size_t cols) { return std::to_string(rows) + "x" + std::to_string(cols); }

// relative rounding bound of a float sum of `len` terms split over `lanes` lanes and a tree
double sum_error(size_t len, unsigned lanes) { return double(len / lanes + 12) * U; }

// ---- the entries of reduce.cu and losses.cu ----

void reduce_rows(sg_reduce_op op, size_t rows, size_t cols, const float* x, float* out) {
  gpu(sg::cuda::reduce(nullptr, op, SG_AXIS_ROWS, rows, cols, x, out), "reduce");
}

void reduce_cols(sg_reduce_op op, size_t rows, size_t cols, const float* x, float* out) {
  gpu(sg::cuda::reduce(nullptr, op, SG_AXIS_COLS, rows, cols, x, out), "reduce");
}

void softmax_rows(int log, size_t rows, size_t cols, const float* x, float* out) {
  gpu(sg::cuda::softmax(nullptr, log, rows, cols, x, out), "softmax");
}

void softmax_xent_rows(size_t rows, size_t cols, const float* logits, const float* labels, const float* targets,
                       float* loss, float* dlogits) {
  gpu(sg::cuda::softmax_xent(nullptr, rows, cols, logits, labels, targets, loss, dlogits), "softmax_xent");
}

// sigmoid_xent (kl == false) or gaussian_kl (kl == true)
void one_pass_rows(bool kl, size_t rows, size_t cols, const float* a, const float* b, float* loss, float* d0,
                   float* d1) {
  if (kl) gpu(sg::cuda::gaussian_kl(nullptr, rows, cols, a, b, loss, d0, d1), "gaussian_kl");
  else gpu(sg::cuda::sigmoid_xent(nullptr, rows, cols, a, b, loss, d0), "sigmoid_xent");
}

// ---- the cases ----

// x with the special rows the CPU defines: all -inf (lse -inf), a +inf (lse +inf), a NaN (NaN)
std::vector<float> row_inputs(size_t rows, size_t cols) {
  Rng r(rows * 7919 + cols);
  std::vector<float> x = r.floats(rows * cols, -4.f, 4.f);
  if (rows >= 4 && cols >= 2) {
    for (size_t c = 0; c < cols; ++c) x[c] = -body::kInf;
    x[cols + cols / 2] = body::kInf;
    x[2 * cols + cols - 1] = NAN;
  }
  return x;
}

void check_reduce(size_t rows, size_t cols) {
  const std::vector<float> x = row_inputs(rows, cols);
  for (int o = 0; o < SG_REDUCE_COUNT; ++o)
    for (int axis = 0; axis < 2; ++axis) {
      const sg_reduce_op op = sg_reduce_op(o);
      const bool along_rows = axis == SG_AXIS_ROWS;
      const size_t count = along_rows ? rows : cols, len = along_rows ? cols : rows;
      if (op == SG_REDUCE_MAX && len == 0) continue;  // refused by both devices (the max of nothing)
      std::vector<float> out = nans(count), expected = nans(count);
      if (along_rows) reduce_rows(op, rows, cols, x.data(), out.data());
      else reduce_cols(op, rows, cols, x.data(), out.data());
      cpu().reduce(nullptr, op, sg_axis(axis), rows, cols, x.data(), expected.data());
      const unsigned lanes = along_rows ? body::row_lanes(cols) : body::kColumnLanes;
      std::vector<double> tol(count);
      for (size_t i = 0; i < count; ++i) {  // sum of |x| (the rounding scale) over the reduced line
        double scale = 0;
        for (size_t j = 0; j < len; ++j) scale += std::fabs(double(along_rows ? x[i * cols + j] : x[j * cols + i]));
        if (op == SG_REDUCE_MEAN) scale /= double(len);
        if (op == SG_REDUCE_LOGSUMEXP) scale = 4.0 + std::fabs(double(expected[i]));
        tol[i] = op == SG_REDUCE_MAX ? 0.0 : 1e-6 + 2 * sum_error(len, lanes) * scale;
      }
      report(std::string("reduce ") + kReduceNames[o] + (along_rows ? " rows " : " cols ") + size_name(rows, cols) +
                 (along_rows && body::row_lanes(cols) != 32 ? " (block team)" : ""),
             compare_tol(out, expected, tol));
    }
}

void check_softmax(size_t rows, size_t cols) {
  Rng r(rows + cols);
  const std::vector<float> x = r.floats(rows * cols, -6.f, 6.f);
  const double err = 4 * sum_error(cols, body::row_lanes(cols));
  for (int log = 0; log < 2; ++log) {
    std::vector<float> out = nans(rows * cols), expected = nans(rows * cols);
    softmax_rows(log, rows, cols, x.data(), out.data());
    cpu().softmax(nullptr, log, rows, cols, x.data(), expected.data());
    report(std::string(log ? "log_softmax " : "softmax ") + size_name(rows, cols),
           log ? compare(out, expected, err, 4 * U) : compare(out, expected, 1e-9, err));
  }
}

void check_losses(size_t rows, size_t cols) {
  Rng r(rows * 3 + cols);
  const std::vector<float> x = r.floats(rows * cols, -5.f, 5.f);
  const double err = 8 * sum_error(cols, body::row_lanes(cols));
  std::vector<float> labels(rows), targets = r.floats(rows * cols, 0.f, 1.f);
  for (auto& l : labels) l = float(r.next() % cols);
  const std::string size = size_name(rows, cols);
  for (int with_targets = 0; with_targets < 2; ++with_targets) {
    const float* lab = with_targets ? nullptr : labels.data();
    const float* tgt = with_targets ? targets.data() : nullptr;
    std::vector<float> loss = nans(rows), d = nans(rows * cols), loss_cpu = nans(rows), d_cpu = nans(rows * cols);
    softmax_xent_rows(rows, cols, x.data(), lab, tgt, loss.data(), d.data());
    cpu().softmax_xent(nullptr, rows, cols, x.data(), lab, tgt, loss_cpu.data(), d_cpu.data());
    const std::string name = std::string("softmax_xent ") + (with_targets ? "targets " : "labels ") + size;
    report(name + " loss", compare(loss, loss_cpu, 1e-5, err));
    report(name + " dlogits", compare(d, d_cpu, 1e-6, err));
    // in place: dlogits written over the logits
    std::vector<float> in_place = x, loss2 = nans(rows);
    softmax_xent_rows(rows, cols, in_place.data(), lab, tgt, loss2.data(), in_place.data());
    report(name + " dlogits in place of logits", compare(in_place, d_cpu, 1e-6, err) + compare(loss2, loss_cpu, 1e-5, err));
  }
  {  // a bad label: NaN loss and gradient on that row only (the CPU refuses the call instead)
    std::vector<float> bad = labels, loss = nans(rows), d = nans(rows * cols);
    bad[rows - 1] = float(cols) + 0.5f;
    softmax_xent_rows(rows, cols, x.data(), bad.data(), nullptr, loss.data(), d.data());
    bool ok = std::isnan(loss[rows - 1]) && std::isnan(d[rows * cols - 1]);
    for (size_t i = 0; i + 1 < rows; ++i) ok = ok && !std::isnan(loss[i]);
    report("softmax_xent bad label " + size, ok ? "" : "a bad label must give NaN on its row only");
  }
  {  // sigmoid cross-entropy, a quarter of the targets missing (NaN)
    std::vector<float> t = targets;
    for (size_t i = 0; i < t.size(); i += 4) t[i] = NAN;
    std::vector<float> loss = nans(rows), d = nans(rows * cols), loss_cpu = nans(rows), d_cpu = nans(rows * cols);
    one_pass_rows(false, rows, cols, x.data(), t.data(), loss.data(), d.data(), nullptr);
    cpu().sigmoid_xent(nullptr, rows, cols, x.data(), t.data(), loss_cpu.data(), d_cpu.data());
    report("sigmoid_xent " + size + " loss", compare(loss, loss_cpu, 1e-5, err));
    report("sigmoid_xent " + size + " dlogits", compare(d, d_cpu, 4 * U, 4 * U));  // sigmoid(x) - t: ulps of 1
    std::vector<float> loss_only = nans(rows);
    one_pass_rows(false, rows, cols, x.data(), t.data(), loss_only.data(), nullptr, nullptr);
    report("sigmoid_xent " + size + " loss without dlogits", compare(loss_only, loss_cpu, 1e-5, err));
  }
  {  // Gaussian KL with and without gradients
    const std::vector<float> lv = r.floats(rows * cols, -3.f, 2.f);
    std::vector<float> loss = nans(rows), dmu = nans(rows * cols), dlv = nans(rows * cols);
    std::vector<float> loss_cpu = nans(rows), dmu_cpu = nans(rows * cols), dlv_cpu = nans(rows * cols);
    one_pass_rows(true, rows, cols, x.data(), lv.data(), loss.data(), dmu.data(), dlv.data());
    cpu().gaussian_kl(nullptr, rows, cols, x.data(), lv.data(), loss_cpu.data(), dmu_cpu.data(), dlv_cpu.data());
    report("gaussian_kl " + size, compare(loss, loss_cpu, 1e-5, err) + compare_bits(dmu, dmu_cpu) +
                                      compare(dlv, dlv_cpu, 1e-7, 8 * U));
    std::vector<float> loss_only = nans(rows);
    one_pass_rows(true, rows, cols, x.data(), lv.data(), loss_only.data(), nullptr, nullptr);
    report("gaussian_kl " + size + " loss only", compare(loss_only, loss_cpu, 1e-5, err));
  }
}

}  // namespace

void check_reductions() {
  for (size_t rows : {1, 7, 129})
    for (size_t cols : {1, 7, 33, 129, 1000, 3001}) check_reduce(rows, cols);
  check_reduce(1000, 3);  // many rows: 8 row lanes per column, teams striding over rows
  check_reduce(1, 100003);
  check_reduce(7, 0);  // empty lines: sum 0, mean NaN, log-sum-exp -inf, as the CPU
  check_reduce(0, 7);
}

void check_softmaxes() {
  for (size_t rows : {1, 7, 129})
    for (size_t cols : {1, 7, 129, 1000, 2049}) check_softmax(rows, cols);
}

void check_row_losses() {
  for (size_t rows : {1, 7, 129})
    for (size_t cols : {1, 7, 129, 1000, 2049}) check_losses(rows, cols);
}

}  // namespace sg::check
