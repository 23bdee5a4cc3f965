// The CUDA kernel table: the entries implemented so far; every NULL entry makes native/ answer
// "<op> is not implemented on cuda yet".
#include "cuda_internal.cuh"

namespace {

sg_kernels make_table() {
  sg_kernels table{};  // value-initialised: every entry not set below is NULL
  table.device_name = "cuda";
  table.alloc = sg::cuda::alloc;
  table.release = sg::cuda::release;
  table.copy_from_host = sg::cuda::copy_from_host;
  table.copy_to_host = sg::cuda::copy_to_host;
  table.synchronize = sg::cuda::synchronize;
  table.fill = sg::cuda::fill;
  return table;
}

}  // namespace

extern "C" const sg_kernels* sg_cuda_kernels(void) {
  static const sg_kernels table = make_table();
  return &table;
}
