// The CUDA kernel table: every entry of SG_KERNEL_ENTRIES (kernels.h) on the GPU, the kernel of that name in
// kernels/cuda/. native/ reaches the CUDA kernels only through this table.
#include "cuda_internal.cuh"

namespace {

// An entry as it is: the memory entries take their device and make it current themselves.
template <auto F>
struct OnDevice {
  static constexpr auto entry = F;
};

// An entry whose first parameter is a stream runs with that stream's device current: a launch into the stream
// of a device other than the current one is refused, and one thread may drive several devices in turn.
template <class... A, sg_status (*F)(sg_stream, A...)>
struct OnDevice<F> {
  static sg_status entry(sg_stream s, A... a) {
    const sg_status status = sg::cuda::enter(s);
    return status != SG_OK ? status : F(s, a...);
  }
};

const sg_kernels kCudaKernels = {
    "cuda",
#define SG_TABLE_ENTRY(name, parameters) OnDevice<&sg::cuda::name>::entry,
    SG_KERNEL_ENTRIES(SG_TABLE_ENTRY)
#undef SG_TABLE_ENTRY
};

}  // namespace

extern "C" const sg_kernels* sg_cuda_kernels(void) { return &kCudaKernels; }
