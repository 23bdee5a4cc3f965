// Internal to the CPU GEMM: the packed-panel layout and the per-ISA table (packing + register-tile
// kernel + cache blocking) that the driver in gemm.cc runs. gemm_avx512.cc, gemm_avx2.cc and
// gemm_portable.cc each fill one table; everything they define lives in their own namespace so the
// linker can never hand AVX-512 code to the portable path.
//
// Packed layout (GotoBLAS/BLIS): op(A) rows are cut into micro-panels of mr rows, stored k-major
// (for each k, mr consecutive floats; rows past the edge are zero). op(B) columns are cut into
// micro-panels of nr columns, stored k-major with a row stride of round_up(cols, vec) floats, where vec
// is the ISA's vector width (columns past the edge are zero).
#pragma once

#include <cstddef>

#include "semigen/kernels.h"

#ifndef SEMIGEN_X86
#if defined(__x86_64__) || defined(_M_X64)
#define SEMIGEN_X86 1
#else
#define SEMIGEN_X86 0
#endif
#endif

namespace sg::cpu {

// What storing a C tile does. First k-block: C = alpha AB + beta C (beta == 0: C is not read);
// later k-blocks: C += alpha AB. The last k-block then adds bias and applies act.
struct GemmEpilogue {
  float alpha, beta;
  const float* bias;  // offset to the tile's first column; NULL for none
  sg_unary_op act;    // AFFINE (none), RELU, LEAKY_RELU, SIGMOID or TANH (checked by the driver)
  float act_alpha;
  bool first, last;
};

struct GemmKernels {
  const char* name;
  int mr, nr;      // register tile: mr rows of C by nr columns
  int vec;         // floats per vector: packed B rows are padded to a multiple of it
  int kc, mc, nc;  // cache blocks: k depth, rows of packed A (L3), columns of packed B (L2)
  // Packs rows x kc of op(A), where `a` points at element (0, 0) of the block, into ceil(rows/mr)
  // micro-panels of mr * kc floats.
  void (*pack_a)(bool trans, size_t rows, size_t kc, const float* a, size_t lda, float* dst);
  // Packs kc x cols of op(B), `b` pointing at element (0, 0), into ceil(cols/nr) micro-panels.
  void (*pack_b)(bool trans, size_t kc, size_t cols, const float* b, size_t ldb, float* dst);
  // One rows x cols (<= mr x nr) tile of C from an A micro-panel and a B micro-panel.
  void (*tile)(size_t kc, const float* a, const float* b, float* c, size_t ldc, size_t rows, size_t cols,
               const GemmEpilogue& ep);
};

// The tables; NULL where the ISA is not compiled in (non-x86 builds).
const GemmKernels* gemm_kernels_avx512();
const GemmKernels* gemm_kernels_avx2();
const GemmKernels* gemm_kernels_portable();

// Generic packing for any mr / nr / vec (plain x86-64 code, gemm_portable.cc): the AVX2 and portable
// tables use it; AVX-512 has its own transposing packers.
void pack_a_generic(bool trans, size_t rows, size_t kc, const float* a, size_t lda, float* dst, int mr);
void pack_b_generic(bool trans, size_t kc, size_t cols, const float* b, size_t ldb, float* dst, int nr,
                    int vec);

// The bias + activation part of the epilogue over one row of n values (scalar path; used by the
// driver when there is no product to add, k == 0 or alpha == 0).
void gemm_epilogue_row(size_t n, float* c, const float* bias, sg_unary_op act, float act_alpha);

}  // namespace sg::cpu
