// Bodies of the CUDA row kernels: reductions along rows, softmax and the three losses. A row is handled by
// a team of lanes (a warp, or a whole block for long rows); each lane takes the columns lane, lane + lanes,
// ... and the kernel combines the lanes' partials with shuffles (kernels/cuda/rows.cuh on the device, an
// emulation of the same tree in the host checker). Column reductions use 32-column tiles with 8 row lanes.
#pragma once

#include "math.cuh"

namespace sg::cuda::body {

// Which rows a team works on and which columns a lane of it reads.
struct Team {
  size_t index, count;  // this team, and how many teams the launch has (teams stride over rows)
  unsigned lane, lanes;
};

constexpr unsigned kWarpLanes = 32;
constexpr unsigned kBlockLanes = kThreads;       // a block-wide team for rows longer than kLongRow
constexpr size_t kLongRow = 2048;
constexpr unsigned kTeamsPerWarpBlock = kThreads / kWarpLanes;
constexpr unsigned kColumnTile = 32;            // column reductions: columns per block
constexpr unsigned kColumnLanes = kThreads / kColumnTile;  // ... and row lanes per column

// Lanes per row team (a warp, or the block for long rows) and the blocks a launch over `rows` rows uses.
SG_HD unsigned row_lanes(size_t cols) { return cols > kLongRow ? kBlockLanes : kWarpLanes; }
SG_HD unsigned row_blocks(size_t rows, unsigned lanes) {
  return grid_for(rows, lanes == kWarpLanes ? kTeamsPerWarpBlock : 1);
}

// The team thread t belongs to in a launch of row_blocks(...) blocks of kThreads threads.
SG_HD Team team_of(const Thread& t, unsigned lanes) {
  if (lanes == kWarpLanes) {
    const unsigned per_block = t.threads / kWarpLanes;
    return Team{size_t(t.block) * per_block + t.thread / kWarpLanes, size_t(t.blocks) * per_block,
                t.thread % kWarpLanes, kWarpLanes};
  }
  return Team{t.block, t.blocks, t.thread, t.threads};
}

struct SumOp {
  SG_HD float operator()(float a, float b) const { return a + b; }
};
struct MaxOp {
  SG_HD float operator()(float a, float b) const { return max_nan(a, b); }
};

// The shift for exp(x - shift): the max when finite, else 0 (an all -inf row sums to 0, log gives -inf).
SG_HD float exp_shift(float max_value) { return abs_f(max_value) < kInf ? max_value : 0.f; }

SG_HD float lane_max(const Team& t, size_t cols, const float* x) {
  float m = -kInf;
  for (size_t c = t.lane; c < cols; c += t.lanes) m = max_nan(x[c], m);
  return m;
}

SG_HD float lane_sum(const Team& t, size_t cols, const float* x) {
  float s = 0.f;
  for (size_t c = t.lane; c < cols; c += t.lanes) s += x[c];
  return s;
}

SG_HD float lane_exp_sum(const Team& t, size_t cols, const float* x, float shift) {
  float s = 0.f;
  for (size_t c = t.lane; c < cols; c += t.lanes) s += exp_f(x[c] - shift);
  return s;
}

// softmax (or log-softmax) of a row from its shift and sum of exp(x - shift); out may be x.
SG_HD void lane_softmax_write(const Team& t, int log, size_t cols, const float* x, float* out, float shift,
                              float sum) {
  if (log) {
    const float log_sum = log_f(sum);
    for (size_t c = t.lane; c < cols; c += t.lanes) out[c] = (x[c] - shift) - log_sum;
  } else {
    const float inv = 1.f / sum;
    for (size_t c = t.lane; c < cols; c += t.lanes) out[c] = exp_f(x[c] - shift) * inv;
  }
}

// A label is a float holding a whole number in [0, cols); -1 when it is not.
SG_HD long long label_index(float label, size_t cols) {
  const bool whole = label >= 0.f && double(label) < double(cols) && float(int64_t(label)) == label;
  return whole ? (long long)(label) : -1;
}

// sum over the lane's columns of t (shift - x + log_sum): the target-row cross-entropy.
SG_HD float lane_target_xent(const Team& t, size_t cols, const float* x, const float* target, float shift,
                             float log_sum) {
  float s = 0.f;
  for (size_t c = t.lane; c < cols; c += t.lanes) s += target[c] * ((shift - x[c]) + log_sum);
  return s;
}

// dlogits = softmax(x) - t, t the target row or (target NULL) the one-hot row of `label`; a bad label
// (negative, from label_index) gives a row of NaN.
SG_HD void lane_xent_gradient(const Team& t, size_t cols, const float* x, const float* target, long long label,
                              float shift, float inv_sum, float* d) {
  for (size_t c = t.lane; c < cols; c += t.lanes) {
    const float p = exp_f(x[c] - shift) * inv_sum;
    if (!target && label < 0) d[c] = kNan;
    else d[c] = target ? p - target[c] : (long long)(c) == label ? p - 1.f : p;
  }
}

// Sigmoid cross-entropy of the lane's columns, NaN targets masked; writes sigmoid(x) - t into d when given.
SG_HD float lane_sigmoid_xent(const Team& t, size_t cols, const float* x, const float* target, float* d) {
  float s = 0.f;
  for (size_t c = t.lane; c < cols; c += t.lanes) {
    const float v = x[c], y = target[c];
    const float e = exp_f(-abs_f(v));
    const float inv = 1.f / (1.f + e);
    const float sig = v >= 0.f ? inv : e * inv;
    const bool present = y == y;
    const float loss = (v > 0.f ? v : 0.f) - v * y + log1p_unit_f(e, inv);
    if (d) d[c] = present ? sig - y : 0.f;
    s += present ? loss : 0.f;
  }
  return s;
}

// The lane's part of sum(mu^2 + exp(lv) - 1 - lv) (KL = half of it), writing dmu and dlogvar when given.
SG_HD float lane_gaussian_kl(const Team& t, size_t cols, const float* mu, const float* logvar, float* dmu,
                             float* dlogvar) {
  float s = 0.f;
  for (size_t c = t.lane; c < cols; c += t.lanes) {
    const float m = mu[c], lv = logvar[c];
    const float f = exp_minus_one_minus_x(lv);
    s += m * m + f;
    if (dlogvar) dlogvar[c] = 0.5f * (f + lv);
    if (dmu) dmu[c] = m;
  }
  return s;
}

// ---- column reductions: column c of the block's tile, rows ry, ry + kColumnLanes, ... ----

SG_HD float column_lane_max(size_t rows, size_t cols, const float* x, size_t c, unsigned ry) {
  float m = -kInf;
  for (size_t r = ry; r < rows; r += kColumnLanes) m = max_nan(x[r * cols + c], m);
  return m;
}

SG_HD float column_lane_sum(size_t rows, size_t cols, const float* x, size_t c, unsigned ry) {
  float s = 0.f;
  for (size_t r = ry; r < rows; r += kColumnLanes) s += x[r * cols + c];
  return s;
}

SG_HD float column_lane_exp_sum(size_t rows, size_t cols, const float* x, size_t c, unsigned ry, float shift) {
  float s = 0.f;
  for (size_t r = ry; r < rows; r += kColumnLanes) s += exp_f(x[r * cols + c] - shift);
  return s;
}

// The value reduce() stores for a row or column from its combined partials (`sum` the plain or exp sum).
SG_HD float reduce_result(sg_reduce_op op, float max_value, float shift, float sum, size_t count) {
  switch (op) {
    case SG_REDUCE_SUM: return sum;
    case SG_REDUCE_MEAN: return sum / float(count);  // count 0: NaN, as the CPU
    case SG_REDUCE_MAX: return max_value;
    default: return shift + log_f(sum);
  }
}

}  // namespace sg::cuda::body
