/* The one kernel ABI of semigen: every compute kernel, declared once in plain C types.
 *
 * kernels/cpu/ and kernels/cuda/ each fill an sg_kernels table; native/ dispatches through it on the
 * tensor's device. Pointers are device pointers of the table's device. Matrices are row-major with a
 * leading dimension (elements between consecutive rows). A NULL entry means "not on this device yet".
 * Every kernel returns SG_OK or an sg_status; kernels never print, abort or throw.
 */
#ifndef SEMIGEN_KERNELS_H
#define SEMIGEN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "semigen/op_lists.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CPU: NULL (the internal thread pool is used). CUDA: a cudaStream_t. */
typedef void *sg_stream;

typedef enum sg_status {
  SG_OK = 0,
  SG_ERR_ARGUMENT = 1,    /* a size, pointer or enum the kernel cannot accept */
  SG_ERR_MEMORY = 2,      /* allocation failed */
  SG_ERR_DEVICE = 3,      /* the device or its driver reported an error */
  SG_ERR_UNSUPPORTED = 4  /* this variant is not implemented on this device */
} sg_status;

/* The op enums, one enumerator per line of op_lists.h, numbered in list order. */
#define SG_UNARY_ENUMERATOR(E, ...) SG_UNARY_##E,
typedef enum sg_unary_op { SG_UNARY_OPS(SG_UNARY_ENUMERATOR) } sg_unary_op;
#undef SG_UNARY_ENUMERATOR

#define SG_BINARY_ENUMERATOR(E, ...) SG_BINARY_##E,
typedef enum sg_binary_op { SG_BINARY_OPS(SG_BINARY_ENUMERATOR) } sg_binary_op;
#undef SG_BINARY_ENUMERATOR

/* How an operand of shape rows x cols is stored. */
typedef enum sg_broadcast {
  SG_BCAST_FULL = 0,   /* rows x cols */
  SG_BCAST_ROW = 1,    /* 1 x cols, the same row for every row */
  SG_BCAST_COL = 2,    /* rows x 1, the same value along each row */
  SG_BCAST_SCALAR = 3  /* 1 x 1 */
} sg_broadcast;

#define SG_REDUCE_ENUMERATOR(E, ...) SG_REDUCE_##E,
typedef enum sg_reduce_op { SG_REDUCE_OPS(SG_REDUCE_ENUMERATOR) } sg_reduce_op;
#undef SG_REDUCE_ENUMERATOR

/* Facts about the ops, from op_lists.h. The counts bound the valid enum values; the masks hold bit `op` for
 * each op with that property. */
#define SG_COUNT_ONE(...) +1
#define SG_UNARY_BIT_IF(E, stem, name, reads, layer, gemm, cost, grad_cost) | ((gemm) << SG_UNARY_##E)
enum {
  SG_UNARY_COUNT = 0 SG_UNARY_OPS(SG_COUNT_ONE),
  SG_BINARY_COUNT = 0 SG_BINARY_OPS(SG_COUNT_ONE),
  SG_REDUCE_COUNT = 0 SG_REDUCE_OPS(SG_COUNT_ONE),
  SG_UNARY_GEMM_MASK = 0 SG_UNARY_OPS(SG_UNARY_BIT_IF) /* the activations gemm's epilogue applies */
};
#undef SG_UNARY_BIT_IF
#undef SG_COUNT_ONE

/* What unary_backward reads besides dy (op_lists.h's `reads`). */
typedef enum sg_reads { SG_READS_NOTHING = 0, SG_READS_INPUT = 1, SG_READS_OUTPUT = 2 } sg_reads;

/* The per-op facts as functions, callable from C, C++ and CUDA device code alike. */
#if defined(__CUDACC__)
#define SG_OP_FACT static __host__ __device__ inline
#else
#define SG_OP_FACT static inline
#endif
SG_OP_FACT int sg_unary_valid(int op) { return op >= 0 && op < SG_UNARY_COUNT; }
SG_OP_FACT int sg_binary_valid(int op) { return op >= 0 && op < SG_BINARY_COUNT; }
SG_OP_FACT int sg_reduce_valid(int op) { return op >= 0 && op < SG_REDUCE_COUNT; }
SG_OP_FACT int sg_unary_in_gemm(int op) { return sg_unary_valid(op) && ((SG_UNARY_GEMM_MASK >> op) & 1); }
SG_OP_FACT sg_reads sg_unary_backward_reads(sg_unary_op op) {
  switch (op) {
#define SG_UNARY_READS_CASE(E, stem, name, reads, ...) case SG_UNARY_##E: return SG_READS_##reads;
    SG_UNARY_OPS(SG_UNARY_READS_CASE)
#undef SG_UNARY_READS_CASE
  }
  return SG_READS_NOTHING;
}
#undef SG_OP_FACT

typedef enum sg_axis {
  SG_AXIS_ROWS = 0,  /* reduce along each row: out has `rows` elements */
  SG_AXIS_COLS = 1   /* reduce down each column: out has `cols` elements */
} sg_axis;

typedef enum sg_distribution {
  SG_DIST_UNIFORM = 0,   /* uniform in [p1, p2) */
  SG_DIST_NORMAL = 1,    /* mean p1, standard deviation p2 */
  SG_DIST_BERNOULLI = 2  /* p2 with probability p1, else 0 (p2 = 1/keep gives an inverted-dropout mask) */
} sg_distribution;

/* Philox4x32-10 stream: element i of a call uses counter (offset + i / 4) as the low 64 bits of the
 * 128-bit counter (high 64 bits zero), key (seed & 0xffffffff, seed >> 32), output word i % 4.
 * Uniform: u = (word >> 8) * 2^-24 in [0, 1). Normal: words (0,1) and (2,3) of a counter each give
 * two Box-Muller normals, r = sqrt(-2 log(1 - u_a)), z_a = r cos(2 pi u_b), z_b = r sin(2 pi u_b).
 * A call of n elements consumes ceil(n / 4) counters; the caller advances its offset by that. */

/* Every kernel entry of a device's table, declared once: X(name, (parameters)), each returning sg_status.
 * sg_kernels below has one field per entry, in this order; kernels/cpu/cpu_kernels.h and
 * kernels/cuda/cuda_internal.cuh declare their implementations from this list, and kernels/cpu/table.cc and
 * kernels/cuda/table.cu fill their tables from it. */
#define SG_KERNEL_ENTRIES(X)                                                                                           \
  /* ---- memory ---- */                                                                                               \
  X(alloc, (int device, size_t bytes, void **out))                                                                     \
  X(release, (int device, void *ptr))                                                                                  \
  X(copy_from_host, (int device, sg_stream s, void *dst, const void *src, size_t bytes))                               \
  X(copy_to_host, (int device, sg_stream s, void *dst, const void *src, size_t bytes))                                 \
  X(synchronize, (int device, sg_stream s))                                                                            \
  /* ---- compute ---- */                                                                                              \
  /* out[i] = value */                                                                                                 \
  X(fill, (sg_stream s, size_t n, float value, float *out))                                                            \
  /* dst[r*ldd + c] = src[r*lds + c]: copies, column slices and concatenation */                                       \
  X(copy_2d, (sg_stream s, size_t rows, size_t cols, const float *src, size_t lds, float *dst, size_t ldd))            \
  /* C = alpha * op(A) op(B) + beta * C, then C += bias (a row vector of n, may be NULL), then                         \
   * C = act(C) with act an op of gemm = 1 in op_lists.h (AFFINE meaning none; LEAKY_RELU's slope is act_alpha).       \
   * op(A) is m x k (A stored k x m when trans_a), op(B) is k x n (B stored n x k when trans_b).                       \
   * beta == 0 means C is not read (it may hold NaN). */                                                               \
  X(gemm, (sg_stream s, int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha, const float *a,           \
      size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc, const float *bias,                     \
      sg_unary_op act, float act_alpha))                                                                               \
  /* y = op(x) over n elements */                                                                                      \
  X(unary, (sg_stream s, sg_unary_op op, size_t n, const float *x, float *y, float alpha, float beta))                 \
  /* dx = dy * op'(x) over n elements, given x and/or y = op(x): the one sg_unary_backward_reads(op) names             \
   * must be non-NULL, the other may be NULL. */                                                                       \
  X(unary_backward, (sg_stream s, sg_unary_op op, size_t n, const float *x, const float *y, const float *dy,           \
      float *dx, float alpha))                                                                                         \
  /* out (rows x cols) = a op b, each operand stored as its broadcast mode says */                                     \
  X(binary, (sg_stream s, sg_binary_op op, size_t rows, size_t cols, const float *a, sg_broadcast a_mode,              \
      const float *b, sg_broadcast b_mode, float *out))                                                                \
  /* out = reduce(x) along axis; x is rows x cols */                                                                   \
  X(reduce, (sg_stream s, sg_reduce_op op, sg_axis axis, size_t rows, size_t cols, const float *x, float *out))        \
  /* out = softmax(x) or log_softmax(x) of each row */                                                                 \
  X(softmax, (sg_stream s, int log, size_t rows, size_t cols, const float *x, float *out))                             \
  /* loss[r] = -sum_c t[r,c] log softmax(x)[r,c], t from class indices `labels` (rows floats holding                   \
   * 0..cols-1) or from `targets` (rows x cols probabilities); exactly one of them is non-NULL.                        \
   * dlogits (may be NULL) = softmax(x) - t, the gradient of loss[r] with respect to row r. */                         \
  X(softmax_xent, (sg_stream s, size_t rows, size_t cols, const float *logits, const float *labels,                    \
      const float *targets, float *loss, float *dlogits))                                                              \
  /* loss[r] = sum_c max(x,0) - x t + log(1 + exp(-|x|)) over the row; a NaN target is a missing value and             \
   * contributes neither loss nor gradient. dlogits (may be NULL) = sigmoid(x) - t (0 where t is NaN). */              \
  X(sigmoid_xent, (sg_stream s, size_t rows, size_t cols, const float *logits, const float *targets,                   \
      float *loss, float *dlogits))                                                                                    \
  /* loss[r] = -0.5 sum_c (1 + lv - mu^2 - exp(lv)) = KL(N(mu, exp(lv)) || N(0, 1)) per row;                           \
   * dmu = mu, dlogvar = 0.5 (exp(lv) - 1) when non-NULL. */                                                           \
  X(gaussian_kl, (sg_stream s, size_t rows, size_t cols, const float *mu, const float *logvar, float *loss,            \
      float *dmu, float *dlogvar))                                                                                     \
  /* Batch normalisation down the columns of x (rows x cols, rows >= 1, eps > 0): per column c,                        \
   * mean[c] = sum_r x / rows, var = sum_r (x - mean)^2 / rows (biased, two passes), invstd[c] = 1 / sqrt(var + eps),  \
   * y = (x - mean) * invstd. variance (may be NULL) receives var. One row gives y = 0. */                             \
  X(batchnorm_forward, (sg_stream s, size_t rows, size_t cols, const float *x, float eps, float *y,                    \
      float *mean, float *invstd, float *variance))                                                                    \
  /* The gradient of batchnorm_forward through the batch statistics, from its y and invstd:                            \
   * dx = invstd * (dy - mean_rows(dy) - y * mean_rows(dy * y)) per column. */                                         \
  X(batchnorm_backward, (sg_stream s, size_t rows, size_t cols, const float *dy, const float *y,                       \
      const float *invstd, float *dx))                                                                                 \
  /* eps ~ N(0,1) from the Philox stream (seed, offset); z = mu + eps * exp(0.5 logvar). eps may be NULL. */           \
  X(reparameterize, (sg_stream s, size_t n, const float *mu, const float *logvar, uint64_t seed,                       \
      uint64_t offset, float *eps, float *z))                                                                          \
  /* out[i] from the distribution, Philox stream (seed, offset) */                                                     \
  X(random, (sg_stream s, sg_distribution dist, size_t n, uint64_t seed, uint64_t offset, float p1, float p2,          \
      float *out))                                                                                                     \
  /* out[r, :] = src[index[r], :] for r < rows; index is a device array of int32; every index must be in               \
   * [0, src_rows) (SG_ERR_ARGUMENT otherwise, out unspecified) */                                                     \
  X(gather_rows, (sg_stream s, size_t rows, size_t cols, const float *src, size_t src_rows,                            \
      const int32_t *index, float *out))                                                                               \
  /* One fused Adam/AdamW step over `count` tensors (host arrays of device pointers). step counts from 1.              \
   * decoupled != 0: AdamW (p -= lr * wd * p); else L2 (g += wd * p). */                                               \
  X(adam, (sg_stream s, size_t count, float *const *params, const float *const *grads, float *const *m,                \
      float *const *v, const size_t *sizes, float lr, float beta1, float beta2, float eps,                             \
      float weight_decay, int decoupled, int64_t step))                                                                \
  /* One fused SGD step: g += wd p; v = momentum v + g; p -= lr * (nesterov ? g + momentum v : v).                     \
   * velocity may be NULL when momentum == 0. */                                                                       \
  X(sgd, (sg_stream s, size_t count, float *const *params, const float *const *grads, float *const *velocity,          \
      const size_t *sizes, float lr, float momentum, float weight_decay, int nesterov))                                \
  /* targets[t] += rate * (sources[t] - targets[t]) for each of `count` tensors of sizes[t] elements, in one          \
   * call: moving averages and running statistics. Computed as t - rate * (t - s) (lerp_toward, scalar_math.h). */     \
  X(lerp, (sg_stream s, size_t count, float *const *targets, const float *const *sources, const size_t *sizes,        \
      float rate))

typedef struct sg_kernels {
  const char *device_name; /* "cpu" or "cuda" */
#define SG_KERNEL_FIELD(name, parameters) sg_status(*name) parameters;
  SG_KERNEL_ENTRIES(SG_KERNEL_FIELD)
#undef SG_KERNEL_FIELD
} sg_kernels;

/* The CPU table; never NULL. */
const sg_kernels *sg_cpu_kernels(void);

/* CPU facts and settings (not per-op kernels). */
const char *sg_cpu_isa(void);           /* "avx512", "avx2" or "portable": the variant in use */
int sg_cpu_threads(void);               /* the pool's thread count */
int sg_cpu_set_threads(int n);          /* resize the pool; returns the new count */
/* measured FP32 FMA peak of the ISA in use, GFLOP/s, over `threads` threads for about `seconds` */
double sg_cpu_fma_peak(int threads, double seconds);

/* The CUDA table when the CUDA side is compiled in (NULL otherwise). */
const sg_kernels *sg_cuda_kernels(void);
int sg_cuda_compiled(void);
/* number of usable CUDA devices (0 with no driver or no GPU); never fails */
int sg_cuda_device_count(void);
/* name and memory of a device; returns SG_OK or SG_ERR_DEVICE */
sg_status sg_cuda_device_info(int device, char *name, size_t name_len, size_t *total_memory);
/* which code of ours a device runs: its compute capability (major * 10 + minor), the architecture of the kernel
   binary the driver loaded for it and the PTX version that binary came from (JIT-compiled when no sm_ code of the
   build fits: then binary is the device's own capability and not among `built`), and the build's architectures
   (CMake's list, e.g. "75-real;80-real;86-real;89-real;90"); returns SG_OK or SG_ERR_DEVICE */
sg_status sg_cuda_device_code(int device, int *capability, int *binary, int *ptx, const char **built);
/* the per-device stream kernels run on */
sg_stream sg_cuda_stream(int device);
/* the last CUDA error text (thread-local), for error messages */
const char *sg_cuda_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* SEMIGEN_KERNELS_H */
