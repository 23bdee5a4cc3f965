// CPU elementwise kernels: fill, copy_2d, unary ops and their backward, binary ops with broadcasting.
// Arguments are checked here; the loops are the per-ISA ones of simd.h, run in thread-pool chunks.
#include <cstring>

#include "cpu_internal.h"
#include "cpu_kernels.h"
#include "simd.h"

namespace sg::cpu {

namespace {

bool valid_broadcast(sg_broadcast m) { return m >= SG_BCAST_FULL && m <= SG_BCAST_SCALAR; }

// Elements per thread-pool chunk for an op of the given cost (op_lists.h): ops with exp / log / a division
// chain per element pay for a second thread sooner.
constexpr size_t kGrainCHEAP = kGrainCheapElements, kGrainHEAVY = kGrainElements;

size_t unary_grain(sg_unary_op op) {
  switch (op) {
#define SG_UNARY_GRAIN(E, stem, name, reads, layer, gemm, cost, grad_cost) case SG_UNARY_##E: return kGrain##cost;
    SG_UNARY_OPS(SG_UNARY_GRAIN)
#undef SG_UNARY_GRAIN
  }
  return kGrainCheapElements;
}

size_t unary_backward_grain(sg_unary_op op) {
  switch (op) {
#define SG_UNARY_GRAIN(E, stem, name, reads, layer, gemm, cost, grad_cost) case SG_UNARY_##E: return kGrain##grad_cost;
    SG_UNARY_OPS(SG_UNARY_GRAIN)
#undef SG_UNARY_GRAIN
  }
  return kGrainCheapElements;
}

// Rows per chunk so a chunk holds about kGrainCheapElements elements (copies and binary ops are cheap).
size_t row_grain(size_t cols) {
  return cols >= kGrainCheapElements ? 1 : kGrainCheapElements / (cols ? cols : 1);
}

// The same storage seen with one dimension of size 1 is a simpler mode (a 1 x cols ROW operand is FULL).
sg_broadcast simplify(sg_broadcast m, size_t rows, size_t cols) {
  if (rows == 1 && m == SG_BCAST_ROW) return SG_BCAST_FULL;
  if (rows == 1 && m == SG_BCAST_COL) return SG_BCAST_SCALAR;
  if (cols == 1 && m == SG_BCAST_COL) return SG_BCAST_FULL;
  if (cols == 1 && m == SG_BCAST_ROW) return SG_BCAST_SCALAR;
  return m;
}

// Row r of an operand as (pointer, step) for the binary loop.
const float* operand_row(const float* p, sg_broadcast m, size_t r, size_t cols, size_t* step) {
  *step = (m == SG_BCAST_FULL || m == SG_BCAST_ROW) ? 1 : 0;
  switch (m) {
    case SG_BCAST_FULL: return p + r * cols;
    case SG_BCAST_COL: return p + r;
    default: return p;
  }
}

}  // namespace

sg_status fill(sg_stream, size_t n, float value, float* out) {
  if (missing(out, n)) return SG_ERR_ARGUMENT;
  parallel_for(n, kGrainCheapElements, [=](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) out[i] = value;
  });
  return SG_OK;
}

sg_status copy_2d(sg_stream, size_t rows, size_t cols, const float* src, size_t lds, float* dst, size_t ldd) {
  size_t total;
  if (!checked_product(rows, cols, &total)) return SG_ERR_ARGUMENT;
  if (total == 0) return SG_OK;
  if (!src || !dst || (rows > 1 && (lds < cols || ldd < cols))) return SG_ERR_ARGUMENT;
  if (lds == cols && ldd == cols) {  // contiguous: one flat copy
    parallel_for(total, kGrainCheapElements, [=](size_t b, size_t e) {
      std::memmove(dst + b, src + b, (e - b) * sizeof(float));
    });
    return SG_OK;
  }
  parallel_for(rows, row_grain(cols), [=](size_t b, size_t e) {
    for (size_t r = b; r < e; ++r) std::memmove(dst + r * ldd, src + r * lds, cols * sizeof(float));
  });
  return SG_OK;
}

sg_status unary(sg_stream, sg_unary_op op, size_t n, const float* x, float* y, float alpha, float beta) {
  if (!sg_unary_valid(op) || missing(x, n) || missing(y, n)) return SG_ERR_ARGUMENT;
  const SimdKernels& k = simd();
  parallel_for(n, unary_grain(op), [&](size_t b, size_t e) { k.unary(op, e - b, x + b, y + b, alpha, beta); });
  return SG_OK;
}

sg_status unary_backward(sg_stream, sg_unary_op op, size_t n, const float* x, const float* y, const float* dy,
                         float* dx, float alpha) {
  if (!sg_unary_valid(op) || missing(dy, n) || missing(dx, n)) return SG_ERR_ARGUMENT;
  const sg_reads reads = sg_unary_backward_reads(op);
  if ((reads == SG_READS_INPUT && missing(x, n)) || (reads == SG_READS_OUTPUT && missing(y, n))) return SG_ERR_ARGUMENT;
  const SimdKernels& k = simd();
  parallel_for(n, unary_backward_grain(op), [&](size_t b, size_t e) {
    k.unary_backward(op, e - b, x ? x + b : nullptr, y ? y + b : nullptr, dy + b, dx + b, alpha);
  });
  return SG_OK;
}

sg_status binary(sg_stream, sg_binary_op op, size_t rows, size_t cols, const float* a, sg_broadcast a_mode,
                 const float* b, sg_broadcast b_mode, float* out) {
  size_t total;
  if (!sg_binary_valid(op) || !valid_broadcast(a_mode) || !valid_broadcast(b_mode)) return SG_ERR_ARGUMENT;
  if (!checked_product(rows, cols, &total)) return SG_ERR_ARGUMENT;
  if (total == 0) return SG_OK;
  if (!a || !b || !out) return SG_ERR_ARGUMENT;
  a_mode = simplify(a_mode, rows, cols);
  b_mode = simplify(b_mode, rows, cols);
  const SimdKernels& k = simd();
  const bool flat = (a_mode == SG_BCAST_FULL || a_mode == SG_BCAST_SCALAR) &&
                    (b_mode == SG_BCAST_FULL || b_mode == SG_BCAST_SCALAR);
  if (flat) {  // no row structure left: one loop over all elements
    const size_t a_step = a_mode == SG_BCAST_FULL ? 1 : 0, b_step = b_mode == SG_BCAST_FULL ? 1 : 0;
    parallel_for(total, kGrainCheapElements, [&](size_t lo, size_t hi) {
      k.binary(op, hi - lo, a + lo * a_step, a_step, b + lo * b_step, b_step, out + lo);
    });
    return SG_OK;
  }
  parallel_for(rows, row_grain(cols), [&](size_t lo, size_t hi) {
    for (size_t r = lo; r < hi; ++r) {
      size_t a_step, b_step;
      const float* a_row = operand_row(a, a_mode, r, cols, &a_step);
      const float* b_row = operand_row(b, b_mode, r, cols, &b_step);
      k.binary(op, cols, a_row, a_step, b_row, b_step, out + r * cols);
    }
  });
  return SG_OK;
}

}  // namespace sg::cpu
