// CUDA memory entries: device allocation, host <-> device copies on the device's stream, and
// stream synchronisation. The caching allocator in native/ sits on top, so cudaMalloc is rare.
#include "cuda_internal.cuh"

namespace sg::cuda {

sg_status alloc(int device, size_t bytes, void** out) {
  if (out == nullptr) return SG_ERR_ARGUMENT;
  *out = nullptr;
  sg_status status = use_device(device);
  if (status != SG_OK) return status;
  SG_CUDA_TRY(cudaMalloc(out, bytes));
  return SG_OK;
}

// Kernels queued on the device may still read or write the block: wait for them first, explicitly (cudaFree
// synchronises the device today, but a block freed under a running kernel would be handed out again).
sg_status release(int device, void* ptr) {
  if (ptr == nullptr) return SG_OK;
  sg_status status = use_device(device);
  if (status != SG_OK) return status;
  SG_CUDA_TRY(cudaDeviceSynchronize());
  SG_CUDA_TRY(cudaFree(ptr));
  return SG_OK;
}

// From pageable host memory cudaMemcpyAsync returns once the source is staged, so callers may reuse
// their buffer at once; the device side stays ordered on the stream.
sg_status copy_from_host(int device, sg_stream s, void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return SG_OK;
  if (dst == nullptr || src == nullptr) return SG_ERR_ARGUMENT;
  sg_status status = use_device(device);
  if (status != SG_OK) return status;
  SG_CUDA_TRY(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, to_stream(s)));
  return SG_OK;
}

sg_status copy_to_host(int device, sg_stream s, void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return SG_OK;
  if (dst == nullptr || src == nullptr) return SG_ERR_ARGUMENT;
  sg_status status = use_device(device);
  if (status != SG_OK) return status;
  SG_CUDA_TRY(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, to_stream(s)));
  return SG_OK;
}

sg_status synchronize(int device, sg_stream s) {
  sg_status status = use_device(device);
  if (status != SG_OK) return status;
  SG_CUDA_TRY(cudaStreamSynchronize(to_stream(s)));
  return SG_OK;
}

}  // namespace sg::cuda
