// The CPU GEMM driver (sg::cpu::gemm, the `gemm` entry of kernels.h): checks arguments, splits C into
// one block per thread, and runs the GotoBLAS/BLIS loops on each block: k in kc-deep slices, op(A)
// packed mc rows at a time (L3), op(B) packed nc columns at a time (L2), then the register tile of the
// ISA chosen at load over the packed panels. The epilogue (alpha, beta, bias, activation) happens in
// the tile's store, the bias and activation on the last k slice only.
//
// Each thread packs what its block needs into its own buffers, even the operand the blocks share:
// reading panels that another core has just packed (dirty in its cache) measured 15-25% slower on Zen 4
// than packing them again from the clean source. Blocks are pool tasks claimed by whoever is free, so a
// worker that wakes late (its core busy elsewhere) leaves its block to the caller instead of stalling it.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>

#include "cpu_internal.h"
#include "cpu_kernels.h"
#include "gemm_kernels.h"

namespace sg::cpu {
namespace {

// Below this many flops per thread, waking another thread costs more than it saves.
constexpr double kMinFlopsPerThread = 0.5e6;  // ~5 us: a spinning worker starts in ~1 us

const GemmKernels& active_kernels() {
  static const GemmKernels* const chosen = [] {
    const GemmKernels* k = nullptr;
    if (isa() == Isa::avx512) k = gemm_kernels_avx512();
    if (!k && isa() >= Isa::avx2) k = gemm_kernels_avx2();
    return k ? k : gemm_kernels_portable();
  }();
  return *chosen;
}

struct GemmArgs {
  bool trans_a, trans_b;
  size_t m, n, k;
  float alpha, beta;
  const float *a, *b;
  size_t lda, ldb, ldc;
  float* c;
  const float* bias;
  sg_unary_op act;
  float act_alpha;
};

// A per-thread, 64-byte aligned packing buffer that only grows.
struct PackBuffer {
  float* data = nullptr;
  size_t capacity = 0;
  ~PackBuffer() { std::free(data); }
  float* reserve(size_t floats) {
    if (floats > capacity) {
      std::free(data);
      const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
      data = static_cast<float*>(std::aligned_alloc(64, bytes));
      capacity = data ? floats : 0;
    }
    return data;
  }
};
thread_local PackBuffer packed_a, packed_b;

size_t ceil_div(size_t x, size_t y) { return (x + y - 1) / y; }
size_t round_up(size_t x, size_t y) { return ceil_div(x, y) * y; }
// Splits `total` into equal steps of at most about `limit`, each a multiple of `unit`.
size_t balanced_step(size_t total, size_t limit, size_t unit) {
  return round_up(ceil_div(total, ceil_div(total, limit)), unit);
}

// C[m0:m1, n0:n1] of the product, serially on the calling thread.
sg_status gemm_block(const GemmKernels& K, const GemmArgs& g, size_t m0, size_t m1, size_t n0, size_t n1) {
  const size_t mr = K.mr, nr = K.nr;
  const size_t kc_step = balanced_step(g.k, K.kc, 8);
  const size_t mc_step = balanced_step(m1 - m0, K.mc, mr);
  const size_t nc_step = balanced_step(n1 - n0, K.nc, nr);
  float* abuf = packed_a.reserve(mc_step * kc_step);
  float* bbuf = packed_b.reserve(nc_step * kc_step);
  if (!abuf || !bbuf) return SG_ERR_MEMORY;

  GemmEpilogue ep{g.alpha, g.beta, nullptr, g.act, g.act_alpha, true, false};
  for (size_t pc = 0; pc < g.k; pc += kc_step) {
    const size_t kc = g.k - pc < kc_step ? g.k - pc : kc_step;
    ep.first = pc == 0;
    ep.last = pc + kc == g.k;
    for (size_t ic = m0; ic < m1; ic += mc_step) {
      const size_t mc = m1 - ic < mc_step ? m1 - ic : mc_step;
      K.pack_a(g.trans_a, mc, kc, g.trans_a ? g.a + pc * g.lda + ic : g.a + ic * g.lda + pc, g.lda, abuf);
      for (size_t jc = n0; jc < n1; jc += nc_step) {
        const size_t nc = n1 - jc < nc_step ? n1 - jc : nc_step;
        K.pack_b(g.trans_b, kc, nc, g.trans_b ? g.b + jc * g.ldb + pc : g.b + pc * g.ldb + jc, g.ldb, bbuf);
        for (size_t ir = 0; ir < mc; ir += mr) {
          const size_t rows = mc - ir < mr ? mc - ir : mr;
          float* c_row = g.c + (ic + ir) * g.ldc;
          for (size_t jr = 0; jr < nc; jr += nr) {
            ep.bias = g.bias ? g.bias + jc + jr : nullptr;
            K.tile(kc, abuf + ir * kc, bbuf + jr * kc, c_row + jc + jr, g.ldc, rows, nc - jr < nr ? nc - jr : nr, ep);
          }
        }
      }
    }
  }
  return SG_OK;
}

// The thread grid tm x tn for C: the one with the least per-thread time, modelled per k step as the
// compute of the largest block (mb nb / 16 cycles at 32 flops a cycle) plus packing its A and B panels
// (~1 cycle a float, as mb nb + 16 (mb + nb) in units of 1/16 cycle).
struct Grid {
  size_t tm, tn, mb, nb;
};
Grid pick_grid(const GemmKernels& K, size_t m, size_t n, size_t k) {
  const double flops = 2.0 * double(m) * double(n) * double(k);
  size_t threads = size_t(num_threads());
  if (double(threads) * kMinFlopsPerThread > flops) threads = size_t(flops / kMinFlopsPerThread);
  if (threads < 1) threads = 1;
  Grid best{1, 1, m, n};
  double best_cost = -1;
  for (size_t t = threads; t >= 1 && best_cost < 0; --t) {  // fewer threads only if t cannot tile C
    for (size_t tm = 1; tm <= t; ++tm) {
      if (t % tm) continue;
      const size_t tn = t / tm;
      const size_t mb = round_up(ceil_div(m, tm), K.mr), nb = round_up(ceil_div(n, tn), K.vec);
      if (mb * (tm - 1) >= m || nb * (tn - 1) >= n) continue;  // a thread would get nothing
      const double cost = double(mb) * double(nb) + 16.0 * double(mb + nb);
      if (best_cost < 0 || cost < best_cost) best = {tm, tn, mb, nb}, best_cost = cost;
    }
  }
  return best;
}

bool stored_ok(const float* p, size_t rows, size_t cols, size_t ld) {
  if (rows == 0 || cols == 0) return true;
  return p != nullptr && ld >= cols && rows - 1 <= (SIZE_MAX / sizeof(float) - cols) / ld;
}

// C = beta C, then the epilogue: the whole result when there is no product (k == 0 or alpha == 0).
void scale_and_finish(const GemmArgs& g) {
  parallel_for(g.m, 1 + 16384 / g.n, [&](size_t r0, size_t r1) {
    for (size_t i = r0; i < r1; ++i) {
      float* row = g.c + i * g.ldc;
      for (size_t j = 0; j < g.n; ++j) row[j] = g.beta == 0.f ? 0.f : g.beta * row[j];
      gemm_epilogue_row(g.n, row, g.bias, g.act, g.act_alpha);
    }
  });
}

}  // namespace

// The activations the GEMM paths implement: in registers in gemm_avx512.cc and gemm_avx2.cc, and through
// gemm_activation (scalar_math.h) in the portable path and on CUDA. op_lists.h's gemm column must name these.
static_assert(SG_UNARY_GEMM_MASK == (1 << SG_UNARY_AFFINE | 1 << SG_UNARY_RELU | 1 << SG_UNARY_LEAKY_RELU |
                                     1 << SG_UNARY_SIGMOID | 1 << SG_UNARY_TANH),
              "op_lists.h names a GEMM epilogue activation the GEMM kernels do not implement");

sg_status gemm(sg_stream, int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha, const float* a, size_t lda,
               const float* b, size_t ldb, float beta, float* c, size_t ldc, const float* bias, sg_unary_op act,
               float act_alpha) {
  if (!sg_unary_in_gemm(act)) return SG_ERR_ARGUMENT;
  const GemmArgs g{trans_a != 0, trans_b != 0, m, n, k, alpha, beta, a, b, lda, ldb, ldc, c, bias, act, act_alpha};
  if (!stored_ok(a, g.trans_a ? k : m, g.trans_a ? m : k, lda) ||
      !stored_ok(b, g.trans_b ? n : k, g.trans_b ? k : n, ldb) || !stored_ok(c, m, n, ldc)) {
    return SG_ERR_ARGUMENT;
  }
  if (m == 0 || n == 0) return SG_OK;
  if (k == 0 || alpha == 0.f) {
    scale_and_finish(g);
    return SG_OK;
  }

  const GemmKernels& K = active_kernels();
  const Grid grid = pick_grid(K, m, n, k);
  if (grid.tm * grid.tn == 1) return gemm_block(K, g, 0, m, 0, n);
  // Column blocks start on a 64-byte line of C's first row, so that two threads never write one line.
  const size_t line_shift = (16 - (reinterpret_cast<uintptr_t>(c) / sizeof(float)) % 16) % 16;
  const auto col_start = [&](size_t j) {
    return j == 0 ? 0 : std::min(n, line_shift + (j * grid.nb > line_shift ? j * grid.nb - line_shift : 0) / 16 * 16);
  };
  std::atomic<int> status{SG_OK};
  parallel_run(int(grid.tm * grid.tn), [&](int tid, int) {
    const size_t i = size_t(tid) / grid.tn, j = size_t(tid) % grid.tn;
    const size_t m0 = std::min(m, i * grid.mb), m1 = std::min(m, m0 + grid.mb);
    const size_t n0 = col_start(j), n1 = j + 1 == grid.tn ? n : col_start(j + 1);
    if (m0 >= m1 || n0 >= n1) return;
    const sg_status s = gemm_block(K, g, m0, m1, n0, n1);
    if (s != SG_OK) status.store(s);
  });
  return sg_status(status.load());
}

}  // namespace sg::cpu
