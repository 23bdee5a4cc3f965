// The CPU GEMM driver (sg::cpu::gemm, the `gemm` entry of kernels.h), GotoBLAS/BLIS style: op(A) and op(B)
// are packed into micro-panels (gemm_kernels.h) and the ISA's register tile runs over them, the epilogue
// (alpha, beta, bias, activation) fused into the tile's store.
//
// Threads: C is cut into a grid of units (a unit's packed B slice, kc x <= nc, stays in L2); threads claim
// units from an atomic counter, so a thread slowed by another process does fewer units instead of holding
// everyone up. Each unit walks k in kc-deep slices. Packed panels are shared: the first thread needing
// a piece (a k slice of a group of rows of A, or of columns of B) packs it, so nothing is packed twice.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "cpu_internal.h"
#include "gemm_kernels.h"

namespace sg::cpu {
namespace {

constexpr double kMinFlopsPerThread = 2e6;       // less than this per thread: waking threads costs more
constexpr size_t kMaxPacked = size_t(5) << 20;   // floats of packed A (or B) per call; bigger calls are split
constexpr size_t kMinUnitRows = 32, kMinUnitCols = 64;

size_t ceil_div(size_t x, size_t y) { return (x + y - 1) / y; }
size_t round_up(size_t x, size_t y) { return ceil_div(x, y) * y; }

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

const GemmKernels& active_kernels() {
  static const GemmKernels* const chosen = [] {
    const GemmKernels* k = nullptr;
    if (isa() == Isa::avx512) k = gemm_kernels_avx512();
    if (!k && isa() >= Isa::avx2) k = gemm_kernels_avx2();
    return k ? k : gemm_kernels_portable();
  }();
  return *chosen;
}

// A growable 64-byte aligned buffer of the calling thread, reused across calls.
struct Buffer {
  void* data = nullptr;
  size_t capacity = 0;
  ~Buffer() { std::free(data); }
  void* reserve(size_t bytes) {
    if (bytes > capacity) {
      std::free(data);
      bytes = round_up(bytes, 64);
      data = std::aligned_alloc(64, bytes);
      capacity = data ? bytes : 0;
    }
    return data;
  }
};
thread_local Buffer packed_a, packed_b, pack_state;

// One call's decomposition: k slices, the unit grid, and where each packed piece lives.
// Packed A holds, per k slice (offset pc * m_pad), the mr-row micro-panels of all m rows. Packed B holds,
// per k slice (offset pc * n_pad), unit column j's micro-panels at kc * col_start(j).
struct Plan {
  const GemmKernels* K;
  const GemmArgs* g;
  size_t kc_step, kslices, m_pad, n_pad;
  size_t um, un;                // unit grid
  size_t a_rows, a_pieces;      // A is packed a_rows rows at a time
  size_t b_cols, b_pieces;      // B is packed b_cols columns of a unit at a time, at most b_pieces per unit
  float *a_packed, *b_packed;
  uint8_t *a_state, *b_state;   // per piece: 0 not packed, 1 being packed, 2 ready

  size_t row_start(size_t i) const { return i >= um ? g->m : std::min(g->m, (g->m * i / um + K->mr / 2) / K->mr * K->mr); }
  size_t col_start(size_t j) const { return j >= un ? g->n : std::min(g->n, (g->n * j / un + K->vec / 2) / K->vec * K->vec); }
};

// Makes pieces [first, last) of a state array ready: packs the unclaimed ones, then waits for the others.
template <class Pack>
void ensure_packed(uint8_t* state, size_t first, size_t last, Pack&& pack) {
  for (size_t p = first; p < last; ++p) {
    uint8_t expected = 0;
    if (__atomic_load_n(&state[p], __ATOMIC_ACQUIRE) == 0 &&
        __atomic_compare_exchange_n(&state[p], &expected, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      pack(p);
      __atomic_store_n(&state[p], 2, __ATOMIC_RELEASE);
    }
  }
  for (size_t p = first; p < last; ++p) {
    for (int spins = 0; __atomic_load_n(&state[p], __ATOMIC_ACQUIRE) != 2; ++spins) {
      if (spins > 1000) std::this_thread::yield();
    }
  }
}

// C[rows of unit i, columns of unit j] over all of k.
void run_unit(const Plan& p, size_t u) {
  const GemmKernels& K = *p.K;
  const GemmArgs& g = *p.g;
  const size_t i = u / p.un, j = u % p.un;
  const size_t r0 = p.row_start(i), r1 = p.row_start(i + 1), c0 = p.col_start(j), c1 = p.col_start(j + 1);
  if (r0 >= r1 || c0 >= c1) return;
  GemmEpilogue ep{g.alpha, g.beta, nullptr, g.act, g.act_alpha, true, false};
  for (size_t s = 0; s < p.kslices; ++s) {
    const size_t pc = s * p.kc_step, kc = std::min(p.kc_step, g.k - pc);
    float* a_slice = p.a_packed + pc * p.m_pad;
    float* b_unit = p.b_packed + pc * p.n_pad + kc * c0;
    ensure_packed(p.a_state + s * p.a_pieces, r0 / p.a_rows, ceil_div(r1, p.a_rows), [&](size_t piece) {
      const size_t row = piece * p.a_rows, rows = std::min(p.a_rows, g.m - row);
      K.pack_a(g.trans_a, rows, kc, g.trans_a ? g.a + pc * g.lda + row : g.a + row * g.lda + pc, g.lda,
               a_slice + row * kc);
    });
    ensure_packed(p.b_state + (s * p.un + j) * p.b_pieces, 0, ceil_div(c1 - c0, p.b_cols), [&](size_t piece) {
      const size_t col = piece * p.b_cols, cols = std::min(p.b_cols, c1 - c0 - col);
      K.pack_b(g.trans_b, kc, cols, g.trans_b ? g.b + (c0 + col) * g.ldb + pc : g.b + pc * g.ldb + c0 + col, g.ldb,
               b_unit + col * kc);
    });
    ep.first = s == 0;
    ep.last = s + 1 == p.kslices;
    for (size_t ir = r0; ir < r1; ir += K.mr) {
      const size_t rows = std::min<size_t>(K.mr, r1 - ir);
      for (size_t jr = 0; jr < c1 - c0; jr += K.nr) {
        ep.bias = g.bias ? g.bias + c0 + jr : nullptr;
        K.tile(kc, a_slice + ir * kc, b_unit + jr * kc, g.c + ir * g.ldc + c0 + jr, g.ldc, rows,
               std::min<size_t>(K.nr, c1 - c0 - jr), ep);
      }
    }
  }
}

// The unit grid: cache-sized units (mc x nc at most), then, with several threads, more units until there
// are at least 3 per thread and a multiple of the thread count, splitting the dimension whose units are
// largest relative to their minimum size.
void choose_grid(Plan& p, size_t threads) {
  const GemmArgs& g = *p.g;
  p.um = ceil_div(g.m, p.K->mc);
  p.un = ceil_div(g.n, p.K->nc);
  if (threads <= 1) return;
  while (p.um * p.un < 3 * threads || (p.um * p.un) % threads != 0) {
    const double col_room = double(g.n) / double(p.un + 1) / kMinUnitCols;
    const double row_room = double(g.m) / double(p.um + 1) / kMinUnitRows;
    if (col_room >= 1 && col_room >= row_room) {
      ++p.un;
    } else if (row_room >= 1) {
      ++p.um;
    } else {
      break;
    }
  }
}

sg_status run_gemm(const GemmArgs& g) {
  const GemmKernels& K = active_kernels();
  const double flops = 2.0 * double(g.m) * double(g.n) * double(g.k);
  const size_t threads = size_t(std::clamp(flops / kMinFlopsPerThread, 1.0, double(num_threads())));
  Plan p{};
  p.K = &K;
  p.g = &g;
  p.kslices = ceil_div(g.k, K.kc);
  p.kc_step = round_up(ceil_div(g.k, p.kslices), 8);  // equal slices, not kc + a sliver
  p.kslices = ceil_div(g.k, p.kc_step);
  choose_grid(p, threads);
  p.m_pad = round_up(g.m, K.mr);
  p.n_pad = round_up(g.n, K.vec);
  p.a_rows = 4 * size_t(K.mr);
  p.a_pieces = ceil_div(g.m, p.a_rows);
  p.b_cols = 2 * size_t(K.nr);
  p.b_pieces = ceil_div(ceil_div(g.n, p.un) + 2 * K.vec, p.b_cols);
  const size_t states = p.kslices * (p.a_pieces + p.un * p.b_pieces);
  p.a_packed = static_cast<float*>(packed_a.reserve(p.m_pad * g.k * sizeof(float)));
  p.b_packed = static_cast<float*>(packed_b.reserve(p.n_pad * g.k * sizeof(float)));
  p.a_state = static_cast<uint8_t*>(pack_state.reserve(states));
  if (!p.a_packed || !p.b_packed || !p.a_state) return SG_ERR_MEMORY;
  std::memset(p.a_state, 0, states);
  p.b_state = p.a_state + p.kslices * p.a_pieces;

  const size_t units = p.um * p.un;
  std::atomic<size_t> next{0};
  auto claim_units = [&](int, int) {
    for (size_t u; (u = next.fetch_add(1, std::memory_order_relaxed)) < units;) run_unit(p, u);
  };
  if (threads <= 1) {
    claim_units(0, 1);
  } else {
    parallel_run(int(std::min(threads, units)), claim_units);
  }
  return SG_OK;
}

// Keeps packed operands under kMaxPacked floats by splitting C's rows, then its columns, then k.
sg_status gemm_split(const GemmArgs& g) {
  const GemmKernels& K = active_kernels();
  GemmArgs lo = g, hi = g;
  if (round_up(g.m, K.mr) * g.k > kMaxPacked && g.m > 2 * size_t(K.mr)) {
    lo.m = round_up(g.m / 2, K.mr);
    hi.m = g.m - lo.m;
    hi.a = g.trans_a ? g.a + lo.m : g.a + lo.m * g.lda;
    hi.c = g.c + lo.m * g.ldc;
  } else if (round_up(g.n, K.vec) * g.k > kMaxPacked && g.n > 2 * size_t(K.nr)) {
    lo.n = round_up(g.n / 2, K.nr);
    hi.n = g.n - lo.n;
    hi.b = g.trans_b ? g.b + lo.n * g.ldb : g.b + lo.n;
    hi.c = g.c + lo.n;
    hi.bias = g.bias ? g.bias + lo.n : nullptr;
  } else if ((round_up(g.m, K.mr) + round_up(g.n, K.vec)) * g.k > 2 * kMaxPacked && g.k > 16) {
    lo.k = round_up(g.k / 2, 8);  // k halves: the first without the epilogue, the second adding onto it
    lo.bias = nullptr;
    lo.act = SG_UNARY_AFFINE;
    hi.k = g.k - lo.k;
    hi.a = g.trans_a ? g.a + lo.k * g.lda : g.a + lo.k;
    hi.b = g.trans_b ? g.b + lo.k : g.b + lo.k * g.ldb;
    hi.beta = 1.f;
  } else {
    return run_gemm(g);
  }
  const sg_status s = gemm_split(lo);
  return s != SG_OK ? s : gemm_split(hi);
}

bool stored_ok(const float* p, size_t rows, size_t cols, size_t ld) {
  if (rows == 0 || cols == 0) return true;
  return p != nullptr && ld >= cols && rows - 1 <= (SIZE_MAX / sizeof(float) - cols) / ld;
}

// No product to add (k == 0 or alpha == 0): C = beta C, then bias and activation.
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

sg_status gemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha, const float* a, size_t lda,
               const float* b, size_t ldb, float beta, float* c, size_t ldc, const float* bias, sg_unary_op act,
               float act_alpha) {
  if (act != SG_UNARY_AFFINE && act != SG_UNARY_RELU && act != SG_UNARY_LEAKY_RELU && act != SG_UNARY_SIGMOID &&
      act != SG_UNARY_TANH) {
    return SG_ERR_ARGUMENT;
  }
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
  return gemm_split(g);
}

}  // namespace sg::cpu
