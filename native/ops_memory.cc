// Storage lifetime and transfers: alloc/free, upload/download, copies within and across devices,
// synchronisation, and the caching allocator's statistics.
#include <napi.h>

#include <vector>

#include "ops.h"

namespace sg::native {

napi_value op_alloc(Call& call) {
  const Device& device = call.device_arg("device");
  call.use_device(device);
  size_t length = call.size("length");
  sg_status status = SG_OK;
  Block block = device.allocator->allocate(length * sizeof(float), &status);
  if (status != SG_OK) {
    const char* cuda_error = device.kind == DeviceKind::cuda ? sg_cuda_last_error() : "";
    call.fail("could not allocate %zu floats (%zu bytes) on %s: %s%s%s", length, length * sizeof(float),
              device.name.c_str(), status_text(status), cuda_error[0] ? ": " : "", cuda_error);
  }
  return Storage::create(call.env(), device, block, length);
}

napi_value op_free(Call& call) {
  napi_value value = call.value("s", ParamKind::storage);
  Storage* s = Storage::from_value(call.env(), value);
  if (s == nullptr) call.fail("expected a storage, got %s", describe_value(call.env(), value).c_str());
  if (s->freed) call.fail("storage was already freed (freed twice)");
  s->release(call.env());
  return nullptr;
}

napi_value op_upload(Call& call) {
  Storage* dst = call.live_storage("dst");
  call.use_device(*dst->device);
  size_t offset = call.offset("dst");
  size_t n = 0;
  const float* host = call.float32_array("data", &n);
  float* target = call.view(dst, offset, "data", false, 1, n, n);
  const Device& device = call.device();
  call.check(call.kernel(&sg_kernels::copy_from_host)(device.index, device.stream, target, host, n * sizeof(float)));
  return nullptr;
}

napi_value op_download(Call& call) {
  size_t n = call.size("length");
  const float* source = call.vector("src", n);
  const Device& device = call.device();
  napi_value buffer = nullptr;
  napi_value result = nullptr;
  void* host = nullptr;
  if (napi_create_arraybuffer(call.env(), n * sizeof(float), &host, &buffer) != napi_ok) {
    call.fail("could not create a Float32Array of %zu elements", n);
  }
  if (n > 0) {
    call.check(call.kernel(&sg_kernels::copy_to_host)(device.index, device.stream, host, source, n * sizeof(float)));
    call.check(call.kernel(&sg_kernels::synchronize)(device.index, device.stream));
  }
  if (napi_create_typedarray(call.env(), napi_float32_array, n, buffer, 0, &result) != napi_ok) {
    call.fail("could not create a Float32Array of %zu elements", n);
  }
  return result;
}

// Copies between two devices: straight from/to host memory when one side is the CPU, else staged.
static void copy_across(Call& call, const Device& from, const float* src, const Device& to, float* dst, size_t n) {
  size_t bytes = n * sizeof(float);
  if (from.kind == DeviceKind::cpu) {
    call.check(to.table->copy_from_host(to.index, to.stream, dst, src, bytes));
    call.check(to.table->synchronize(to.index, to.stream));
  } else if (to.kind == DeviceKind::cpu) {
    call.check(from.table->copy_to_host(from.index, from.stream, dst, src, bytes));
    call.check(from.table->synchronize(from.index, from.stream));
  } else {
    std::vector<float> staging(n);
    call.check(from.table->copy_to_host(from.index, from.stream, staging.data(), src, bytes));
    call.check(from.table->synchronize(from.index, from.stream));
    call.check(to.table->copy_from_host(to.index, to.stream, dst, staging.data(), bytes));
    call.check(to.table->synchronize(to.index, to.stream));
  }
}

napi_value op_copy(Call& call) {
  size_t n = call.size("length");
  Storage* src = call.live_storage("src");
  Storage* dst = call.live_storage("dst");
  const float* from = call.view(src, call.offset("src"), "src", false, 1, n, n);
  float* to = call.view(dst, call.offset("dst"), "dst", false, 1, n, n);
  if (n == 0) return nullptr;
  call.use_device(*dst->device);  // errors below name the destination device
  if (src->device != dst->device) {
    copy_across(call, *src->device, from, *dst->device, to, n);
    return nullptr;
  }
  if (from == to) return nullptr;
  const Device& device = *src->device;
  bool overlap = src == dst && from < to + n && to < from + n;
  if (!overlap && device.table->copy_2d != nullptr) {
    call.check(device.table->copy_2d(device.stream, 1, n, from, n, to, n));
    return nullptr;
  }
  // Overlapping ranges (memmove semantics) or no device copy kernel: go through the host.
  std::vector<float> staging(n);
  call.check(device.table->copy_to_host(device.index, device.stream, staging.data(), from, n * sizeof(float)));
  call.check(device.table->synchronize(device.index, device.stream));
  call.check(device.table->copy_from_host(device.index, device.stream, to, staging.data(), n * sizeof(float)));
  call.check(device.table->synchronize(device.index, device.stream));
  return nullptr;
}

napi_value op_synchronize(Call& call) {
  const Device& device = call.device_arg("device");
  call.use_device(device);
  call.check(call.kernel(&sg_kernels::synchronize)(device.index, device.stream));
  return nullptr;
}

napi_value op_memory_stats(Call& call) {
  const Device& device = call.device_arg("device");
  MemoryStats stats = device.allocator->stats();
  Napi::Env env(call.env());
  Napi::Object result = Napi::Object::New(env);
  result.Set("device", device.name);
  result.Set("liveBlocks", static_cast<double>(stats.live_blocks));
  result.Set("liveBytes", static_cast<double>(stats.live_bytes));
  result.Set("cachedBlocks", static_cast<double>(stats.cached_blocks));
  result.Set("cachedBytes", static_cast<double>(stats.cached_bytes));
  return result;
}

// Bytes the caching allocator takes for a storage of `length` floats (so pools above it can keep exact stats).
napi_value op_block_bytes(Call& call) {
  size_t length = call.size("length");
  return Napi::Number::New(call.env(), static_cast<double>(Allocator::bucket_size(length * sizeof(float))));
}

napi_value op_empty_cache(Call& call) {
  const Device& device = call.device_arg("device");
  device.allocator->empty_cache();
  return nullptr;
}

}  // namespace sg::native
