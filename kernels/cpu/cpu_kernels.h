// The CPU implementations of the sg_kernels entries (kernels.h), declared from its one list for table.cc, and
// the argument checks they share. Each kernel validates its arguments (SG_ERR_ARGUMENT), splits the work over the
// thread pool and runs the per-ISA loops of simd.h on each chunk.
#pragma once

#include <cstddef>
#include <cstdint>

#include "semigen/kernels.h"

namespace sg::cpu {

// ---- argument checks ----

// rows * cols into *out, false when it overflows size_t
inline bool checked_product(size_t rows, size_t cols, size_t* out) {
  return !__builtin_mul_overflow(rows, cols, out);
}
// a pointer the kernel reads or writes `count` elements through must not be NULL unless count is 0
inline bool missing(const void* p, size_t count) { return count != 0 && p == nullptr; }

// ---- the kernel entries, one per line of SG_KERNEL_ENTRIES (kernels.h) ----
// memory.cc, elementwise.cc (fill, copy_2d, unary, unary_backward, binary), gemm.cc, reduce.cc (reduce,
// softmax), losses.cc, batchnorm.cc, random.cc, gather.cc and optim.cc define them.
#define SG_DECLARE_KERNEL(name, parameters) sg_status name parameters;
SG_KERNEL_ENTRIES(SG_DECLARE_KERNEL)
#undef SG_DECLARE_KERNEL

}  // namespace sg::cpu
