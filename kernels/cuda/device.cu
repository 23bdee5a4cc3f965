// CUDA device discovery, per-device streams and error text. Everything here must work (and report zero
// devices) on a machine with no GPU or no driver: the static runtime loads libcuda lazily, and every
// failure becomes a return value.
#include <cstdio>
#include <cstring>
#include <mutex>

#include "cuda_internal.cuh"

namespace sg::cuda {

namespace {

constexpr int kMaxDevices = 64;

thread_local char last_error[512] = "";
thread_local int current_device = -1;

std::mutex stream_mutex;
cudaStream_t streams[kMaxDevices] = {};
bool stream_created[kMaxDevices] = {};

}  // namespace

sg_status record_error(cudaError_t error, const char* what) {
  std::snprintf(last_error, sizeof last_error, "%s: %s (%s)", what, cudaGetErrorString(error),
                cudaGetErrorName(error));
  cudaGetLastError();  // clear a non-sticky error so the next call starts clean
  if (error == cudaErrorMemoryAllocation) return SG_ERR_MEMORY;
  if (error == cudaErrorInvalidValue) return SG_ERR_ARGUMENT;
  return SG_ERR_DEVICE;
}

sg_status use_device(int device) {
  if (device == current_device) return SG_OK;
  SG_CUDA_TRY(cudaSetDevice(device));
  current_device = device;
  return SG_OK;
}

}  // namespace sg::cuda

extern "C" int sg_cuda_compiled(void) { return 1; }

extern "C" int sg_cuda_device_count(void) {
  int count = 0;
  cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess) {
    // No driver, no GPU, or a driver too old for this runtime: zero devices, with the reason kept.
    sg::cuda::record_error(error, "cudaGetDeviceCount");
    return 0;
  }
  return count;
}

extern "C" sg_status sg_cuda_device_info(int device, char* name, size_t name_len, size_t* total_memory) {
  if (device < 0 || name == nullptr || name_len == 0 || total_memory == nullptr) return SG_ERR_ARGUMENT;
  cudaDeviceProp prop;
  cudaError_t error = cudaGetDeviceProperties(&prop, device);
  if (error != cudaSuccess) {
    sg::cuda::record_error(error, "cudaGetDeviceProperties");
    return SG_ERR_DEVICE;
  }
  std::snprintf(name, name_len, "%s", prop.name);
  *total_memory = prop.totalGlobalMem;
  return SG_OK;
}

#ifndef SEMIGEN_CUDA_ARCHS
#define SEMIGEN_CUDA_ARCHS "unknown"
#endif

namespace {
// Asked for its attributes only: which binary of this build the driver loaded for a device.
__global__ void code_probe() {}
}  // namespace

extern "C" sg_status sg_cuda_device_code(int device, int* capability, int* binary, int* ptx, const char** built) {
  if (device < 0 || capability == nullptr || binary == nullptr || ptx == nullptr || built == nullptr) return SG_ERR_ARGUMENT;
  *built = SEMIGEN_CUDA_ARCHS;
  cudaDeviceProp prop;
  cudaError_t error = cudaGetDeviceProperties(&prop, device);
  if (error != cudaSuccess) {
    sg::cuda::record_error(error, "cudaGetDeviceProperties");
    return SG_ERR_DEVICE;
  }
  *capability = prop.major * 10 + prop.minor;
  if (sg::cuda::use_device(device) != SG_OK) return SG_ERR_DEVICE;
  cudaFuncAttributes attributes;
  error = cudaFuncGetAttributes(&attributes, code_probe);
  if (error != cudaSuccess) {
    // no binary or PTX of this build runs on the device (cudaErrorNoKernelImageForDevice)
    sg::cuda::record_error(error, "cudaFuncGetAttributes");
    return SG_ERR_DEVICE;
  }
  *binary = attributes.binaryVersion;
  *ptx = attributes.ptxVersion;
  return SG_OK;
}

extern "C" sg_stream sg_cuda_stream(int device) {
  using namespace sg::cuda;
  if (device < 0 || device >= kMaxDevices) return nullptr;
  std::lock_guard<std::mutex> lock(stream_mutex);
  if (!stream_created[device]) {
    // Non-blocking: our work never waits on the legacy default stream. On failure the NULL (default)
    // stream is used, which is slower but correct.
    cudaStream_t stream = nullptr;
    if (use_device(device) == SG_OK) {
      cudaError_t error = cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
      if (error != cudaSuccess) {
        record_error(error, "cudaStreamCreateWithFlags");
        stream = nullptr;
      }
    }
    streams[device] = stream;
    stream_created[device] = true;
  }
  return streams[device];
}

extern "C" const char* sg_cuda_last_error(void) { return sg::cuda::last_error; }
