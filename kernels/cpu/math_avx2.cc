// The AVX2 + FMA build of the SIMD loops of simd_kernels.h (CMake adds -mavx2 -mfma for *_avx2.cc).
#if defined(SEMIGEN_X86) && SEMIGEN_X86
#ifndef __AVX2__
#error "math_avx2.cc must be compiled with -mavx2 -mfma (see CMakeLists.txt)"
#endif
#define SG_ISA_NS avx2
#include "simd_kernels.h"
#endif
