// Storage: the JS object holding one block of device memory (float32 elements) from the caching allocator.
// Only `alloc` creates one; `free` gives the block back; a finalizer returns it if free was never called.
#pragma once

#include <napi.h>

#include "allocator.h"
#include "device.h"

namespace sg::native {

class Storage : public Napi::ObjectWrap<Storage> {
 public:
  // Registers the class with this env (kept in the env's instance data for `create`).
  static void init(Napi::Env env);

  // The Storage behind `value` when it is one of ours (checked by type tag), else nullptr. Never throws.
  static Storage* from_value(napi_env env, napi_value value);

  // A new JS Storage owning `block`, which holds `length` floats on `device`.
  static napi_value create(napi_env env, const Device& device, Block block, size_t length);

  explicit Storage(const Napi::CallbackInfo& info);
  ~Storage() override;

  // Returns the block to the cache and marks this storage freed. The caller checks `freed` first.
  void release(napi_env env);

  // Read directly by the argument checks on every call, so plain fields.
  const Device* device = nullptr;
  float* data = nullptr;
  size_t length = 0;
  bool freed = true;

 private:
  Napi::Value device_getter(const Napi::CallbackInfo& info);
  Napi::Value length_getter(const Napi::CallbackInfo& info);
  Napi::Value freed_getter(const Napi::CallbackInfo& info);

  Block block_;
};

}  // namespace sg::native
