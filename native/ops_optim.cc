// Fused optimiser exports: adam and sgd take every parameter tensor in one call as lists of
// [storage, offset, length] triples; all are checked, then the device kernel runs once over all. lerp moves
// moving averages toward their sources the same way.
#include <vector>

#include "ops.h"

namespace sg::native {

namespace {

constexpr double kTwoTo53 = 9007199254740992.0;

// One list of tensors, its buffers reused across calls (no allocation once warm).
struct TensorList {
  std::vector<float*> pointers;
  std::vector<size_t> sizes;
};

bool read_index(napi_env env, napi_value value, size_t* out) {
  double d = 0;
  if (napi_get_value_double(env, value, &d) != napi_ok || !(d >= 0 && d < kTwoTo53 && static_cast<double>(static_cast<uint64_t>(d)) == d)) {
    return false;
  }
  *out = static_cast<size_t>(d);
  return true;
}

// Reads the list parameter `name`. When `reference` is given, the list must match its count and
// per-index lengths (named `reference_name` in messages).
void read_list(Call& call, const char* name, TensorList& list, const TensorList* reference,
               const char* reference_name, ParamKind kind = ParamKind::tensor_list) {
  napi_env env = call.env();
  napi_value array = call.value(name, kind);
  bool is_array = false;
  uint32_t count = 0;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, array, &count) != napi_ok) {
    call.fail("%s must be an array of [storage, offset, length], got %s", name, describe_value(env, array).c_str());
  }
  if (reference != nullptr && count != reference->sizes.size()) {
    call.fail("%s has %u tensors but %s has %zu", name, count, reference_name, reference->sizes.size());
  }
  list.pointers.resize(count);
  list.sizes.resize(count);
  for (uint32_t i = 0; i < count; i++) {
    napi_value triple = nullptr;
    napi_value parts[3] = {nullptr, nullptr, nullptr};
    bool is_triple = napi_get_element(env, array, i, &triple) == napi_ok &&
                     napi_is_array(env, triple, &is_array) == napi_ok && is_array;
    for (uint32_t p = 0; is_triple && p < 3; p++) is_triple = napi_get_element(env, triple, p, &parts[p]) == napi_ok;
    size_t offset = 0;
    size_t length = 0;
    Storage* s = is_triple ? Storage::from_value(env, parts[0]) : nullptr;
    if (s == nullptr || !read_index(env, parts[1], &offset) || !read_index(env, parts[2], &length)) {
      call.fail("%s[%u] must be [storage, offset, length] with integer offset and length, got %s", name, i,
                describe_value(env, triple).c_str());
    }
    if (s->freed) call.fail("storage was freed (disposed tensor): %s[%u]", name, i);
    call.use_device(*s->device);
    if (offset > s->length || length > s->length - offset) {
      call.fail("%s[%u] has %zu elements but the storage holds %zu floats from offset %zu", name, i, length,
                s->length, offset);
    }
    if (reference != nullptr && length != reference->sizes[i]) {
      call.fail("%s[%u] has %zu elements but %s[%u] has %zu", name, i, length, reference_name, i, reference->sizes[i]);
    }
    list.pointers[i] = s->data + offset;
    list.sizes[i] = length;
  }
}

}  // namespace

napi_value op_adam(Call& call) {
  thread_local TensorList params, grads, m, v;
  read_list(call, "params", params, nullptr, nullptr);
  read_list(call, "grads", grads, &params, "params");
  read_list(call, "m", m, &params, "params");
  read_list(call, "v", v, &params, "params");
  float lr = static_cast<float>(call.finite("lr"));
  float beta1 = static_cast<float>(call.finite("beta1"));
  float beta2 = static_cast<float>(call.finite("beta2"));
  float eps = static_cast<float>(call.finite("eps"));
  float weight_decay = static_cast<float>(call.finite("weightDecay"));
  bool decoupled = call.flag("decoupled");
  size_t step = call.size("step");
  if (step < 1) call.fail("step counts from 1, got 0");
  if (params.sizes.empty()) return nullptr;
  call.check(call.kernel(&sg_kernels::adam)(call.device().stream, params.sizes.size(), params.pointers.data(),
                                            grads.pointers.data(), m.pointers.data(), v.pointers.data(),
                                            params.sizes.data(), lr, beta1, beta2, eps, weight_decay, decoupled,
                                            static_cast<int64_t>(step)));
  return nullptr;
}

napi_value op_sgd(Call& call) {
  thread_local TensorList params, grads, velocity;
  read_list(call, "params", params, nullptr, nullptr);
  read_list(call, "grads", grads, &params, "params");
  bool has_velocity = call.present("velocity");
  if (has_velocity) read_list(call, "velocity", velocity, &params, "params", ParamKind::optional_tensor_list);
  float lr = static_cast<float>(call.finite("lr"));
  double momentum = call.finite("momentum");
  float weight_decay = static_cast<float>(call.finite("weightDecay"));
  bool nesterov = call.flag("nesterov");
  if (!has_velocity && momentum != 0) {
    call.fail("momentum %s needs velocity buffers, got null", js_number(momentum).c_str());
  }
  if (params.sizes.empty()) return nullptr;
  call.check(call.kernel(&sg_kernels::sgd)(call.device().stream, params.sizes.size(), params.pointers.data(),
                                           grads.pointers.data(), has_velocity ? velocity.pointers.data() : nullptr,
                                           params.sizes.data(), lr, static_cast<float>(momentum), weight_decay, nesterov));
  return nullptr;
}

napi_value op_lerp(Call& call) {
  thread_local TensorList targets, sources;
  read_list(call, "targets", targets, nullptr, nullptr);
  read_list(call, "sources", sources, &targets, "targets");
  float rate = static_cast<float>(call.finite("rate"));
  if (targets.sizes.empty()) return nullptr;
  call.check(call.kernel(&sg_kernels::lerp)(call.device().stream, targets.sizes.size(), targets.pointers.data(),
                                            sources.pointers.data(), targets.sizes.data(), rate));
  return nullptr;
}

}  // namespace sg::native
