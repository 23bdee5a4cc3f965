// Bodies of the CUDA batch-norm kernels (kernels.h: batchnorm_forward, batchnorm_backward). A block takes tiles of
// kColumnTile adjacent columns (the column tiles of reduce.cu): thread t works on column t % kColumnTile of the
// tile and rows t / kColumnTile, + kColumnLanes, ... (its row lane), so a warp reads 32 adjacent floats of a row.
// Each kernel is a few phases split by barriers; a phase function is everything one thread does in it, and the
// row lanes' partial sums meet in shared memory (ColumnPartials), added in row-lane order. The arithmetic is the
// CPU's (simd_batchnorm.h): float sums over groups of kBatchnormGroupRows rows, the groups added in double, the
// forward's sums shifted by the column's first row and its variance taken about the mean as a float pair.
#pragma once

#include "rows.cuh"

namespace sg::cuda::body {

constexpr unsigned kBatchnormGroupRows = 16;  // a lane's rows summed in float before going into a double

// One partial per row lane and column of a tile (shared memory on the device).
struct ColumnPartials {
  double v[kColumnLanes][kColumnTile];
};

struct BatchnormForwardArgs {
  size_t rows, cols;
  const float* x;
  float eps;
  float *y, *mean, *invstd, *variance;  // variance may be NULL
};

struct BatchnormBackwardArgs {
  size_t rows, cols;
  const float *dy, *y, *invstd;
  float* dx;
};

// The column a thread of a block works on in `tile`, and its row lane; not live past the last column.
struct ColumnLane {
  size_t c;
  unsigned cx, ry;
  bool live;
};

SG_HD ColumnLane column_lane(unsigned thread, size_t tile, size_t cols) {
  const unsigned cx = thread % kColumnTile;
  const size_t c = tile * kColumnTile + cx;
  return ColumnLane{c, cx, thread / kColumnTile, c < cols};
}

// Blocks of a batch-norm launch: one per tile, up to the grid cap (blocks then loop over tiles).
SG_HD unsigned batchnorm_blocks(size_t cols) { return grid_for(cols, kColumnTile); }

// total[k] = sum over the lane's rows r (ry, ry + kColumnLanes, ...) of what add_row(r, part) adds to part[k].
template <int N, class AddRow>
SG_HD void lane_sums(size_t rows, unsigned ry, AddRow add_row, double total[N]) {
  for (int k = 0; k < N; ++k) total[k] = 0.0;
  constexpr size_t group = size_t(kColumnLanes) * kBatchnormGroupRows;
  for (size_t r0 = ry; r0 < rows; r0 += group) {
    const size_t end = rows - r0 < group ? rows : r0 + group;
    float part[N] = {};
    for (size_t r = r0; r < end; r += kColumnLanes) add_row(r, part);
    for (int k = 0; k < N; ++k) total[k] += double(part[k]);
  }
}

// The column's total of the lanes' partials, in row-lane order (every thread of the column gets the same).
SG_HD double column_total(const ColumnPartials& p, unsigned cx) {
  double total = p.v[0][cx];
  for (unsigned ry = 1; ry < kColumnLanes; ++ry) total += p.v[ry][cx];
  return total;
}

// A column's mean as hi + lo, two floats, so x - mean loses nothing to a mean far from zero.
struct MeanPair {
  float hi, lo;
};

// ---- forward: sums | squares | normalise, a barrier between phases ----

// The lane's sum of x - x[0, c] into sums.
SG_HD void batchnorm_sums_phase(const BatchnormForwardArgs& a, unsigned thread, size_t tile, ColumnPartials& sums) {
  const ColumnLane l = column_lane(thread, tile, a.cols);
  if (!l.live) return;
  const float* x = a.x + l.c;
  const float shift = x[0];
  double total[1];
  lane_sums<1>(a.rows, l.ry, [&](size_t r, float* part) { part[0] += x[r * a.cols] - shift; }, total);
  sums.v[l.ry][l.cx] = total[0];
}

// The column's mean from sums; the lane's sum of (x - mean)^2 into squares. Returns the mean (kept in registers:
// sums may be overwritten by the block's next tile before the normalise phase ends).
SG_HD MeanPair batchnorm_squares_phase(const BatchnormForwardArgs& a, unsigned thread, size_t tile,
                                       const ColumnPartials& sums, ColumnPartials& squares) {
  const ColumnLane l = column_lane(thread, tile, a.cols);
  if (!l.live) return MeanPair{0.f, 0.f};
  const float* x = a.x + l.c;
  const double m = double(x[0]) + column_total(sums, l.cx) / double(a.rows);
  const MeanPair mean{float(m), float(m - double(float(m)))};
  double total[1];
  lane_sums<1>(a.rows, l.ry, [&](size_t r, float* part) {
    const float d = (x[r * a.cols] - mean.hi) - mean.lo;
    part[0] += d * d;
  }, total);
  squares.v[l.ry][l.cx] = total[0];
  return mean;
}

// The column's statistics from squares (written by the first row lane) and y for the lane's rows. Reads x only at
// the lane's own rows before writing them, so y may be x.
SG_HD void batchnorm_normalize_phase(const BatchnormForwardArgs& a, unsigned thread, size_t tile, MeanPair mean,
                                     const ColumnPartials& squares) {
  const ColumnLane l = column_lane(thread, tile, a.cols);
  if (!l.live) return;
  const double var = column_total(squares, l.cx) / double(a.rows);
  const float scale = float(1.0 / sqrt_d(var + double(a.eps)));
  if (l.ry == 0) {
    a.mean[l.c] = mean.hi;
    a.invstd[l.c] = scale;
    if (a.variance) a.variance[l.c] = float(var);
  }
  for (size_t r = l.ry; r < a.rows; r += kColumnLanes) {
    const size_t i = r * a.cols + l.c;
    a.y[i] = ((a.x[i] - mean.hi) - mean.lo) * scale;
  }
}

// ---- backward: sums | gradient, a barrier after each ----

// The lane's sums of dy and dy * y.
SG_HD void batchnorm_backward_sums_phase(const BatchnormBackwardArgs& a, unsigned thread, size_t tile,
                                         ColumnPartials& sum_dy, ColumnPartials& sum_dy_y) {
  const ColumnLane l = column_lane(thread, tile, a.cols);
  if (!l.live) return;
  double total[2];
  lane_sums<2>(a.rows, l.ry, [&](size_t r, float* part) {
    const size_t i = r * a.cols + l.c;
    part[0] += a.dy[i];
    part[1] += a.dy[i] * a.y[i];
  }, total);
  sum_dy.v[l.ry][l.cx] = total[0];
  sum_dy_y.v[l.ry][l.cx] = total[1];
}

// dx = invstd (dy - mean(dy) - y mean(dy y)) for the lane's rows (dx may be dy or y).
SG_HD void batchnorm_gradient_phase(const BatchnormBackwardArgs& a, unsigned thread, size_t tile,
                                    const ColumnPartials& sum_dy, const ColumnPartials& sum_dy_y) {
  const ColumnLane l = column_lane(thread, tile, a.cols);
  if (!l.live) return;
  const double n = double(a.rows);
  const float mean_dy = float(column_total(sum_dy, l.cx) / n);
  const float mean_dy_y = float(column_total(sum_dy_y, l.cx) / n);
  const float s = a.invstd[l.c];
  for (size_t r = l.ry; r < a.rows; r += kColumnLanes) {
    const size_t i = r * a.cols + l.c;
    a.dx[i] = s * ((a.dy[i] - mean_dy) - a.y[i] * mean_dy_y);
  }
}

}  // namespace sg::cuda::body
