// Call: one addon call's arguments, read by name as the export's schema (schema.h) places them and checked
// (types, integer sizes, operand bounds, one device), the kernel entry looked up in that device's table, and its
// status turned into an OpError. Every export goes through `entry`, which reads the arguments without allocating
// and converts any error into a thrown JS Error, so no failure can escape into Node.
#pragma once

#include <node_api.h>

#include <cstdint>
#include <initializer_list>
#include <string>

#include "device.h"
#include "enum_names.h"
#include "errors.h"
#include "schema.h"
#include "storage.h"

namespace sg::native {

class Call;
using OpFunction = napi_value (*)(Call& call);

// An export: its JS name (also the op name in messages), its body, and its parameters in call order (the schema).
struct OpEntry {
  static constexpr size_t kMaxParams = 20;
  const char* name;
  OpFunction body;
  Param params[kMaxParams] = {};
  size_t param_count = 0;

  OpEntry(const char* name, OpFunction body, std::initializer_list<Param> list) : name(name), body(body) {
    for (const Param& p : list) {
      if (param_count < kMaxParams) params[param_count] = p;
      param_count++;  // more than kMaxParams is refused when the addon registers the export
    }
  }
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
  // "binary(add)" once set_variant("add") was called, else "binary".
  std::string op_name() const;
  void set_variant(const char* variant) { variant_ = variant; }
  [[noreturn]] void fail(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));

  // Every reader takes the parameter's name in the schema, which is also its name in messages unless a `label`
  // is given; reading a parameter the schema does not have, or as another kind, is an internal error.

  // ---- scalars ----
  double number(const char* name) const;        // any JS number, NaN and Infinity included
  double finite(const char* name) const;        // a finite number
  size_t size(const char* name);                // integer in [0, 2^53); named in kernel-failure messages
  bool flag(const char* name) const;            // a boolean
  int choice(const char* name) const;           // an enum value the parameter's names allow
  uint64_t seed(const char* name) const;        // integer in [0, 2^53)
  const float* float32_array(const char* name, size_t* length) const;
  const int32_t* int32_array(const char* name, size_t* length) const;
  const Device& device_arg(const char* name) const;  // a device string, resolved

  // ---- operands ----
  // A tensor parameter's storage (not freed, on any device) and its offset, unchecked against a view.
  Storage* live_storage(const char* name) const;
  size_t offset(const char* name) const;
  float* vector(const char* name, size_t n, const char* label = nullptr);
  // rows x cols stored with leading dimension ld >= cols.
  float* matrix(const char* name, size_t rows, size_t cols, size_t ld, const char* label = nullptr);
  // Optional tensor parameters: nullptr when the storage is null or undefined.
  float* optional_vector(const char* name, size_t n);
  float* optional_matrix(const char* name, size_t rows, size_t cols, size_t ld);
  bool present(const char* name) const;  // the (optional) parameter is neither null nor undefined
  // The JS value of a one-argument parameter of `kind`, for bodies that read it themselves (free, the lists).
  napi_value value(const char* name, ParamKind kind) const;
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
  // Parameter `name` of the schema and its JS argument index (*at); an internal error when there is none.
  const Param* find(const char* name, size_t* at) const;
  // The JS argument index of parameter `name`, which must have kind `kind` (its Param into *param).
  size_t position(const char* name, ParamKind kind, const Param** param = nullptr) const;
  void* typed_array(size_t i, const char* name, napi_typedarray_type type, const char* type_name,
                    size_t* length) const;
  Storage* storage_at(size_t i, const char* name);  // a live storage on the call's device
  bool present_at(size_t i) const;

  napi_env env_;
  size_t argc_ = kMaxArgs;
  napi_value argv_[kMaxArgs];
  const OpEntry* op_ = nullptr;
  const char* variant_ = nullptr;
  const Device* device_ = nullptr;
  NamedSize sizes_[8];
  size_t size_count_ = 0;
  // Where the last parameter lookup ended: bodies read their parameters mostly in schema order, so the next
  // lookup starts here and usually matches at once.
  mutable size_t cursor_ = 0, cursor_argument_ = 0;
};

}  // namespace sg::native
