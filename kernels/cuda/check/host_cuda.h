// CUDA as the host checker runs it: what the compute files of kernels/cuda/ (*.cu) use of CUDA C++ and its
// runtime, defined for a plain C++ compiler, so that the checker compiles those very files (check/on_host/) and
// calls their entries. cuda_internal.cuh includes this instead of <cuda_runtime.h> when SEMIGEN_CUDA_ON_HOST is
// defined; nothing else in the .cu files changes.
//
// A launch runs every block of its grid in turn, and each thread of a block as a fiber: a thread runs until it
// reaches __syncthreads, __syncwarp or a shuffle, and the barrier opens once every thread it waits for has
// reached it. Each warp in turn runs as far as it can, through its shuffles, to the next __syncthreads; within
// a warp the lanes run one after another between two shuffles. Warps and lanes go in forward or in reverse
// order (set_order). Both are legal GPU schedules: a kernel that reads, in one barrier interval, what another
// thread writes in the same interval (a missing barrier) gets other values in one of the two orders. A warp
// whose lanes meet at a shuffle and a __syncwarp, a warp barrier some lanes never reach, or a __syncthreads some
// threads of the block never reach (having returned) fails the launch (cudaGetLastError), as compute-sanitizer's
// synccheck would report it; two different __syncthreads statements are not told apart.
//
// __shared__ variables are static, in the section sg_shared: one copy that every block of a launch reuses, blocks
// running one at a time; each block starts with all of them NaN, as garbage, so a block that reads shared memory
// before it writes it gets NaN.
// Kernel parameters are copied once per launch. Streams only name their device: a launch completes before it
// returns, and so does a copy unless deferred copies are on (set_deferred_copies), which the checks of memory.cu's
// staging use. device.cu is compiled with the rest, so errors, streams and the current device are its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <tuple>
#include <utility>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__
#define __launch_bounds__(...)
#define __shared__ static __attribute__((section("sg_shared")))
#define __align__(n) __attribute__((aligned(n)))

enum cudaError_t {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidDevice = 101,
  cudaErrorNoKernelImageForDevice = 209,
  cudaErrorInvalidResourceHandle = 400,
  cudaErrorIllegalAddress = 700,
  cudaErrorLaunchTimeout = 702,
  cudaErrorAssert = 710,
  cudaErrorHardwareStackError = 714,
  cudaErrorIllegalInstruction = 715,
  cudaErrorMisalignedAddress = 716,
  cudaErrorInvalidAddressSpace = 717,
  cudaErrorInvalidPc = 718,
  cudaErrorLaunchFailure = 719,
};
enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
};
enum cudaDeviceAttr { cudaDevAttrMultiProcessorCount = 16 };
struct CUstream_st;
using cudaStream_t = CUstream_st*;
struct CUevent_st;
using cudaEvent_t = CUevent_st*;
constexpr unsigned cudaEventDisableTiming = 2;
constexpr unsigned cudaStreamNonBlocking = 1;
struct cudaDeviceProp {
  char name[256];
  size_t totalGlobalMem;
  int major, minor;
};
struct cudaFuncAttributes {
  int binaryVersion, ptxVersion;
};

namespace sg::host_cuda {

struct Dim3 {
  unsigned x, y, z;
};

// Where the running thread is: what threadIdx, blockIdx, blockDim and gridDim read.
struct Place {
  Dim3 thread, block, block_dim, grid_dim;
};
extern Place here;

enum class Order { forward, reverse };
void set_order(Order order);
Order order();

// The host's GPUs: kDevices of them, alike but for their multiprocessors: 132 (cuda:0, an H100's), 1 (cuda:1,
// where every GEMM takes the large tiles) and 2^30 (cuda:2, always the small ones). A stream belongs
// to the device current when it was created; a launch into it while another device is current fails, as on a GPU
// (cudaErrorInvalidResourceHandle).
constexpr int kDevices = 3;

// The blocks of the last launch.
unsigned last_blocks();

// A fault in the next kernel launched, as an illegal address is: the launch itself returns, the stream's next
// synchronisation reports cudaErrorIllegalAddress, and from then on every call does (a sticky fault), until
// clear_fault() (which no GPU offers: the checker's own process goes on).
void inject_fault();
void clear_fault();

// Caps the blocks of every launch at `blocks` (0: no cap), as a grid-stride launcher caps its grid at
// body::kMaxBlocks: only for entries whose kernels loop over a grid of any size.
void set_grid_cap(unsigned blocks);

// With deferred copies on, cudaMemcpyAsync from pinned memory (cudaMallocHost) reads its source only when the
// stream reaches it: at cudaStreamSynchronize, cudaDeviceSynchronize, or cudaEventSynchronize of an event recorded
// after it, as a GPU's copy engine would. A copy from pageable memory reads its source at once, as the runtime
// stages it. Off (the default), every copy completes when it is queued.
void set_deferred_copies(bool on);

// Launches run so far, and the text of the last failed one ("" when none failed since the last take).
uint64_t launches();
std::string take_failure();

void syncthreads();
void syncwarp(unsigned mask);
float shfl_xor(unsigned mask, float value, int lane_mask);

// Runs run(closure) as every thread of a blocks x threads launch into `stream`.
void run_grid(const char* kernel, unsigned blocks, unsigned threads, cudaStream_t stream, void (*run)(void*),
              void* closure);

template <class... Params>
struct Launch {
  void (*kernel)(Params...);
  const char* name;
  unsigned blocks, threads;
  cudaStream_t stream;
  template <class... Args>
  void operator()(Args&&... args) const {
    const std::tuple<std::decay_t<Params>...> params(std::forward<Args>(args)...);  // converted as a launch converts
    auto call = [&] { std::apply(kernel, params); };
    run_grid(name, blocks, threads, stream, [](void* c) { (*static_cast<decltype(call)*>(c))(); }, &call);
  }
};

template <class... Params>
Launch<Params...> launch(void (*kernel)(Params...), const char* name, unsigned blocks, unsigned threads,
                         cudaStream_t stream) {
  return Launch<Params...>{kernel, name, blocks, threads, stream};
}

}  // namespace sg::host_cuda

#define threadIdx (::sg::host_cuda::here.thread)
#define blockIdx (::sg::host_cuda::here.block)
#define blockDim (::sg::host_cuda::here.block_dim)
#define gridDim (::sg::host_cuda::here.grid_dim)
#define __syncthreads() ::sg::host_cuda::syncthreads()
#define __syncwarp(mask) ::sg::host_cuda::syncwarp(mask)
#define __shfl_xor_sync(mask, value, lane_mask) ::sg::host_cuda::shfl_xor((mask), (value), (lane_mask))

// The launch syntax of launch.cuh's SG_LAUNCH.
#define SG_HOST_LAUNCH(kernel, blocks, threads, stream) \
  ::sg::host_cuda::launch(kernel, #kernel, (blocks), (threads), (stream))

cudaError_t cudaGetLastError();
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t stream);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned flags);
template <class Kernel>
cudaError_t cudaFuncGetAttributes(cudaFuncAttributes* attributes, Kernel) {
  attributes->binaryVersion = 90;
  attributes->ptxVersion = 0;
  return cudaSuccess;
}
cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attribute, int device);
cudaError_t cudaMalloc(void** ptr, size_t bytes);
cudaError_t cudaFree(void* ptr);
cudaError_t cudaMallocHost(void** ptr, size_t bytes);
cudaError_t cudaFreeHost(void* ptr);
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned flags);
cudaError_t cudaEventDestroy(cudaEvent_t event);
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream);
cudaError_t cudaEventSynchronize(cudaEvent_t event);
const char* cudaGetErrorString(cudaError_t error);
const char* cudaGetErrorName(cudaError_t error);
