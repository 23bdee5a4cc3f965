// The portable build of the SIMD loops of simd_kernels.h (baseline flags: SSE2 on x86-64, NEON on arm64),
// and the dispatcher that picks the build matching sg::cpu::isa() once.
#define SG_ISA_NS portable
#include "simd_kernels.h"

namespace sg::cpu {

const SimdKernels& simd_kernels(Isa which) {
#if defined(SEMIGEN_X86) && SEMIGEN_X86
  if (which == Isa::avx512) return avx512::kSimdKernels;
  if (which == Isa::avx2) return avx2::kSimdKernels;
#endif
  return portable::kSimdKernels;
}

const SimdKernels& simd() {
  static const SimdKernels& chosen = simd_kernels(isa());
  return chosen;
}

}  // namespace sg::cpu
