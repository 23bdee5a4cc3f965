// The CPU kernels' scalar helpers (bit casts through memcpy, a branch-free select, NaN-propagating max/min)
// and the float32 math of kernels/common/scalar_math.h built on them, written so g++ vectorises loops that
// call them. Included only inside namespace sg::cpu::SG_ISA_NS (simd_kernels.h, gemm_*.cc), so each ISA gets
// its own static copies: a shared inline copy could be AVX-512 code picked by the linker for the portable path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#ifndef SG_ISA_NS
#error "simd_math.h is included from the per-ISA translation units, with SG_ISA_NS defined"
#endif

namespace sg::cpu::SG_ISA_NS {

static inline int32_t bits_of(float x) { int32_t i; std::memcpy(&i, &x, 4); return i; }
static inline float float_of(int32_t i) { float x; std::memcpy(&x, &i, 4); return x; }
static inline float sqrt_f(float x) { return __builtin_sqrtf(x); }
static inline size_t min_size(size_t a, size_t b) { return a < b ? a : b; }
// c ? a : b as a bitwise blend. With g++'s default -ftrapping-math a plain ?: whose arm is computed lets
// g++ sink that computation into a branch it then will not if-convert (a division might trap), and the
// loop stays scalar; the blend keeps both arms live and vectorises to a masked move.
static inline float select_f(bool c, float a, float b) {
  int32_t m = -int32_t(c);
  return float_of((bits_of(a) & m) | (bits_of(b) & ~m));
}
// NaN-propagating max/min (as torch.maximum): a NaN in either operand gives NaN.
static inline float max_nan(float a, float b) { return (a > b || a != a) ? a : b; }
static inline float min_nan(float a, float b) { return (a < b || a != a) ? a : b; }

#define SG_SCALAR_FN static inline
#include "scalar_math.h"
#undef SG_SCALAR_FN

}  // namespace sg::cpu::SG_ISA_NS
