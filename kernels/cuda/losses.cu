// CUDA loss kernels: softmax cross-entropy (class labels or target rows), sigmoid cross-entropy with logits
// (NaN targets masked), and the KL divergence of a diagonal Gaussian from N(0, 1). One team per row, as
// the row reductions (reduce.cu). Labels live in device memory: a bad one cannot be refused without a host
// synchronisation, so its row gets a NaN loss and a NaN gradient (native/ checks labels on the CPU only).
#include "bodies/rows.cuh"
#include "launch.cuh"

namespace sg::cuda {

namespace {

using body::MaxOp;
using body::SumOp;
using body::Team;

bool missing(const void* p, size_t count) { return count != 0 && p == nullptr; }

__global__ void softmax_xent_kernel(size_t rows, size_t cols, const float* logits, const float* labels,
                                    const float* targets, float* loss, float* dlogits, unsigned lanes) {
  __shared__ float scratch[body::kThreads / 32];
  const Team team = body::team_of(this_thread(), lanes);
  for (size_t r = team.index; r < rows; r += team.count) {
    const float* x = logits + r * cols;
    const float* t = targets ? targets + r * cols : nullptr;
    const long long label = t ? 0 : body::label_index(labels[r], cols);
    const float x_label = !t && label >= 0 ? x[label] : 0.f;  // read before any lane writes dlogits (in place)
    const float shift = body::exp_shift(team_reduce(team, body::lane_max(team, cols, x), MaxOp{}, scratch));
    const float sum = team_reduce(team, body::lane_exp_sum(team, cols, x, shift), SumOp{}, scratch);
    const float log_sum = body::log_f(sum);
    float row_loss;
    if (t) row_loss = team_reduce(team, body::lane_target_xent(team, cols, x, t, shift, log_sum), SumOp{}, scratch);
    else row_loss = label >= 0 ? (shift - x_label) + log_sum : body::kNan;
    if (team.lane == 0) loss[r] = row_loss;
    // in place, dlogits[label] is x[label], which every lane read above
    if (dlogits) {
      team_sync(team);
      body::lane_xent_gradient(team, cols, x, t, label, shift, 1.f / sum, dlogits + r * cols);
    }
  }
}

__global__ void sigmoid_xent_kernel(size_t rows, size_t cols, const float* logits, const float* targets, float* loss,
                                    float* dlogits, unsigned lanes) {
  __shared__ float scratch[body::kThreads / 32];
  const Team team = body::team_of(this_thread(), lanes);
  for (size_t r = team.index; r < rows; r += team.count) {
    const size_t at = r * cols;
    const float partial = body::lane_sigmoid_xent(team, cols, logits + at, targets + at, dlogits ? dlogits + at : nullptr);
    const float row_loss = team_reduce(team, partial, SumOp{}, scratch);
    if (team.lane == 0) loss[r] = row_loss;
  }
}

__global__ void gaussian_kl_kernel(size_t rows, size_t cols, const float* mu, const float* logvar, float* loss,
                                   float* dmu, float* dlogvar, unsigned lanes) {
  __shared__ float scratch[body::kThreads / 32];
  const Team team = body::team_of(this_thread(), lanes);
  for (size_t r = team.index; r < rows; r += team.count) {
    const size_t at = r * cols;
    const float partial = body::lane_gaussian_kl(team, cols, mu + at, logvar + at, dmu ? dmu + at : nullptr,
                                                 dlogvar ? dlogvar + at : nullptr);
    const float row_sum = team_reduce(team, partial, SumOp{}, scratch);
    if (team.lane == 0) loss[r] = 0.5f * row_sum;
  }
}

}  // namespace

sg_status softmax_xent(sg_stream s, size_t rows, size_t cols, const float* logits, const float* labels,
                       const float* targets, float* loss, float* dlogits) {
  size_t total;
  if (__builtin_mul_overflow(rows, cols, &total)) return SG_ERR_ARGUMENT;
  if ((labels == nullptr) == (targets == nullptr)) return SG_ERR_ARGUMENT;  // exactly one of them
  if (rows == 0) return SG_OK;
  if (missing(logits, total) || !loss) return SG_ERR_ARGUMENT;
  const unsigned lanes = body::row_lanes(cols);
  SG_LAUNCH(softmax_xent_kernel, body::row_blocks(rows, lanes), body::kThreads, to_stream(s))(
      rows, cols, logits, labels, targets, loss, dlogits, lanes);
  return launched(to_stream(s), "softmax_xent");
}

sg_status sigmoid_xent(sg_stream s, size_t rows, size_t cols, const float* logits, const float* targets, float* loss,
                       float* dlogits) {
  size_t total;
  if (__builtin_mul_overflow(rows, cols, &total)) return SG_ERR_ARGUMENT;
  if (missing(logits, total) || missing(targets, total) || missing(loss, rows)) return SG_ERR_ARGUMENT;
  if (rows == 0) return SG_OK;
  const unsigned lanes = body::row_lanes(cols);
  SG_LAUNCH(sigmoid_xent_kernel, body::row_blocks(rows, lanes), body::kThreads, to_stream(s))(rows, cols, logits, targets,
                                                                                          loss, dlogits, lanes);
  return launched(to_stream(s), "sigmoid_xent");
}

sg_status gaussian_kl(sg_stream s, size_t rows, size_t cols, const float* mu, const float* logvar, float* loss,
                      float* dmu, float* dlogvar) {
  size_t total;
  if (__builtin_mul_overflow(rows, cols, &total)) return SG_ERR_ARGUMENT;
  if (missing(mu, total) || missing(logvar, total) || missing(loss, rows)) return SG_ERR_ARGUMENT;
  if (rows == 0) return SG_OK;
  const unsigned lanes = body::row_lanes(cols);
  SG_LAUNCH(gaussian_kl_kernel, body::row_blocks(rows, lanes), body::kThreads, to_stream(s))(rows, cols, mu, logvar, loss,
                                                                                         dmu, dlogvar, lanes);
  return launched(to_stream(s), "gaussian_kl");
}

}  // namespace sg::cuda
