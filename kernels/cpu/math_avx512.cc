// The AVX-512 build of the SIMD loops of simd_kernels.h (CMake adds -mavx512f/dq/bw/vl -mfma for *_avx512.cc).
#if defined(SEMIGEN_X86) && SEMIGEN_X86
#ifndef __AVX512F__
#error "math_avx512.cc must be compiled with -mavx512f (see CMakeLists.txt)"
#endif
#define SG_ISA_NS avx512
#include "simd_kernels.h"
#endif
