// Call: one addon call's arguments, read and checked (types, integer sizes, operand bounds, one device),
// the kernel entry looked up in that device's table, and its status turned into an OpError. Every export
// goes through `entry`, which reads the arguments without allocating and converts any error into a thrown
// JS Error, so no failure can escape into Node.
#pragma once

#include <node_api.h>

#include <cstdint>
#include <string>

#include "device.h"
#include "enum_names.h"
#include "errors.h"
#include "storage.h"

namespace sg::native {

class Call;
using OpFunction = napi_value (*)(Call& call);

// An export: its JS name (also the op name in messages) and its body.
struct OpEntry {
  const char* name;
  OpFunction body;
};

// The napi_callback every export is registered with; `data` is its OpEntry.
napi_value entry(napi_env env, napi_callback_info info);

class Call {
 public:
  static constexpr size_t kMaxArgs = 24;

  Call(napi_env env, napi_callback_info info);
  // Runs the op's body; any error becomes a pending JS exception and the result nullptr.
  napi_value run();

  napi_env env() const { return env_; }
  napi_value arg(size_t i) const { return argv_[i]; }
  // "binary(add)" once set_variant("add") was called, else "binary".
  std::string op_name() const;
  void set_variant(const char* variant) { variant_ = variant; }
  [[noreturn]] void fail(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));

  // ---- scalars ----
  double number(size_t i, const char* name) const;              // any JS number, NaN and Infinity included
  double finite(size_t i, const char* name) const;              // a finite number
  size_t size(size_t i, const char* name);                      // integer in [0, 2^53); named in messages
  bool flag(size_t i, const char* name) const;                  // a boolean
  int choice(size_t i, const char* name, const EnumNames& names) const;  // an enum value names allows
  uint64_t seed(size_t i, const char* name) const;              // integer in [0, 2^53)
  // The data of a typed array of `type` (its element count in *length), e.g. a Float32Array.
  void* typed_array(size_t i, const char* name, napi_typedarray_type type, const char* type_name,
                    size_t* length) const;
  // A device string argument, resolved.
  const Device& device_arg(size_t i, const char* name) const;

  // ---- operands: a storage at argument i, its float offset at i + 1 ----
  Storage* live_storage(size_t i, const char* name) const;  // a storage that was not freed, on any device
  Storage* storage(size_t i, const char* name);              // ... and on the call's device
  size_t offset(size_t i, const char* name) const;
  float* vector(size_t i, const char* name, size_t n);
  // rows x cols stored with leading dimension ld >= cols.
  float* matrix(size_t i, const char* name, size_t rows, size_t cols, size_t ld);
  bool present(size_t i) const;  // argument i is neither null nor undefined
  float* optional_vector(size_t i, const char* name, size_t n) { return present(i) ? vector(i, name, n) : nullptr; }
  float* optional_matrix(size_t i, const char* name, size_t rows, size_t cols, size_t ld) {
    return present(i) ? matrix(i, name, rows, cols, ld) : nullptr;
  }
  // The pointer to a rows x cols view (ld apart) at `offset` in `s`, after checking it lies inside.
  float* view(Storage* s, size_t offset, const char* name, bool is_matrix, size_t rows, size_t cols, size_t ld);
  // Adopts `storage`'s device as the call's device, or fails on a mismatch.
  void use_device(const Device& device);

  // The device every operand lives on (the CPU when the call has none).
  const Device& device() const { return device_ != nullptr ? *device_ : cpu_device(); }

  // The device's kernel entry, or "<op> is not implemented on <device> yet".
  template <class Fn>
  Fn kernel(Fn sg_kernels::*entry) const {
    Fn fn = device().table->*entry;
    if (fn == nullptr) {
      throw OpError(format("%s is not implemented on %s yet", op_name().c_str(), device().kind_name()));
    }
    return fn;
  }

  // SG_OK passes; anything else throws naming the op, the device, the status and the sizes read.
  void check(sg_status status) const {
    if (status != SG_OK) fail_status(status);
  }
  [[noreturn]] void fail_status(sg_status status) const;

 private:
  struct NamedSize {
    const char* name;
    size_t value;
  };
  std::string sizes_text() const;

  napi_env env_;
  size_t argc_ = kMaxArgs;
  napi_value argv_[kMaxArgs];
  const OpEntry* op_ = nullptr;
  const char* variant_ = nullptr;
  const Device* device_ = nullptr;
  NamedSize sizes_[8];
  size_t size_count_ = 0;
};

}  // namespace sg::native
