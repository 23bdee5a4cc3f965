// Picks the CPU kernel variant once, at first use: the best of avx512 / avx2 / portable that this CPU and
// its OS support (cpuid through __builtin_cpu_supports, which also checks that the OS saves the wider
// registers), lowered by SEMIGEN_ISA=avx2|portable so tests can run the other paths on one machine.
#include <cstdlib>
#include <cstring>

#include "cpu_internal.h"
#include "gemm_kernels.h"  // SEMIGEN_X86 when the build did not define it

namespace sg::cpu {
namespace {

Isa best_supported() {
#if SEMIGEN_X86
  __builtin_cpu_init();
  const bool fma = __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx2");
  if (fma && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
    return Isa::avx512;
  }
  if (fma) return Isa::avx2;
#endif
  return Isa::portable;
}

Isa detect() {
  Isa chosen = best_supported();
  // The override only lowers the choice: asking for an ISA the CPU lacks would crash.
  if (const char* env = std::getenv("SEMIGEN_ISA")) {
    if (std::strcmp(env, "portable") == 0) chosen = Isa::portable;
    if (std::strcmp(env, "avx2") == 0 && chosen > Isa::avx2) chosen = Isa::avx2;
  }
  return chosen;
}

}  // namespace

Isa isa() {
  static const Isa chosen = detect();
  return chosen;
}

const char* isa_name(Isa which) {
  switch (which) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    default: return "portable";
  }
}

}  // namespace sg::cpu

extern "C" const char* sg_cpu_isa(void) { return sg::cpu::isa_name(sg::cpu::isa()); }
