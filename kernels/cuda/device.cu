// CUDA device discovery, per-device streams and error text. Everything here must work (and report zero
// devices) on a machine with no GPU or no driver: the static runtime loads libcuda lazily, and every
// failure becomes a return value.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "cuda_internal.cuh"
#include "faults.h"

static_assert(sg::cuda::kStickyFaults[0] == cudaErrorIllegalAddress && sg::cuda::kStickyFaults[1] == cudaErrorLaunchTimeout &&
                  sg::cuda::kStickyFaults[2] == cudaErrorAssert && sg::cuda::kStickyFaults[3] == cudaErrorHardwareStackError &&
                  sg::cuda::kStickyFaults[4] == cudaErrorIllegalInstruction &&
                  sg::cuda::kStickyFaults[5] == cudaErrorMisalignedAddress &&
                  sg::cuda::kStickyFaults[6] == cudaErrorInvalidAddressSpace && sg::cuda::kStickyFaults[7] == cudaErrorInvalidPc &&
                  sg::cuda::kStickyFaults[8] == cudaErrorLaunchFailure,
              "faults.h: the sticky fault codes must be the runtime's");

namespace sg::cuda {

namespace {

thread_local char last_error[1024] = "";
thread_local int current_device = -1;

std::mutex stream_mutex;
// Written once under stream_mutex, read without it by every launch (stream_device).
std::atomic<cudaStream_t> streams[kMaxDevices] = {};
bool stream_created[kMaxDevices] = {};

// The op that first reported a sticky fault: every later error of the process names it.
std::mutex fault_mutex;
char first_fault[128] = "";

}  // namespace

sg_status record_error(cudaError_t error, const char* what) {
  const bool sticky = is_sticky_fault(int(error));
  char first[sizeof first_fault] = "";
  if (sticky) {
    std::lock_guard<std::mutex> lock(fault_mutex);
    if (first_fault[0] == '\0') std::snprintf(first_fault, sizeof first_fault, "%s", what);
    std::memcpy(first, first_fault, sizeof first);
  }
  fault_text(last_error, sizeof last_error, what, cudaGetErrorString(error), cudaGetErrorName(error), sticky, first,
             sync_launches());
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

int stream_device(sg_stream s) {
  if (s == nullptr) return -1;
  for (int d = 0; d < kMaxDevices; ++d)
    if (streams[d].load(std::memory_order_acquire) == static_cast<cudaStream_t>(s)) return d;
  return -1;
}

sg_status enter(sg_stream s) {
  const int device = stream_device(s);
  return device < 0 ? SG_OK : use_device(device);
}

bool sync_launches() {
  static const bool on = [] {
    const char* value = std::getenv("SEMIGEN_CUDA_SYNC");
    return value != nullptr && std::strcmp(value, "1") == 0;
  }();
  return on;
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
    // Non-blocking: our work never waits on the legacy default stream. On failure NULL, and native/
    // refuses the device: a launch finds its device by its stream (enter).
    cudaStream_t stream = nullptr;
    if (use_device(device) == SG_OK) {
      cudaError_t error = cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
      if (error != cudaSuccess) {
        record_error(error, "cudaStreamCreateWithFlags");
        stream = nullptr;
      }
    }
    streams[device].store(stream, std::memory_order_release);
    stream_created[device] = true;
  }
  return streams[device].load(std::memory_order_relaxed);
}

extern "C" const char* sg_cuda_last_error(void) { return sg::cuda::last_error; }
