// The CUDA kernel table: every entry of kernels.h on the GPU. native/ reaches the CUDA kernels only through
// this table.
#include "cuda_internal.cuh"

namespace {

sg_kernels make_table() {
  namespace k = sg::cuda;
  sg_kernels table{};
  table.device_name = "cuda";
  table.alloc = k::alloc;
  table.release = k::release;
  table.copy_from_host = k::copy_from_host;
  table.copy_to_host = k::copy_to_host;
  table.synchronize = k::synchronize;
  table.fill = k::fill;
  table.copy_2d = k::copy_2d;
  table.gemm = k::gemm;
  table.unary = k::unary;
  table.unary_backward = k::unary_backward;
  table.binary = k::binary;
  table.reduce = k::reduce;
  table.softmax = k::softmax;
  table.softmax_xent = k::softmax_xent;
  table.sigmoid_xent = k::sigmoid_xent;
  table.gaussian_kl = k::gaussian_kl;
  table.batchnorm_forward = k::batchnorm_forward;
  table.batchnorm_backward = k::batchnorm_backward;
  table.reparameterize = k::reparameterize;
  table.random = k::random;
  table.gather_rows = k::gather_rows;
  table.adam = k::adam;
  table.sgd = k::sgd;
  return table;
}

}  // namespace

extern "C" const sg_kernels* sg_cuda_kernels(void) {
  static const sg_kernels table = make_table();
  return &table;
}
