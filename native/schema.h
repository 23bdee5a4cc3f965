// The schema of the addon's exports: each export's parameters in call order, with their kinds. addon.cc lists
// every export with its schema (kExports); Call reads an argument by its parameter's name at the position the
// schema gives it, so no body numbers its arguments; and the addon exports the schema (`schema`), which
// test/native/schema.test.js checks against the NativeAddon interface of src/native.ts.
#pragma once

#include <cstddef>

#include "enum_names.h"

namespace sg::native {

// What a parameter is, and how many JS arguments it takes.
enum class ParamKind {
  tensor,                // a storage and its float offset (two arguments: x, xOff)
  optional_tensor,       // the same, the storage may be null
  size,                  // an integer in [0, 2^53)
  number,                // any number, NaN and Infinity included
  finite,                // a finite number
  flag,                  // a boolean
  seed,                  // an integer in [0, 2^53) for the random streams
  choice,                // an enum value, one of `choices`
  device,                // 'cpu' or 'cuda:N'
  storage,               // a storage alone
  float32_array,         // a host Float32Array
  int32_array,           // a host Int32Array
  tensor_list,           // an array of [storage, offset, length]
  optional_tensor_list,  // the same, or null
};

struct Param {
  const char* name;                    // its name in src/native.ts (a tensor's offset is name + "Off")
  ParamKind kind;
  const EnumNames* choices = nullptr;  // for ParamKind::choice
};

// The kind's name in the exported schema ("tensor", "optionalTensor", "size" ...).
const char* kind_name(ParamKind kind);

// JS arguments a parameter takes: 2 for a tensor (storage, offset), else 1.
constexpr size_t arguments_of(ParamKind kind) {
  return kind == ParamKind::tensor || kind == ParamKind::optional_tensor ? 2 : 1;
}

// Short constructors for the schema table.
namespace param {
constexpr Param tensor(const char* name) { return {name, ParamKind::tensor}; }
constexpr Param optional_tensor(const char* name) { return {name, ParamKind::optional_tensor}; }
constexpr Param size(const char* name) { return {name, ParamKind::size}; }
constexpr Param number(const char* name) { return {name, ParamKind::number}; }
constexpr Param finite(const char* name) { return {name, ParamKind::finite}; }
constexpr Param flag(const char* name) { return {name, ParamKind::flag}; }
constexpr Param seed(const char* name) { return {name, ParamKind::seed}; }
constexpr Param choice(const char* name, const EnumNames& names) { return {name, ParamKind::choice, &names}; }
constexpr Param device(const char* name) { return {name, ParamKind::device}; }
constexpr Param storage(const char* name) { return {name, ParamKind::storage}; }
constexpr Param float32_array(const char* name) { return {name, ParamKind::float32_array}; }
constexpr Param int32_array(const char* name) { return {name, ParamKind::int32_array}; }
constexpr Param tensor_list(const char* name) { return {name, ParamKind::tensor_list}; }
constexpr Param optional_tensor_list(const char* name) { return {name, ParamKind::optional_tensor_list}; }
}  // namespace param

}  // namespace sg::native
