// Storage implementation: construction only through `create`, a registry so any JS value can be checked
// cheaply, and host-memory accounting so V8 knows to collect storages nobody disposed.
#include "storage.h"

#include <atomic>
#include <unordered_set>

namespace sg::native {

namespace {

// The Storage objects alive on this thread (each env runs on one thread, and a storage is created,
// used and finalized on its env's thread). `from_value` unwraps any wrapped object, then accepts the
// pointer only if it is in this set: one private-property lookup instead of two for a type tag, and
// an object wrapped by another addon is never misread. Leaked on purpose, like the devices, so that
// finalizers running late at shutdown still find it.
thread_local std::unordered_set<const Storage*>* live_storages = nullptr;

bool is_live(const Storage* s) { return live_storages != nullptr && live_storages->count(s) != 0; }

std::unordered_set<const Storage*>& live_set() {
  if (live_storages == nullptr) live_storages = new std::unordered_set<const Storage*>();
  return *live_storages;
}

struct EnvData {
  Napi::FunctionReference constructor;
};

// Set while `create` runs the constructor, so `new` from JS cannot make an empty Storage.
thread_local bool creating = false;

// CPU bytes released by finalizers, which must not call into V8; the next alloc/free reports them.
std::atomic<int64_t> finalized_host_bytes{0};

void account_host_bytes(napi_env env, int64_t delta) {
  delta -= finalized_host_bytes.exchange(0, std::memory_order_relaxed);
  if (delta != 0) {
    int64_t ignored = 0;
    napi_adjust_external_memory(env, delta, &ignored);
  }
}

}  // namespace

void Storage::init(Napi::Env env) {
  Napi::Function cls = DefineClass(env, "Storage",
                                   {InstanceAccessor<&Storage::device_getter>("device"),
                                    InstanceAccessor<&Storage::length_getter>("length"),
                                    InstanceAccessor<&Storage::freed_getter>("freed")});
  auto* data = new EnvData{Napi::Persistent(cls)};
  env.SetInstanceData<EnvData>(data);
}

Storage* Storage::from_value(napi_env env, napi_value value) {
  void* wrapped = nullptr;
  // napi_unwrap fails (without throwing) on non-objects and on objects nobody wrapped.
  if (napi_unwrap(env, value, &wrapped) != napi_ok || wrapped == nullptr) return nullptr;
  if (!is_live(static_cast<const Storage*>(wrapped))) return nullptr;
  return static_cast<Storage*>(wrapped);
}

napi_value Storage::create(napi_env env, const Device& device, Block block, size_t length) {
  EnvData* data = Napi::Env(env).GetInstanceData<EnvData>();
  creating = true;
  Napi::Object object;
  try {
    object = data->constructor.New({});
  } catch (...) {
    creating = false;
    device.allocator->release(block);
    throw;
  }
  creating = false;
  Storage* storage = Unwrap(object);
  storage->device = &device;
  storage->data = static_cast<float*>(block.ptr);
  storage->length = length;
  storage->freed = false;
  storage->block_ = block;
  if (device.kind == DeviceKind::cpu) account_host_bytes(env, static_cast<int64_t>(block.bytes));
  return object;
}

Storage::Storage(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Storage>(info) {
  if (!creating) {
    throw Napi::TypeError::New(info.Env(), "Storage cannot be constructed directly; use alloc(device, length)");
  }
  live_set().insert(this);
}

Storage::~Storage() {
  if (live_storages != nullptr) live_storages->erase(this);
  // Safety net for storages never freed: the block goes back to the cache (no device call, no JS call).
  if (!freed && device != nullptr) {
    device->allocator->release(block_);
    if (device->kind == DeviceKind::cpu) {
      finalized_host_bytes.fetch_add(static_cast<int64_t>(block_.bytes), std::memory_order_relaxed);
    }
  }
}

void Storage::release(napi_env env) {
  device->allocator->release(block_);
  if (device->kind == DeviceKind::cpu) account_host_bytes(env, -static_cast<int64_t>(block_.bytes));
  block_ = Block{};
  data = nullptr;
  freed = true;
}

// The getters also check the registry: through the prototype they could be called on another addon's object.
Napi::Value Storage::device_getter(const Napi::CallbackInfo& info) {
  if (!is_live(this)) return info.Env().Undefined();
  return Napi::String::New(info.Env(), device != nullptr ? device->name : std::string("none"));
}

Napi::Value Storage::length_getter(const Napi::CallbackInfo& info) {
  if (!is_live(this)) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), static_cast<double>(length));
}

Napi::Value Storage::freed_getter(const Napi::CallbackInfo& info) {
  if (!is_live(this)) return info.Env().Undefined();
  return Napi::Boolean::New(info.Env(), freed);
}

}  // namespace sg::native
