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

}  // namespace sg::cuda

// Returns the status of a failed runtime call from the enclosing function, recording its text.
#define SG_CUDA_TRY(expr)                                                   \
  do {                                                                      \
    cudaError_t sg_cuda_error_ = (expr);                                    \
    if (sg_cuda_error_ != cudaSuccess) return sg::cuda::record_error(sg_cuda_error_, #expr); \
  } while (0)
