// Device-side glue of the CUDA kernels: the Thread of the calling thread, team reductions with warp shuffles,
// SG_LAUNCH, and the launch check every entry ends with. nvcc compiles it, and so does the host checker
// (SEMIGEN_CUDA_ON_HOST, check/host_cuda.h).
#pragma once

#include "bodies/common.cuh"
#include "bodies/rows.cuh"
#include "cuda_internal.cuh"

// kernel<<<blocks, threads, 0, stream>>>, spelled so that the host checker can run the same line.
#if defined(SEMIGEN_CUDA_ON_HOST)
#define SG_LAUNCH(kernel, blocks, threads, stream) SG_HOST_LAUNCH(kernel, blocks, threads, stream)
#else
#define SG_LAUNCH(kernel, blocks, threads, stream) kernel<<<(blocks), (threads), 0, (stream)>>>
#endif

namespace sg::cuda {

__device__ __forceinline__ body::Thread this_thread() {
  return body::Thread{blockIdx.x, threadIdx.x, gridDim.x, blockDim.x};
}

// Butterfly over the warp: every lane ends with the same combination of all 32 values.
template <class Op>
__device__ __forceinline__ float warp_reduce(float v, Op op) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

// Over a whole block: each warp's butterfly, then warp results combined in warp order by every thread.
// `scratch` holds one float per warp; the trailing barrier lets the next call reuse it.
template <class Op>
__device__ __forceinline__ float block_reduce(float v, Op op, float* scratch) {
  v = warp_reduce(v, op);
  const unsigned warps = blockDim.x / 32;
  if (threadIdx.x % 32 == 0) scratch[threadIdx.x / 32] = v;
  __syncthreads();
  float r = scratch[0];
  for (unsigned w = 1; w < warps; ++w) r = op(r, scratch[w]);
  __syncthreads();
  return r;
}

// A team's reduction: a warp team (lanes == 32) shuffles, a block team goes through shared memory.
template <class Op>
__device__ __forceinline__ float team_reduce(const body::Team& team, float v, Op op, float* scratch) {
  return team.lanes == body::kWarpLanes ? warp_reduce(v, op) : block_reduce(v, op, scratch);
}

// Orders every lane's earlier reads of shared addresses before any lane's later writes: a shuffle exchanges
// registers but orders no memory, so a warp team needs __syncwarp (all 32 lanes take part: teams never diverge).
__device__ __forceinline__ void team_sync(const body::Team& team) {
  if (team.lanes == body::kWarpLanes) __syncwarp(0xffffffffu);
  else __syncthreads();
}

// After a launch: the launch error, if any, recorded and returned. With SEMIGEN_CUDA_SYNC=1 the stream is
// synchronised too, so a fault in the kernel is reported here, under its own op's name.
inline sg_status launched(cudaStream_t stream, const char* what) {
  cudaError_t error = cudaGetLastError();
  if (error == cudaSuccess && sync_launches()) error = cudaStreamSynchronize(stream);
  return error == cudaSuccess ? SG_OK : record_error(error, what);
}

}  // namespace sg::cuda
