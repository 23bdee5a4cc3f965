// The one dispatch point of the addon: a Device maps 'cpu' / 'cuda:N' to its kernel table, device index,
// stream and caching allocator. Devices are process-wide, created on first use and never destroyed (so
// finalizers running at shutdown can still reach them).
#pragma once

#include <string>

#include "semigen/kernels.h"

namespace sg::native {

class Allocator;

enum class DeviceKind { cpu, cuda };

struct Device {
  DeviceKind kind;
  int index;                // 0 for the CPU
  const sg_kernels* table;  // never NULL
  sg_stream stream;         // NULL on the CPU
  Allocator* allocator;     // never NULL
  std::string name;         // "cpu" or "cuda:0", for messages and the storage's `device` getter
  const char* kind_name() const { return kind == DeviceKind::cpu ? "cpu" : "cuda"; }
};

// The CPU device; always available.
const Device& cpu_device();

// Parses a device string and returns its Device, or throws OpError naming `op`: an unknown name, a CUDA
// device in a build without CUDA, or an index beyond the devices found.
const Device& find_device(const std::string& op, const char* text, size_t length);

// The number of CUDA devices found (0 without CUDA, a driver or a GPU); asked once.
int cuda_device_count();

// The CPU model name from /proc/cpuinfo, or "cpu".
const std::string& cpu_model_name();

}  // namespace sg::native
