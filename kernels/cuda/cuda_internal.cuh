// Internal to kernels/cuda/: error recording, the device-selection helper, launch sizing, and the
// memory entries table.cu puts in the CUDA sg_kernels table. Not part of the C ABI.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

#include "semigen/kernels.h"

namespace sg::cuda {

// Records `what` failed with `error` (read back by sg_cuda_last_error on this thread), clears the
// runtime's non-sticky error state, and returns the matching status.
sg_status record_error(cudaError_t error, const char* what);

// Makes `device` current on this thread (cached, so repeated calls cost a compare).
sg_status use_device(int device);

inline cudaStream_t to_stream(sg_stream s) { return static_cast<cudaStream_t>(s); }

constexpr int kThreadsPerBlock = 256;

// Blocks for a grid-stride loop over n items: enough to fill any GPU, few enough to amortise launch.
inline unsigned blocks_for(size_t n, int threads_per_block = kThreadsPerBlock) {
  size_t blocks = (n + threads_per_block - 1) / threads_per_block;
  const size_t max_blocks = size_t(1) << 16;
  return static_cast<unsigned>(blocks < max_blocks ? blocks : max_blocks);
}

// ---- memory entries (memory.cu) ----
sg_status alloc(int device, size_t bytes, void** out);
sg_status release(int device, void* ptr);
sg_status copy_from_host(int device, sg_stream s, void* dst, const void* src, size_t bytes);
sg_status copy_to_host(int device, sg_stream s, void* dst, const void* src, size_t bytes);
sg_status synchronize(int device, sg_stream s);

// ---- compute entries ----
sg_status fill(sg_stream s, size_t n, float value, float* out);  // fill.cu

// elementwise.cu
sg_status copy_2d(sg_stream s, size_t rows, size_t cols, const float* src, size_t lds, float* dst, size_t ldd);
sg_status unary(sg_stream s, sg_unary_op op, size_t n, const float* x, float* y, float alpha, float beta);
sg_status unary_backward(sg_stream s, sg_unary_op op, size_t n, const float* x, const float* y, const float* dy,
                         float* dx, float alpha);
sg_status binary(sg_stream s, sg_binary_op op, size_t rows, size_t cols, const float* a, sg_broadcast a_mode,
                 const float* b, sg_broadcast b_mode, float* out);

// gemm.cu
sg_status gemm(sg_stream s, int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha, const float* a,
               size_t lda, const float* b, size_t ldb, float beta, float* c, size_t ldc, const float* bias,
               sg_unary_op act, float act_alpha);

// reduce.cu
sg_status reduce(sg_stream s, sg_reduce_op op, sg_axis axis, size_t rows, size_t cols, const float* x, float* out);
sg_status softmax(sg_stream s, int log, size_t rows, size_t cols, const float* x, float* out);

// losses.cu
sg_status softmax_xent(sg_stream s, size_t rows, size_t cols, const float* logits, const float* labels,
                       const float* targets, float* loss, float* dlogits);
sg_status sigmoid_xent(sg_stream s, size_t rows, size_t cols, const float* logits, const float* targets, float* loss,
                       float* dlogits);
sg_status gaussian_kl(sg_stream s, size_t rows, size_t cols, const float* mu, const float* logvar, float* loss,
                      float* dmu, float* dlogvar);

// batchnorm.cu
sg_status batchnorm_forward(sg_stream s, size_t rows, size_t cols, const float* x, float eps, float* y, float* mean,
                            float* invstd, float* variance);
sg_status batchnorm_backward(sg_stream s, size_t rows, size_t cols, const float* dy, const float* y,
                             const float* invstd, float* dx);

// random.cu
sg_status reparameterize(sg_stream s, size_t n, const float* mu, const float* logvar, uint64_t seed, uint64_t offset,
                         float* eps, float* z);
sg_status random(sg_stream s, sg_distribution dist, size_t n, uint64_t seed, uint64_t offset, float p1, float p2,
                 float* out);

// gather.cu
sg_status gather_rows(sg_stream s, size_t rows, size_t cols, const float* src, size_t src_rows, const int32_t* index,
                      float* out);

// optim.cu
sg_status adam(sg_stream s, size_t count, float* const* params, const float* const* grads, float* const* m,
               float* const* v, const size_t* sizes, float lr, float beta1, float beta2, float eps, float weight_decay,
               int decoupled, int64_t step);
sg_status sgd(sg_stream s, size_t count, float* const* params, const float* const* grads, float* const* velocity,
              const size_t* sizes, float lr, float momentum, float weight_decay, int nesterov);

}  // namespace sg::cuda

// Returns the status of a failed runtime call from the enclosing function, recording its text.
#define SG_CUDA_TRY(expr)                                                   \
  do {                                                                      \
    cudaError_t sg_cuda_error_ = (expr);                                    \
    if (sg_cuda_error_ != cudaSuccess) return sg::cuda::record_error(sg_cuda_error_, #expr); \
  } while (0)
