// The CPU implementations of the sg_kernels entries (kernels.h), declared for table.cc, and the argument
// checks they share. Each kernel validates its arguments (SG_ERR_ARGUMENT), splits the work over the
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

// ---- memory (memory.cc) ----
sg_status alloc(int device, size_t bytes, void** out);
sg_status release(int device, void* ptr);
sg_status copy_from_host(int device, sg_stream s, void* dst, const void* src, size_t bytes);
sg_status copy_to_host(int device, sg_stream s, void* dst, const void* src, size_t bytes);
sg_status synchronize(int device, sg_stream s);

// ---- elementwise (elementwise.cc) ----
sg_status fill(sg_stream s, size_t n, float value, float* out);
sg_status copy_2d(sg_stream s, size_t rows, size_t cols, const float* src, size_t lds, float* dst, size_t ldd);
sg_status unary(sg_stream s, sg_unary_op op, size_t n, const float* x, float* y, float alpha, float beta);
sg_status unary_backward(sg_stream s, sg_unary_op op, size_t n, const float* x, const float* y, const float* dy,
                         float* dx, float alpha);
sg_status binary(sg_stream s, sg_binary_op op, size_t rows, size_t cols, const float* a, sg_broadcast a_mode,
                 const float* b, sg_broadcast b_mode, float* out);

// ---- reductions (reduce.cc) ----
sg_status reduce(sg_stream s, sg_reduce_op op, sg_axis axis, size_t rows, size_t cols, const float* x, float* out);
sg_status softmax(sg_stream s, int log, size_t rows, size_t cols, const float* x, float* out);

// ---- losses (losses.cc) ----
sg_status softmax_xent(sg_stream s, size_t rows, size_t cols, const float* logits, const float* labels,
                       const float* targets, float* loss, float* dlogits);
sg_status sigmoid_xent(sg_stream s, size_t rows, size_t cols, const float* logits, const float* targets,
                       float* loss, float* dlogits);
sg_status gaussian_kl(sg_stream s, size_t rows, size_t cols, const float* mu, const float* logvar, float* loss,
                      float* dmu, float* dlogvar);

// ---- batch normalisation (batchnorm.cc) ----
sg_status batchnorm_forward(sg_stream s, size_t rows, size_t cols, const float* x, float eps, float* y, float* mean,
                            float* invstd, float* variance);
sg_status batchnorm_backward(sg_stream s, size_t rows, size_t cols, const float* dy, const float* y,
                             const float* invstd, float* dx);

// ---- random numbers (random.cc) ----
sg_status reparameterize(sg_stream s, size_t n, const float* mu, const float* logvar, uint64_t seed,
                         uint64_t offset, float* eps, float* z);
sg_status random(sg_stream s, sg_distribution dist, size_t n, uint64_t seed, uint64_t offset, float p1, float p2,
                 float* out);

// ---- indexing (gather.cc) ----
sg_status gather_rows(sg_stream s, size_t rows, size_t cols, const float* src, size_t src_rows,
                      const int32_t* index, float* out);

// ---- optimisers (optim.cc) ----
sg_status adam(sg_stream s, size_t count, float* const* params, const float* const* grads, float* const* m,
               float* const* v, const size_t* sizes, float lr, float beta1, float beta2, float eps,
               float weight_decay, int decoupled, int64_t step);
sg_status sgd(sg_stream s, size_t count, float* const* params, const float* const* grads, float* const* velocity,
              const size_t* sizes, float lr, float momentum, float weight_decay, int nesterov);

}  // namespace sg::cpu
