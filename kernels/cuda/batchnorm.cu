// CUDA batch normalisation (kernels.h: batchnorm_forward, batchnorm_backward). Statistics run down the columns:
// blocks of kThreads threads take tiles of 32 columns with 8 row lanes each (bodies/batchnorm.cuh), the lanes'
// partial sums meet in shared memory and are added in a fixed order, so results are reproducible run to run. The
// forward reads x three times (sum, squares about the mean, normalise: a two-pass variance), the backward twice.
#include "bodies/batchnorm.cuh"
#include "launch.cuh"

namespace sg::cuda {

namespace {

using body::ColumnPartials;

bool missing(const void* p, size_t count) { return count != 0 && p == nullptr; }

// rows x cols operands need rows >= 1 (the statistics of no rows are undefined) unless there are no columns.
bool valid_shape(size_t rows, size_t cols, size_t* total) {
  return !__builtin_mul_overflow(rows, cols, total) && (rows >= 1 || cols == 0);
}

__global__ void batchnorm_forward_kernel(const body::BatchnormForwardArgs a) {
  __shared__ ColumnPartials sums, squares;
  for (size_t tile = blockIdx.x; tile * body::kColumnTile < a.cols; tile += gridDim.x) {
    body::batchnorm_sums_phase(a, threadIdx.x, tile, sums);
    __syncthreads();
    const body::MeanPair mean = body::batchnorm_squares_phase(a, threadIdx.x, tile, sums, squares);
    __syncthreads();
    // the next tile's sums phase writes only sums, read before the barrier above
    body::batchnorm_normalize_phase(a, threadIdx.x, tile, mean, squares);
  }
}

__global__ void batchnorm_backward_kernel(const body::BatchnormBackwardArgs a) {
  __shared__ ColumnPartials sum_dy, sum_dy_y;
  for (size_t tile = blockIdx.x; tile * body::kColumnTile < a.cols; tile += gridDim.x) {
    body::batchnorm_backward_sums_phase(a, threadIdx.x, tile, sum_dy, sum_dy_y);
    __syncthreads();
    body::batchnorm_gradient_phase(a, threadIdx.x, tile, sum_dy, sum_dy_y);
    __syncthreads();  // every thread has read the partials before the next tile overwrites them
  }
}

}  // namespace

sg_status batchnorm_forward(sg_stream s, size_t rows, size_t cols, const float* x, float eps, float* y, float* mean,
                            float* invstd, float* variance) {
  size_t total;
  if (!valid_shape(rows, cols, &total) || !(eps > 0.f) || !(eps < body::kInf)) return SG_ERR_ARGUMENT;
  if (missing(x, total) || missing(y, total) || missing(mean, cols) || missing(invstd, cols)) return SG_ERR_ARGUMENT;
  if (cols == 0) return SG_OK;
  const body::BatchnormForwardArgs a{rows, cols, x, eps, y, mean, invstd, variance};
  SG_LAUNCH(batchnorm_forward_kernel, body::batchnorm_blocks(cols), body::kThreads, to_stream(s))(a);
  return launched(to_stream(s), "batchnorm_forward");
}

sg_status batchnorm_backward(sg_stream s, size_t rows, size_t cols, const float* dy, const float* y,
                             const float* invstd, float* dx) {
  size_t total;
  if (!valid_shape(rows, cols, &total)) return SG_ERR_ARGUMENT;
  if (missing(dy, total) || missing(y, total) || missing(invstd, cols) || missing(dx, total)) return SG_ERR_ARGUMENT;
  if (cols == 0) return SG_OK;
  const body::BatchnormBackwardArgs a{rows, cols, dy, y, invstd, dx};
  SG_LAUNCH(batchnorm_backward_kernel, body::batchnorm_blocks(cols), body::kThreads, to_stream(s))(a);
  return launched(to_stream(s), "batchnorm_backward");
}

}  // namespace sg::cuda
