// Internal to kernels/cuda/: error recording, the device-selection helper, launch sizing, and the
// declarations of the kernel entries table.cu puts in the CUDA sg_kernels table. Not part of the C ABI.
#pragma once

#if defined(SEMIGEN_CUDA_ON_HOST)
#include "check/host_cuda.h"  // the host checker compiles the .cu files themselves
#else
#include <cuda_runtime.h>
#endif

#include <cstddef>

#include "semigen/kernels.h"

namespace sg::cuda {

// Devices the per-device tables of kernels/cuda/ (streams, staging, GEMM workspace and multiprocessors) hold.
constexpr int kMaxDevices = 64;

// Records `what` failed with `error` (read back by sg_cuda_last_error on this thread), clears the
// runtime's non-sticky error state, and returns the matching status.
sg_status record_error(cudaError_t error, const char* what);

// Makes `device` current on this thread (cached, so repeated calls cost a compare).
sg_status use_device(int device);

// The device whose stream `s` is (sg_cuda_stream), or -1 for the NULL stream or one not ours.
int stream_device(sg_stream s);

// Makes the device of stream `s` current (a launch into another device's stream is refused); the NULL
// stream leaves the current device as it is. The kernel table (table.cu) calls it before every entry that
// takes a stream first.
sg_status enter(sg_stream s);

// Whether SEMIGEN_CUDA_SYNC=1 asks every launch to synchronise its stream and check it (read once).
bool sync_launches();

inline cudaStream_t to_stream(sg_stream s) { return static_cast<cudaStream_t>(s); }

constexpr int kThreadsPerBlock = 256;

// Blocks for a grid-stride loop over n items: enough to fill any GPU, few enough to amortise launch.
inline unsigned blocks_for(size_t n, int threads_per_block = kThreadsPerBlock) {
  size_t blocks = (n + threads_per_block - 1) / threads_per_block;
  const size_t max_blocks = size_t(1) << 16;
  return static_cast<unsigned>(blocks < max_blocks ? blocks : max_blocks);
}

// ---- the kernel entries, one per line of SG_KERNEL_ENTRIES (kernels.h) ----
// memory.cu, fill.cu, elementwise.cu (copy_2d, unary, unary_backward, binary), gemm.cu, reduce.cu (reduce, softmax),
// losses.cu, batchnorm.cu, random.cu, gather.cu and optim.cu define them.
#define SG_DECLARE_KERNEL(name, parameters) sg_status name parameters;
SG_KERNEL_ENTRIES(SG_DECLARE_KERNEL)
#undef SG_DECLARE_KERNEL

}  // namespace sg::cuda

// Returns the status of a failed runtime call from the enclosing function, recording its text.
#define SG_CUDA_TRY(expr)                                                   \
  do {                                                                      \
    cudaError_t sg_cuda_error_ = (expr);                                    \
    if (sg_cuda_error_ != cudaSuccess) return sg::cuda::record_error(sg_cuda_error_, #expr); \
  } while (0)
