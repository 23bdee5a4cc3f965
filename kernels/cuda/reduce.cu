// CUDA reductions (sum, mean, max, log-sum-exp along rows or down columns) and row softmax / log-softmax.
// Rows: one team per row (a warp, or the whole block past body::kLongRow columns), lanes striding over
// the row, partials combined by shuffles. Columns: 32-column tiles, 8 row lanes per column combined through
// shared memory in a fixed order. No atomics, so every result is reproducible run to run.
#include "bodies/rows.cuh"
#include "launch.cuh"

namespace sg::cuda {

namespace {

using body::MaxOp;
using body::SumOp;
using body::Team;

__global__ void reduce_rows_kernel(sg_reduce_op op, size_t rows, size_t cols, const float* x, float* out,
                                   unsigned lanes) {
  __shared__ float scratch[body::kThreads / 32];
  const Team team = body::team_of(this_thread(), lanes);
  for (size_t r = team.index; r < rows; r += team.count) {
    const float* row = x + r * cols;
    float max_value = -body::kInf, shift = 0.f, sum = 0.f;
    if (op == SG_REDUCE_MAX || op == SG_REDUCE_LOGSUMEXP)
      max_value = team_reduce(team, body::lane_max(team, cols, row), MaxOp{}, scratch);
    if (op == SG_REDUCE_LOGSUMEXP) {
      shift = body::exp_shift(max_value);
      sum = team_reduce(team, body::lane_exp_sum(team, cols, row, shift), SumOp{}, scratch);
    } else if (op != SG_REDUCE_MAX) {
      sum = team_reduce(team, body::lane_sum(team, cols, row), SumOp{}, scratch);
    }
    if (team.lane == 0) out[r] = body::reduce_result(op, max_value, shift, sum, cols);
  }
}

// partial[ry][cx] of every row lane, combined in row-lane order (each thread of the column gets the result).
template <class Op>
__device__ float combine_column(float (*partial)[body::kColumnTile], float value, Op op) {
  const unsigned cx = threadIdx.x % body::kColumnTile, ry = threadIdx.x / body::kColumnTile;
  partial[ry][cx] = value;
  __syncthreads();
  float r = partial[0][cx];
  for (unsigned i = 1; i < body::kColumnLanes; ++i) r = op(r, partial[i][cx]);
  __syncthreads();
  return r;
}

__global__ void reduce_cols_kernel(sg_reduce_op op, size_t rows, size_t cols, const float* x, float* out) {
  __shared__ float partial[body::kColumnLanes][body::kColumnTile];
  const unsigned cx = threadIdx.x % body::kColumnTile, ry = threadIdx.x / body::kColumnTile;
  for (size_t tile = blockIdx.x; tile * body::kColumnTile < cols; tile += gridDim.x) {
    const size_t c = tile * body::kColumnTile + cx;
    const bool live = c < cols;
    float max_value = -body::kInf, shift = 0.f, sum = 0.f;
    if (op == SG_REDUCE_MAX || op == SG_REDUCE_LOGSUMEXP)
      max_value = combine_column(partial, live ? body::column_lane_max(rows, cols, x, c, ry) : -body::kInf, MaxOp{});
    if (op == SG_REDUCE_LOGSUMEXP) {
      shift = body::exp_shift(max_value);
      sum = combine_column(partial, live ? body::column_lane_exp_sum(rows, cols, x, c, ry, shift) : 0.f, SumOp{});
    } else if (op != SG_REDUCE_MAX) {
      sum = combine_column(partial, live ? body::column_lane_sum(rows, cols, x, c, ry) : 0.f, SumOp{});
    }
    if (ry == 0 && live) out[c] = body::reduce_result(op, max_value, shift, sum, rows);
  }
}

__global__ void softmax_kernel(int log, size_t rows, size_t cols, const float* x, float* out, unsigned lanes) {
  __shared__ float scratch[body::kThreads / 32];
  const Team team = body::team_of(this_thread(), lanes);
  for (size_t r = team.index; r < rows; r += team.count) {
    const float* row = x + r * cols;
    const float shift = body::exp_shift(team_reduce(team, body::lane_max(team, cols, row), MaxOp{}, scratch));
    const float sum = team_reduce(team, body::lane_exp_sum(team, cols, row, shift), SumOp{}, scratch);
    body::lane_softmax_write(team, log, cols, row, out + r * cols, shift, sum);
  }
}

}  // namespace

sg_status reduce(sg_stream s, sg_reduce_op op, sg_axis axis, size_t rows, size_t cols, const float* x, float* out) {
  size_t total;
  if (!sg_reduce_valid(op) || (axis != SG_AXIS_ROWS && axis != SG_AXIS_COLS))
    return SG_ERR_ARGUMENT;
  if (__builtin_mul_overflow(rows, cols, &total) || (total && !x)) return SG_ERR_ARGUMENT;
  const size_t out_count = axis == SG_AXIS_ROWS ? rows : cols;
  const size_t reduced = axis == SG_AXIS_ROWS ? cols : rows;
  if (out_count && !out) return SG_ERR_ARGUMENT;
  if (out_count == 0) return SG_OK;
  if (reduced == 0 && op == SG_REDUCE_MAX) return SG_ERR_ARGUMENT;  // the max of nothing is undefined
  if (axis == SG_AXIS_COLS) {
    SG_LAUNCH(reduce_cols_kernel, body::grid_for(cols, body::kColumnTile), body::kThreads, to_stream(s))(op, rows, cols,
                                                                                                      x, out);
    return launched(to_stream(s), "reduce (columns)");
  }
  const unsigned lanes = body::row_lanes(cols);
  SG_LAUNCH(reduce_rows_kernel, body::row_blocks(rows, lanes), body::kThreads, to_stream(s))(op, rows, cols, x, out,
                                                                                         lanes);
  return launched(to_stream(s), "reduce (rows)");
}

sg_status softmax(sg_stream s, int log, size_t rows, size_t cols, const float* x, float* out) {
  size_t total;
  if (__builtin_mul_overflow(rows, cols, &total) || (total && (!x || !out))) return SG_ERR_ARGUMENT;
  if (total == 0) return SG_OK;
  const unsigned lanes = body::row_lanes(cols);
  SG_LAUNCH(softmax_kernel, body::row_blocks(rows, lanes), body::kThreads, to_stream(s))(log, rows, cols, x, out, lanes);
  return launched(to_stream(s), "softmax");
}

}  // namespace sg::cuda
