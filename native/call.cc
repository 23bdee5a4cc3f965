// Argument reading and checking for every addon call, and the entry trampoline that turns errors into
// JS exceptions. The happy path makes no heap allocation; messages are only formatted on failure.
#include "call.h"

#include <napi.h>

#include <cmath>
#include <cstdarg>
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

// ---- scalars ----

double Call::number(size_t i, const char* name) const {
  double d = 0;
  if (napi_get_value_double(env_, argv_[i], &d) != napi_ok) {
    fail("%s must be a number, got %s", name, describe_value(env_, argv_[i]).c_str());
  }
  return d;
}

double Call::finite(size_t i, const char* name) const {
  double d = number(i, name);
  if (!std::isfinite(d)) fail("%s must be a finite number, got %s", name, js_number(d).c_str());
  return d;
}

size_t Call::size(size_t i, const char* name) {
  double d = 0;
  if (napi_get_value_double(env_, argv_[i], &d) != napi_ok || !is_index(d)) {
    fail("%s must be a non-negative integer, got %s", name, describe_value(env_, argv_[i]).c_str());
  }
  size_t value = static_cast<size_t>(d);
  if (size_count_ < sizeof sizes_ / sizeof sizes_[0]) sizes_[size_count_++] = NamedSize{name, value};
  return value;
}

bool Call::flag(size_t i, const char* name) const {
  bool b = false;
  if (napi_get_value_bool(env_, argv_[i], &b) != napi_ok) {
    fail("%s must be a boolean, got %s", name, describe_value(env_, argv_[i]).c_str());
  }
  return b;
}

int Call::choice(size_t i, const char* name, const EnumNames& names) const {
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

uint64_t Call::seed(size_t i, const char* name) const {
  double d = 0;
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

const Device& Call::device_arg(size_t i, const char* name) const {
  char text[32];
  size_t length = 0;
  if (napi_get_value_string_utf8(env_, argv_[i], text, sizeof text, &length) != napi_ok) {
    fail("%s must be a device name ('cpu' or 'cuda:N'), got %s", name, describe_value(env_, argv_[i]).c_str());
  }
  return find_device(op_name(), text, length);
}

// ---- operands ----

bool Call::present(size_t i) const {
  napi_valuetype type = napi_undefined;
  napi_typeof(env_, argv_[i], &type);
  return type != napi_undefined && type != napi_null;
}

void Call::use_device(const Device& device) {
  if (device_ == nullptr) {
    device_ = &device;
  } else if (device_ != &device) {
    fail("operands on different devices (%s, %s)", device_->name.c_str(), device.name.c_str());
  }
}

Storage* Call::live_storage(size_t i, const char* name) const {
  Storage* s = Storage::from_value(env_, argv_[i]);
  if (s == nullptr) fail("%s must be a storage, got %s", name, describe_value(env_, argv_[i]).c_str());
  if (s->freed) fail("storage was freed (disposed tensor): %s", name);
  return s;
}

Storage* Call::storage(size_t i, const char* name) {
  Storage* s = live_storage(i, name);
  use_device(*s->device);
  return s;
}

size_t Call::offset(size_t i, const char* name) const {
  double d = 0;
  if (napi_get_value_double(env_, argv_[i], &d) != napi_ok || !is_index(d)) {
    fail("the offset of %s must be a non-negative integer, got %s", name, describe_value(env_, argv_[i]).c_str());
  }
  return static_cast<size_t>(d);
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

float* Call::vector(size_t i, const char* name, size_t n) {
  Storage* s = storage(i, name);
  return view(s, offset(i + 1, name), name, false, 1, n, n);
}

float* Call::matrix(size_t i, const char* name, size_t rows, size_t cols, size_t ld) {
  Storage* s = storage(i, name);
  return view(s, offset(i + 1, name), name, true, rows, cols, ld);
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
