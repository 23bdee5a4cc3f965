// Engine facts and settings: the CPU ISA and thread pool, the measured FMA peak, and the device list.
#include <napi.h>

#include "ops.h"

namespace sg::native {

napi_value op_isa(Call& call) { return Napi::String::New(call.env(), sg_cpu_isa()); }

napi_value op_threads(Call& call) { return Napi::Number::New(call.env(), sg_cpu_threads()); }

napi_value op_set_threads(Call& call) {
  size_t n = call.size("n");
  if (n < 1 || n > 1024) call.fail("n must be a thread count from 1 to 1024, got %zu", n);
  return Napi::Number::New(call.env(), sg_cpu_set_threads(static_cast<int>(n)));
}

napi_value op_fma_peak(Call& call) {
  size_t threads = call.size("threads");
  double seconds = call.finite("seconds");
  if (threads < 1 || threads > static_cast<size_t>(sg_cpu_threads())) {
    call.fail("threads must be from 1 to the pool's %d threads, got %zu", sg_cpu_threads(), threads);
  }
  if (!(seconds > 0 && seconds <= 60)) call.fail("seconds must be in (0, 60], got %s", js_number(seconds).c_str());
  return Napi::Number::New(call.env(), sg_cpu_fma_peak(static_cast<int>(threads), seconds));
}

napi_value op_devices(Call& call) {
  Napi::Env env(call.env());
  Napi::Array list = Napi::Array::New(env);
  Napi::Object cpu = Napi::Object::New(env);
  cpu.Set("device", "cpu");
  cpu.Set("name", cpu_model_name());
  list.Set(0u, cpu);
  int count = cuda_device_count();
  for (int i = 0; i < count; i++) {
    char name[256] = "";
    size_t memory = 0;
    Napi::Object info = Napi::Object::New(env);
    info.Set("device", "cuda:" + std::to_string(i));
    if (sg_cuda_device_info(i, name, sizeof name, &memory) == SG_OK) {
      name[sizeof name - 1] = '\0';
      info.Set("name", name);
      info.Set("memory", static_cast<double>(memory));
      int capability = 0, binary = 0, ptx = 0;
      const char* built = "";
      if (sg_cuda_device_code(i, &capability, &binary, &ptx, &built) == SG_OK) {
        Napi::Object code = Napi::Object::New(env);
        code.Set("capability", capability);
        code.Set("binary", binary);
        code.Set("ptx", ptx);
        code.Set("built", built);
        info.Set("code", code);
      } else {
        info.Set("codeError", std::string(sg_cuda_last_error()));
      }
    } else {
      info.Set("name", std::string("unknown CUDA device: ") + sg_cuda_last_error());
    }
    list.Set(static_cast<uint32_t>(list.Length()), info);
  }
  return list;
}

}  // namespace sg::native
