// The CUDA entry points of kernels.h for a build without the CUDA side (SEMIGEN_CUDA=OFF or no nvcc):
// no table, zero devices, and an error text saying why.
#include "semigen/kernels.h"

#include <cstdio>

extern "C" const sg_kernels* sg_cuda_kernels(void) { return nullptr; }

extern "C" int sg_cuda_compiled(void) { return 0; }

extern "C" int sg_cuda_device_count(void) { return 0; }

extern "C" sg_status sg_cuda_device_info(int device, char* name, size_t name_len, size_t* total_memory) {
  if (name != nullptr && name_len > 0) std::snprintf(name, name_len, "%s", "");
  if (total_memory != nullptr) *total_memory = 0;
  return SG_ERR_DEVICE;
}

extern "C" sg_status sg_cuda_device_code(int, int*, int*, int*, const char** built) {
  if (built != nullptr) *built = "";
  return SG_ERR_DEVICE;
}

extern "C" sg_stream sg_cuda_stream(int device) { return nullptr; }

extern "C" const char* sg_cuda_last_error(void) { return "this build of semigen has no CUDA support"; }
