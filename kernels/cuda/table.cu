// The CUDA kernel table: every entry of SG_KERNEL_ENTRIES (kernels.h) on the GPU, the kernel of that name in
// kernels/cuda/. native/ reaches the CUDA kernels only through this table.
#include "cuda_internal.cuh"

namespace {

const sg_kernels kCudaKernels = {
    "cuda",
#define SG_TABLE_ENTRY(name, parameters) sg::cuda::name,
    SG_KERNEL_ENTRIES(SG_TABLE_ENTRY)
#undef SG_TABLE_ENTRY
};

}  // namespace

extern "C" const sg_kernels* sg_cuda_kernels(void) { return &kCudaKernels; }
