// CPU device memory for the sg_kernels table: 64-byte aligned blocks (a cache line, one AVX-512 vector),
// host copies as memcpy, and a synchronize that has nothing to wait for (CPU kernels return when done).
#include <cstdlib>
#include <cstring>

#include "cpu_kernels.h"

namespace sg::cpu {

namespace {
constexpr size_t kAlignment = 64;
}

// `device` is ignored: there is one CPU device.
sg_status alloc(int, size_t bytes, void** out) {
  if (!out) return SG_ERR_ARGUMENT;
  *out = nullptr;
  // aligned_alloc wants a multiple of the alignment; a zero-byte request still gets a distinct block
  if (bytes > SIZE_MAX - kAlignment) return SG_ERR_MEMORY;
  const size_t rounded = bytes == 0 ? kAlignment : (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (!p) return SG_ERR_MEMORY;
  *out = p;
  return SG_OK;
}

sg_status release(int, void* ptr) {
  std::free(ptr);  // NULL is fine, as with free
  return SG_OK;
}

sg_status copy_from_host(int, sg_stream, void* dst, const void* src, size_t bytes) {
  if (bytes != 0 && (!dst || !src)) return SG_ERR_ARGUMENT;
  if (bytes != 0) std::memmove(dst, src, bytes);
  return SG_OK;
}

sg_status copy_to_host(int, sg_stream, void* dst, const void* src, size_t bytes) {
  if (bytes != 0 && (!dst || !src)) return SG_ERR_ARGUMENT;
  if (bytes != 0) std::memmove(dst, src, bytes);
  return SG_OK;
}

sg_status synchronize(int, sg_stream) { return SG_OK; }

}  // namespace sg::cpu
