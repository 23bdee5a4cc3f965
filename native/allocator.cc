// The caching allocator: bucket rounding, reuse, and release of cached blocks to the device.
#include "allocator.h"

#include "device.h"

namespace sg::native {

size_t Allocator::bucket_size(size_t bytes) {
  constexpr size_t kSmallStep = 64;
  constexpr size_t kSmallLimit = 4096;
  if (bytes <= kSmallStep) return kSmallStep;
  if (bytes <= kSmallLimit) return (bytes + kSmallStep - 1) / kSmallStep * kSmallStep;
  // Quarter steps of the power of two below: 4096 < bytes <= 5120 -> 5120, ... -> 8192, then 10240, ...
  size_t power = size_t(1) << (63 - __builtin_clzll(static_cast<unsigned long long>(bytes - 1)));
  size_t step = power / 4;
  if (bytes > SIZE_MAX - step) return bytes;  // absurd sizes: let the device refuse them
  return (bytes + step - 1) / step * step;
}

Block Allocator::allocate(size_t bytes, sg_status* status) {
  size_t size = bucket_size(bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = free_blocks_.find(size);
  if (it != free_blocks_.end() && !it->second.empty()) {
    void* ptr = it->second.back();
    it->second.pop_back();
    stats_.cached_blocks--;
    stats_.cached_bytes -= size;
    stats_.live_blocks++;
    stats_.live_bytes += size;
    *status = SG_OK;
    return Block{ptr, size};
  }
  void* ptr = nullptr;
  sg_status st = device_.table->alloc(device_.index, size, &ptr);
  if ((st != SG_OK || ptr == nullptr) && stats_.cached_blocks > 0) {
    // Out of memory with blocks of other sizes idle: give them back and try once more.
    empty_cache_locked();
    ptr = nullptr;
    st = device_.table->alloc(device_.index, size, &ptr);
  }
  if (st == SG_OK && ptr == nullptr) st = SG_ERR_MEMORY;
  *status = st;
  if (st != SG_OK) return Block{};
  stats_.live_blocks++;
  stats_.live_bytes += size;
  return Block{ptr, size};
}

void Allocator::release(Block block) {
  if (block.ptr == nullptr) return;
  std::lock_guard<std::mutex> lock(mutex_);
  free_blocks_[block.bytes].push_back(block.ptr);
  stats_.live_blocks--;
  stats_.live_bytes -= block.bytes;
  stats_.cached_blocks++;
  stats_.cached_bytes += block.bytes;
}

void Allocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mutex_);
  empty_cache_locked();
}

void Allocator::empty_cache_locked() {
  for (auto& [size, blocks] : free_blocks_) {
    for (void* ptr : blocks) device_.table->release(device_.index, ptr);
    stats_.cached_blocks -= blocks.size();
    stats_.cached_bytes -= size * blocks.size();
    blocks.clear();  // keep the bucket's vector: its capacity is reused
  }
}

MemoryStats Allocator::stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

}  // namespace sg::native
