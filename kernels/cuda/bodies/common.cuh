// What every CUDA kernel body shares: the SG_HD marker (host + device under nvcc, plain inline under a
// C++ compiler, so the host checker in kernels/cuda/check/ runs the very same bodies), the Thread a
// body runs as, bit casts, NaN-propagating max/min, and aligned 4-float loads and stores.
//
// Bodies hold everything a thread does; the __global__ kernels in kernels/cuda/*.cu build a Thread from
// blockIdx/threadIdx and add the barriers and shuffles, which the host checker emulates (check/host_cuda.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define SG_HD __host__ __device__ __forceinline__
#else
#define SG_HD inline
#endif

#include "semigen/kernels.h"

namespace sg::cuda::body {

// One thread of a 1-D launch: its block and lane, and the launch's block count and block size.
struct Thread {
  unsigned block, thread, blocks, threads;
  SG_HD size_t first() const { return size_t(block) * threads + thread; }
  SG_HD size_t stride() const { return size_t(blocks) * threads; }
};

// Threads per block of every 1-D launch, and the cap on blocks of a grid-stride launch (enough to fill any
// GPU; each thread then loops).
constexpr unsigned kThreads = 256;
constexpr size_t kMaxBlocks = size_t(1) << 16;

// Blocks for a grid-stride loop over `items`.
SG_HD unsigned grid_for(size_t items, unsigned threads = kThreads) {
  size_t blocks = (items + threads - 1) / threads;
  return unsigned(blocks < kMaxBlocks ? blocks : kMaxBlocks);
}

SG_HD int32_t bits_of(float x) {
#if defined(__CUDA_ARCH__)
  return __float_as_int(x);
#else
  int32_t i;
  std::memcpy(&i, &x, 4);
  return i;
#endif
}

SG_HD float float_of(int32_t i) {
#if defined(__CUDA_ARCH__)
  return __int_as_float(i);
#else
  float x;
  std::memcpy(&x, &i, 4);
  return x;
#endif
}

SG_HD float sqrt_f(float x) {
#if defined(__CUDA_ARCH__)
  return sqrtf(x);  // IEEE correctly rounded (nvcc's default -prec-sqrt=true), like the CPU's
#else
  return __builtin_sqrtf(x);
#endif
}

SG_HD double sqrt_d(double x) {
#if defined(__CUDA_ARCH__)
  return sqrt(x);  // IEEE correctly rounded in double, like the CPU's std::sqrt
#else
  return __builtin_sqrt(x);
#endif
}

SG_HD bool is_nan(float x) { return x != x; }
// NaN-propagating max/min (as torch.maximum and the CPU kernels): a NaN in either operand gives NaN.
SG_HD float max_nan(float a, float b) { return (a > b || a != a) ? a : b; }
SG_HD float min_nan(float a, float b) { return (a < b || a != a) ? a : b; }

// Four floats from / to 16-byte aligned memory: one vector access on the device.
SG_HD void load4(const float* p, float v[4]) {
#if defined(__CUDA_ARCH__)
  float4 q = *reinterpret_cast<const float4*>(p);
  v[0] = q.x, v[1] = q.y, v[2] = q.z, v[3] = q.w;
#else
  for (int j = 0; j < 4; ++j) v[j] = p[j];
#endif
}

SG_HD void store4(float* p, const float v[4]) {
#if defined(__CUDA_ARCH__)
  *reinterpret_cast<float4*>(p) = make_float4(v[0], v[1], v[2], v[3]);
#else
  for (int j = 0; j < 4; ++j) p[j] = v[j];
#endif
}

SG_HD bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15) == 0; }

}  // namespace sg::cuda::body
