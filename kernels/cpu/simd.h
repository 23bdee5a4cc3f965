// The per-ISA inner loops of the CPU kernels (everything but GEMM): one table of serial functions over a
// contiguous chunk, built three times (math_avx512.cc, math_avx2.cc, math_portable.cc) from the same
// plain C++ that g++ auto-vectorises. The kernels in elementwise.cc, reduce.cc, ... validate arguments,
// split work over the thread pool, and call simd() on each chunk.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cpu_internal.h"

namespace sg::cpu {

// Adam constants of one step, derived once per call in double and rounded to float.
struct AdamStep {
  float beta1, beta2, eps;
  float l2;          // weight decay folded into the gradient (0 for AdamW)
  float decay;       // 1 - lr * wd for AdamW, 1 otherwise
  float step_size;   // lr / (1 - beta1^step)
  float inv_sqrt_bc2;  // 1 / sqrt(1 - beta2^step)
};

struct SgdStep {
  float lr, momentum, weight_decay;
  int nesterov;
};

// Columns per batch-norm panel: one AVX-512 vector of floats per row.
constexpr size_t kBatchnormPanel = 16;

struct SimdKernels {
  // y[i] = op(x[i]); x and y may be the same array.
  void (*unary)(sg_unary_op op, size_t n, const float* x, float* y, float alpha, float beta);
  // dx[i] = dy[i] * op'(x[i] or y[i]); the argument the op needs is non-NULL (checked by the caller).
  void (*unary_backward)(sg_unary_op op, size_t n, const float* x, const float* y, const float* dy, float* dx,
                         float alpha);
  // out[i] = a[i * a_step] op b[i * b_step], each step 0 (a scalar) or 1.
  void (*binary)(sg_binary_op op, size_t n, const float* a, size_t a_step, const float* b, size_t b_step,
                 float* out);

  // Reductions of one contiguous row. Max and log-sum-exp propagate NaN.
  double (*row_sum)(size_t n, const float* x);
  float (*row_max)(size_t n, const float* x);
  float (*row_logsumexp)(size_t n, const float* x);
  // Column reductions, one row at a time: acc[c] op= x[c].
  void (*add_into)(size_t n, const float* x, float* acc);
  void (*add_float_into_double)(size_t n, const float* x, double* acc);
  void (*max_into)(size_t n, const float* x, float* acc);
  // acc[c] += exp(x[c] - shift[c])
  void (*add_exp_into)(size_t n, const float* x, const float* shift, float* acc);

  // out = softmax(x) (log == 0) or log_softmax(x) of one row; out may be x.
  void (*softmax_row)(int log, size_t n, const float* x, float* out);
  // Cross-entropy of one row against class `label` (t == NULL) or target row t; d may be NULL.
  float (*softmax_xent_row)(size_t n, const float* x, size_t label, const float* t, float* d);
  float (*sigmoid_xent_row)(size_t n, const float* x, const float* t, float* d);
  float (*gaussian_kl_row)(size_t n, const float* mu, const float* logvar, float* dmu, float* dlogvar);

  // Batch norm of a panel of w <= kBatchnormPanel columns (rows x w, leading dimension ld): see batchnorm_forward and
  // batchnorm_backward in kernels.h, whose per-column outputs mean, invstd, variance (may be NULL) start here at 0.
  void (*batchnorm_forward_panel)(size_t rows, size_t ld, size_t w, const float* x, float eps, float* y,
                                  float* mean, float* invstd, float* variance);
  void (*batchnorm_backward_panel)(size_t rows, size_t ld, size_t w, const float* dy, const float* y,
                                   const float* invstd, float* dx);

  // Elements [begin, end) of a Philox stream (begin a multiple of 4); out points at element 0.
  void (*random)(sg_distribution dist, size_t begin, size_t end, uint64_t seed, uint64_t offset, float p1,
                 float p2, float* out);
  // z[i] = mu[i] + eps[i] exp(logvar[i] / 2) for i in [begin, end) (begin a multiple of 4); eps may be NULL.
  void (*reparameterize)(size_t begin, size_t end, const float* mu, const float* logvar, uint64_t seed,
                         uint64_t offset, float* eps, float* z);

  void (*adam)(size_t n, float* p, const float* g, float* m, float* v, const AdamStep& s);
  void (*sgd)(size_t n, float* p, const float* g, float* velocity, const SgdStep& s);
  // t[i] = lerp_toward(t[i], s[i], rate)
  void (*lerp)(size_t n, float* t, const float* s, float rate);
};

// The table built for `isa` (the portable one where that ISA is not compiled in).
const SimdKernels& simd_kernels(Isa isa);
// The table of the ISA in use, chosen once.
const SimdKernels& simd();

namespace portable { extern const SimdKernels kSimdKernels; }
#if defined(SEMIGEN_X86) && SEMIGEN_X86
namespace avx2 { extern const SimdKernels kSimdKernels; }
namespace avx512 { extern const SimdKernels kSimdKernels; }
#endif

// Work per thread-pool chunk: below this an op stays on the calling thread. Ops with a transcendental per
// element pay for a second thread sooner than memory-bound ones (add, relu, copy), which run at L2 speed.
constexpr size_t kGrainElements = 16384;
constexpr size_t kGrainCheapElements = 65536;

}  // namespace sg::cpu
