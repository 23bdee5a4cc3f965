// CUDA fill: out[i] = value. The first compute kernel of the CUDA table, and the pattern the others
// follow: a grid-stride loop, a launch on the caller's stream, the launch checked at once.
#include "launch.cuh"

namespace sg::cuda {

__global__ void fill_kernel(size_t n, float value, float* out) {
  size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) out[i] = value;
}

sg_status fill(sg_stream s, size_t n, float value, float* out) {
  if (n == 0) return SG_OK;
  if (out == nullptr) return SG_ERR_ARGUMENT;
  SG_LAUNCH(fill_kernel, blocks_for(n), kThreadsPerBlock, to_stream(s))(n, value, out);
  return launched(to_stream(s), "fill");
}

}  // namespace sg::cuda
