// Device registry: parses device names and builds each Device (table, stream, allocator) once.
#include "device.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>

#include "allocator.h"
#include "errors.h"

namespace sg::native {

namespace {

// Enough for any machine we drive; one process drives one device in practice.
constexpr int kMaxCudaDevices = 64;

std::mutex registry_mutex;
Device* cuda_devices[kMaxCudaDevices] = {};

Device* make_device(DeviceKind kind, int index, const sg_kernels* table, sg_stream stream) {
  // Leaked on purpose: Storage finalizers may run during env teardown and must find their device.
  Device* device = new Device{kind, index, table, stream, nullptr,
                              kind == DeviceKind::cpu ? std::string("cpu") : "cuda:" + std::to_string(index)};
  device->allocator = new Allocator(*device);
  return device;
}

}  // namespace

const Device& cpu_device() {
  static Device* cpu = make_device(DeviceKind::cpu, 0, sg_cpu_kernels(), nullptr);
  return *cpu;
}

// Why no CUDA device was found (the runtime's words, e.g. no driver), for the "not available" message.
static std::string no_cuda_reason;

int cuda_device_count() {
  static int count = [] {
    int found = sg_cuda_compiled() ? sg_cuda_device_count() : 0;
    if (found == 0 && sg_cuda_compiled() && sg_cuda_last_error() != nullptr) no_cuda_reason = sg_cuda_last_error();
    return found;
  }();
  return count;
}

static const Device& cuda_device(const std::string& op, int index) {
  if (!sg_cuda_compiled() || sg_cuda_kernels() == nullptr) {
    fail(op, "device cuda:%d is not available: this build of semigen has no CUDA support", index);
  }
  int count = cuda_device_count();
  if (index >= count) {
    if (count == 0) {
      fail(op, "device cuda:%d is not available: no CUDA device or driver was found%s%s%s", index,
           no_cuda_reason.empty() ? "" : " (", no_cuda_reason.c_str(), no_cuda_reason.empty() ? "" : ")");
    }
    fail(op, "device cuda:%d is not available: %d CUDA device%s found", index, count, count == 1 ? "" : "s");
  }
  std::lock_guard<std::mutex> lock(registry_mutex);
  if (cuda_devices[index] == nullptr) {
    // Its own stream is how a launch finds its device (kernels/cuda/table.cu), so there is no fallback.
    sg_stream stream = sg_cuda_stream(index);
    if (stream == nullptr) fail(op, "device cuda:%d is not usable: its stream could not be created: %s", index, sg_cuda_last_error());
    cuda_devices[index] = make_device(DeviceKind::cuda, index, sg_cuda_kernels(), stream);
  }
  return *cuda_devices[index];
}

const Device& find_device(const std::string& op, const char* text, size_t length) {
  if (length == 3 && std::memcmp(text, "cpu", 3) == 0) return cpu_device();
  if (length == 4 && std::memcmp(text, "cuda", 4) == 0) return cuda_device(op, 0);
  if (length > 5 && length < 9 && std::memcmp(text, "cuda:", 5) == 0) {
    int index = 0;
    bool digits = true;
    for (size_t i = 5; i < length; i++) {
      if (text[i] < '0' || text[i] > '9') digits = false;
      else index = index * 10 + (text[i] - '0');
    }
    if (digits && index < kMaxCudaDevices) return cuda_device(op, index);
  }
  fail(op, "unknown device '%.*s' (expected 'cpu' or 'cuda:N')", static_cast<int>(length < 64 ? length : 64), text);
}

const std::string& cpu_model_name() {
  static const std::string name = [] {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
      if (line.rfind("model name", 0) == 0) {
        size_t colon = line.find(':');
        if (colon != std::string::npos) {
          size_t start = line.find_first_not_of(" \t", colon + 1);
          if (start != std::string::npos) return line.substr(start);
        }
      }
    }
    return std::string("cpu");
  }();
  return name;
}

}  // namespace sg::native
