// Per-device caching allocator: blocks are bucketed by rounded size and reused, so a training loop that
// allocates the same shapes every step asks the device for memory only in its first step.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "semigen/kernels.h"

namespace sg::native {

struct Device;

struct Block {
  void* ptr = nullptr;
  size_t bytes = 0;  // the bucket size actually reserved
};

struct MemoryStats {
  size_t live_blocks = 0;
  size_t live_bytes = 0;
  size_t cached_blocks = 0;
  size_t cached_bytes = 0;
};

class Allocator {
 public:
  explicit Allocator(const Device& device) : device_(device) {}

  // The bucket a request of `bytes` lands in: multiples of 64 B up to 4 KiB, then quarter steps between
  // powers of two (at most 25% slack); 0 bytes still gets a 64 B block so pointers are never NULL.
  static size_t bucket_size(size_t bytes);

  // A block of at least `bytes`, from the cache when one of its bucket is free. When the device is out
  // of memory the cache is emptied and the request retried once; on failure returns an empty Block and
  // the kernel status in *status.
  Block allocate(size_t bytes, sg_status* status);

  // Back to the cache (never to the device). Safe from finalizers and at shutdown.
  void release(Block block);

  // Gives every cached block back to the device.
  void empty_cache();

  MemoryStats stats();

 private:
  void empty_cache_locked();

  const Device& device_;
  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_blocks_;  // bucket bytes -> free blocks
  MemoryStats stats_;
};

}  // namespace sg::native
