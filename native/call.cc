// Argument reading and checking for every addon call, and the entry trampoline that turns errors into
// JS exceptions. The happy path makes no heap allocation; messages are only formatted on failure.
#include "call.h"

#include <napi.h>

#include <cmath>
#include <cstdarg>
#include <cstring>
#include <new>

namespace sg::native {

constexpr double kTwoTo53 = 9007199254740992.0;

// An integer in [0, 2^53): the cast round-trip avoids a libm floor call on this hot path.
static bool is_index(double d) { return d >= 0 && d < kTwoTo53 && static_cast<double>(static_cast<uint64_t>(d)) == d; }

napi_value entry(napi_env env, napi_callback_info info) {
  Call call(env, info);
  return call.run();
}

Call::Call(napi_env env, napi_callback_info info) : env_(env) {
  void* data = nullptr;
  if (napi_get_cb_info(env, info, &argc_, argv_, nullptr, &data) != napi_ok) argc_ = 0;
  op_ = static_cast<const OpEntry*>(data);
}

napi_value Call::run() {
  const char* name = op_ != nullptr ? op_->name : "semigen";
  try {
    if (op_ == nullptr) throw OpError("semigen: addon function called without its op entry");
    return op_->body(*this);
  } catch (const OpError& e) {
    napi_throw_error(env_, nullptr, e.what());
  } catch (const Napi::Error& e) {
    e.ThrowAsJavaScriptException();
  } catch (const std::bad_alloc&) {
    napi_throw_error(env_, nullptr, format("%s: out of host memory", name).c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env_, nullptr, format("%s: %s", name, e.what()).c_str());
  } catch (...) {
    napi_throw_error(env_, nullptr, format("%s: unexpected native error", name).c_str());
  }
  return nullptr;
}

std::string Call::op_name() const {
  std::string name = op_ != nullptr ? op_->name : "semigen";
  if (variant_ != nullptr) name = name + "(" + variant_ + ")";
  return name;
}

void Call::fail(const char* fmt, ...) const {
  char text[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(text, sizeof text, fmt, args);
  va_end(args);
  throw OpError(op_name() + ": " + text);
}

// ---- the schema ----

const char* kind_name(ParamKind kind) {
  switch (kind) {
    case ParamKind::tensor: return "tensor";
    case ParamKind::optional_tensor: return "optionalTensor";
    case ParamKind::size: return "size";
    case ParamKind::number: return "number";
    case ParamKind::finite: return "finite";
    case ParamKind::flag: return "flag";
    case ParamKind::seed: return "seed";
    case ParamKind::choice: return "choice";
    case ParamKind::device: return "device";
    case ParamKind::storage: return "storage";
    case ParamKind::float32_array: return "float32Array";
    case ParamKind::int32_array: return "int32Array";
    case ParamKind::tensor_list: return "tensorList";
    case ParamKind::optional_tensor_list: return "optionalTensorList";
  }
  return "unknown";
}

const Param* Call::find(const char* name, size_t* at) const {
  const size_t count = op_->param_count;
  for (size_t tried = 0; tried < count; tried++) {
    if (cursor_ >= count) cursor_ = 0, cursor_argument_ = 0;
    const Param& p = op_->params[cursor_];
    const size_t argument = cursor_argument_;
    cursor_++;
    cursor_argument_ += arguments_of(p.kind);
    if (p.name == name || std::strcmp(p.name, name) == 0) {
      *at = argument;
      return &p;
    }
  }
  throw OpError(format("%s: internal error: its body reads %s, which the addon's schema does not list", op_->name,
                       name));
}

size_t Call::position(const char* name, ParamKind kind, const Param** param) const {
  size_t at = 0;
  const Param* p = find(name, &at);
  if (p->kind != kind) {
    throw OpError(format("%s: internal error: its body reads %s as %s but the addon's schema says %s", op_->name,
                         name, kind_name(kind), kind_name(p->kind)));
  }
  if (param != nullptr) *param = p;
  return at;
}

napi_value Call::value(const char* name, ParamKind kind) const { return argv_[position(name, kind)]; }

// ---- scalars ----

double Call::number(const char* name) const {
  double d = 0;
  const size_t i = position(name, ParamKind::number);
  if (napi_get_value_double(env_, argv_[i], &d) != napi_ok) {
    fail("%s must be a number, got %s", name, describe_value(env_, argv_[i]).c_str());
  }
  return d;
}

double Call::finite(const char* name) const {
  double d = 0;
  const size_t i = position(name, ParamKind::finite);
  if (napi_get_value_double(env_, argv_[i], &d) != napi_ok) {
    fail("%s must be a number, got %s", name, describe_value(env_, argv_[i]).c_str());
  }
  if (!std::isfinite(d)) fail("%s must be a finite number, got %s", name, js_number(d).c_str());
  return d;
}

size_t Call::size(const char* name) {
  double d = 0;
  const size_t i = position(name, ParamKind::size);
  if (napi_get_value_double(env_, argv_[i], &d) != napi_ok || !is_index(d)) {
    fail("%s must be a non-negative integer, got %s", name, describe_value(env_, argv_[i]).c_str());
  }
  size_t value = static_cast<size_t>(d);
  if (size_count_ < sizeof sizes_ / sizeof sizes_[0]) sizes_[size_count_++] = NamedSize{name, value};
  return value;
}

bool Call::flag(const char* name) const {
  bool b = false;
  const size_t i = position(name, ParamKind::flag);
  if (napi_get_value_bool(env_, argv_[i], &b) != napi_ok) {
    fail("%s must be a boolean, got %s", name, describe_value(env_, argv_[i]).c_str());
  }
  return b;
}

int Call::choice(const char* name) const {
  const Param* param = nullptr;
  const size_t i = position(name, ParamKind::choice, &param);
  const EnumNames& names = *param->choices;
  double d = 0;
  if (napi_get_value_double(env_, argv_[i], &d) != napi_ok || !is_index(d) || d >= names.count ||
      !names.allows(static_cast<int>(d))) {
    std::string list;
    for (int k = 0; k < names.count; k++) {
      if (names.allows(k)) list += format("%s%d %s", list.empty() ? "" : ", ", k, names.names[k]);
    }
    fail("%s must be one of %s; got %s", name, list.c_str(), describe_value(env_, argv_[i]).c_str());
  }
  return static_cast<int>(d);
}

uint64_t Call::seed(const char* name) const {
  double d = 0;
  const size_t i = position(name, ParamKind::seed);
  if (napi_get_value_double(env_, argv_[i], &d) != napi_ok || !is_index(d)) {
    fail("%s must be a non-negative integer below 2^53, got %s", name, describe_value(env_, argv_[i]).c_str());
  }
  return static_cast<uint64_t>(d);
}

void* Call::typed_array(size_t i, const char* name, napi_typedarray_type type, const char* type_name,
                        size_t* length) const {
  bool is = false;
  napi_typedarray_type actual = napi_int8_array;
  void* data = nullptr;
  if (napi_is_typedarray(env_, argv_[i], &is) != napi_ok || !is ||
      napi_get_typedarray_info(env_, argv_[i], &actual, length, &data, nullptr, nullptr) != napi_ok ||
      actual != type) {
    fail("%s must be a %s, got %s", name, type_name, describe_value(env_, argv_[i]).c_str());
  }
  return data;
}

const float* Call::float32_array(const char* name, size_t* length) const {
  return static_cast<const float*>(
      typed_array(position(name, ParamKind::float32_array), name, napi_float32_array, "Float32Array", length));
}

const int32_t* Call::int32_array(const char* name, size_t* length) const {
  return static_cast<const int32_t*>(
      typed_array(position(name, ParamKind::int32_array), name, napi_int32_array, "Int32Array", length));
}

const Device& Call::device_arg(const char* name) const {
  const size_t i = position(name, ParamKind::device);
  char text[32];
  size_t length = 0;
  if (napi_get_value_string_utf8(env_, argv_[i], text, sizeof text, &length) != napi_ok) {
    fail("%s must be a device name ('cpu' or 'cuda:N'), got %s", name, describe_value(env_, argv_[i]).c_str());
  }
  return find_device(op_name(), text, length);
}

// ---- operands ----

bool Call::present_at(size_t i) const {
  napi_valuetype type = napi_undefined;
  napi_typeof(env_, argv_[i], &type);
  return type != napi_undefined && type != napi_null;
}

bool Call::present(const char* name) const {
  size_t at = 0;
  const Param* p = find(name, &at);
  if (p->kind != ParamKind::optional_tensor && p->kind != ParamKind::optional_tensor_list) {
    throw OpError(format("%s: internal error: its body asks whether %s is given, which the addon's schema says "
                         "is a %s, not optional", op_->name, name, kind_name(p->kind)));
  }
  return present_at(at);
}

void Call::use_device(const Device& device) {
  if (device_ == nullptr) {
    device_ = &device;
  } else if (device_ != &device) {
    fail("operands on different devices (%s, %s)", device_->name.c_str(), device.name.c_str());
  }
}

static Storage* live_storage_value(const Call& call, napi_env env, napi_value value, const char* name) {
  Storage* s = Storage::from_value(env, value);
  if (s == nullptr) call.fail("%s must be a storage, got %s", name, describe_value(env, value).c_str());
  if (s->freed) call.fail("storage was freed (disposed tensor): %s", name);
  return s;
}

Storage* Call::live_storage(const char* name) const {
  return live_storage_value(*this, env_, argv_[position(name, ParamKind::tensor)], name);
}

Storage* Call::storage_at(size_t i, const char* name) {
  Storage* s = live_storage_value(*this, env_, argv_[i], name);
  use_device(*s->device);
  return s;
}

// The offset argument follows its storage.
static size_t offset_value(const Call& call, napi_env env, napi_value value, const char* name) {
  double d = 0;
  if (napi_get_value_double(env, value, &d) != napi_ok || !is_index(d)) {
    call.fail("the offset of %s must be a non-negative integer, got %s", name, describe_value(env, value).c_str());
  }
  return static_cast<size_t>(d);
}

size_t Call::offset(const char* name) const {
  return offset_value(*this, env_, argv_[position(name, ParamKind::tensor) + 1], name);
}

float* Call::view(Storage* s, size_t offset, const char* name, bool is_matrix, size_t rows, size_t cols, size_t ld) {
  if (is_matrix && cols > 0 && ld < cols) {
    fail("%s is %zux%zu but its leading dimension %zu is less than its %zu columns", name, rows, cols, ld, cols);
  }
  // 128-bit so that absurd sizes cannot wrap around and pass.
  unsigned __int128 extent = (rows == 0 || cols == 0) ? 0 : (unsigned __int128)(rows - 1) * ld + cols;
  if (offset > s->length || extent > s->length - offset) {
    if (!is_matrix) {
      fail("%s has %zu elements but the storage holds %zu floats from offset %zu", name, cols, s->length, offset);
    } else if (ld == cols) {
      fail("%s is %zux%zu but the storage holds %zu floats from offset %zu", name, rows, cols, s->length, offset);
    }
    fail("%s is %zux%zu with leading dimension %zu but the storage holds %zu floats from offset %zu", name, rows,
         cols, ld, s->length, offset);
  }
  return s->data + offset;
}

float* Call::vector(const char* name, size_t n, const char* label) {
  const char* what = label != nullptr ? label : name;
  const size_t i = position(name, ParamKind::tensor);
  Storage* s = storage_at(i, what);
  return view(s, offset_value(*this, env_, argv_[i + 1], what), what, false, 1, n, n);
}

float* Call::matrix(const char* name, size_t rows, size_t cols, size_t ld, const char* label) {
  const char* what = label != nullptr ? label : name;
  const size_t i = position(name, ParamKind::tensor);
  Storage* s = storage_at(i, what);
  return view(s, offset_value(*this, env_, argv_[i + 1], what), what, true, rows, cols, ld);
}

float* Call::optional_vector(const char* name, size_t n) {
  const size_t i = position(name, ParamKind::optional_tensor);
  if (!present_at(i)) return nullptr;
  Storage* s = storage_at(i, name);
  return view(s, offset_value(*this, env_, argv_[i + 1], name), name, false, 1, n, n);
}

float* Call::optional_matrix(const char* name, size_t rows, size_t cols, size_t ld) {
  const size_t i = position(name, ParamKind::optional_tensor);
  if (!present_at(i)) return nullptr;
  Storage* s = storage_at(i, name);
  return view(s, offset_value(*this, env_, argv_[i + 1], name), name, true, rows, cols, ld);
}

// ---- kernel status ----

std::string Call::sizes_text() const {
  std::string text;
  for (size_t k = 0; k < size_count_; k++) {
    text += format("%s%s=%zu", k ? ", " : "", sizes_[k].name, sizes_[k].value);
  }
  return text;
}

void Call::fail_status(sg_status status) const {
  std::string sizes = sizes_text();
  std::string detail;
  if (device().kind == DeviceKind::cuda && status == SG_ERR_DEVICE) {
    const char* cuda_error = sg_cuda_last_error();
    if (cuda_error != nullptr && cuda_error[0] != '\0') detail = std::string(": ") + cuda_error;
  }
  if (status == SG_ERR_UNSUPPORTED) {
    fail("this case is not implemented on %s yet (%s)", device().kind_name(), sizes.c_str());
  }
  fail("the %s kernel failed: %s%s (%s)", device().name.c_str(), status_text(status), detail.c_str(), sizes.c_str());
}

}  // namespace sg::native
