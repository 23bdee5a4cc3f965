// CUDA memory entries: device allocation, host <-> device copies on the device's stream, and
// stream synchronisation. The caching allocator in native/ sits on top, so cudaMalloc is rare.
#include <cstring>
#include <mutex>

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

namespace {

// Uploads go through pinned staging. From pageable memory cudaMemcpyAsync first waits for the stream's queued work,
// so each batch upload would stall the host behind the previous step's kernels; from pinned memory it only
// queues the copy. A copy is cut into pieces of kSlotBytes; each piece is copied on the host into the next slot of
// a per-device ring of pinned slots, queued from there, and an event recorded behind it; a slot is written again
// only once its event, kSlots pieces ago, has passed. The caller's buffer is free when copy_from_host returns.
constexpr size_t kSlots = 4;
constexpr size_t kSlotBytes = size_t(4) << 20;

struct Staging {
  std::mutex mutex;
  char* pinned = nullptr;  // kSlots * kSlotBytes, page-locked
  cudaEvent_t done[kSlots] = {};
  bool queued[kSlots] = {};
  size_t next = 0;
  bool unavailable = false;  // the pinned allocation failed: copies go from pageable memory
};

Staging staging[kMaxDevices];

// The device's ring, allocated on first use; false when pinned memory cannot be had.
bool ready(Staging& st) {
  if (st.pinned != nullptr) return true;
  if (st.unavailable) return false;
  void* pinned = nullptr;
  if (cudaMallocHost(&pinned, kSlots * kSlotBytes) != cudaSuccess) {
    cudaGetLastError();  // not sticky: this path is only slower
    st.unavailable = true;
    return false;
  }
  for (size_t i = 0; i < kSlots; ++i) {
    if (cudaEventCreateWithFlags(&st.done[i], cudaEventDisableTiming) != cudaSuccess) {
      cudaGetLastError();
      for (size_t j = 0; j < i; ++j) cudaEventDestroy(st.done[j]);
      cudaFreeHost(pinned);
      st.unavailable = true;
      return false;
    }
  }
  st.pinned = static_cast<char*>(pinned);
  return true;
}

}  // namespace

sg_status copy_from_host(int device, sg_stream s, void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return SG_OK;
  if (dst == nullptr || src == nullptr) return SG_ERR_ARGUMENT;
  sg_status status = use_device(device);
  if (status != SG_OK) return status;
  if (device < 0 || device >= kMaxDevices) return SG_ERR_ARGUMENT;
  Staging& st = staging[device];
  std::lock_guard<std::mutex> lock(st.mutex);
  if (!ready(st)) {
    SG_CUDA_TRY(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, to_stream(s)));
    return SG_OK;
  }
  for (size_t at = 0; at < bytes; at += kSlotBytes) {
    const size_t piece = bytes - at < kSlotBytes ? bytes - at : kSlotBytes;
    const size_t slot = st.next++ % kSlots;
    if (st.queued[slot]) SG_CUDA_TRY(cudaEventSynchronize(st.done[slot]));  // its last copy has left the slot
    st.queued[slot] = false;
    char* pinned = st.pinned + slot * kSlotBytes;
    std::memcpy(pinned, static_cast<const char*>(src) + at, piece);
    SG_CUDA_TRY(cudaMemcpyAsync(static_cast<char*>(dst) + at, pinned, piece, cudaMemcpyHostToDevice, to_stream(s)));
    const cudaError_t recorded = cudaEventRecord(st.done[slot], to_stream(s));
    if (recorded != cudaSuccess) {  // no event behind the copy: wait for it here, so the slot is free
      cudaStreamSynchronize(to_stream(s));
      return record_error(recorded, "cudaEventRecord(st.done[slot], to_stream(s))");
    }
    st.queued[slot] = true;
  }
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
