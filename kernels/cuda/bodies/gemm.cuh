// Bodies of the CUDA SGEMM (FP32 FMA, no tensor cores): C = alpha op(A) op(B) + beta C, + bias, act.
//
// A block of 256 threads (16 x 16) computes a BM x BN tile of C. It walks k in BK-deep steps: each thread
// fetches one 4-float chunk of the A tile and one of the B tile from global memory (a float4 load where the
// chunk is inside and aligned, else bounds-checked scalars that read 0 outside), and stashes them in shared
// memory k-major (As[k][m], Bs[k][n], rows padded by 4 floats against bank conflicts on the transposing
// stores). Each thread then accumulates a TM x TN register tile: row groups of 4 at ty * 4 + 64 i, column
// groups of 4 at tx * 4 + 64 j, so a warp's shared-memory reads are broadcasts (A) or 64 consecutive
// floats (B). The kernel double-buffers the shared tiles: the next chunks are fetched into registers while
// the current tile is multiplied. The epilogue applies alpha, beta, bias and the activation in the store.
//
// Two shapes: 128 x 128 x 8 with an 8 x 8 register tile for large products, 64 x 64 x 16 with 4 x 4 for
// products too small to fill the GPU with large tiles. Tiles are visited in groups of kGroupRows tile
// rows (block swizzling) so that blocks running together share A and B panels in L2. Where even the small tiles
// leave most multiprocessors idle (a training layer: 100 x 500 x 784 is 16 tiles) and k is deep, k is split into
// slices (split-K): each block multiplies one tile over one slice into a workspace, and a second kernel adds the
// slices in slice order (so results are the same run to run) and applies the epilogue. Stores are float4 where C
// allows (aligned, ldc a multiple of 4).
#pragma once

#include "elementwise.cuh"

namespace sg::cuda::body {

struct GemmArgs {
  size_t m, n, k;
  float alpha, beta;
  const float* a;
  size_t lda;
  const float* b;
  size_t ldb;
  float* c;
  size_t ldc;
  const float* bias;
  sg_unary_op act;
  float act_alpha;
  bool trans_a, trans_b;  // A stored k x m, B stored n x k
  bool vec_a, vec_b;      // A / B may be read as float4 (16-byte aligned base, leading dimension a multiple of 4)
  bool vec_c;             // C may be read and written as float4
  size_t slice_k;         // split-K: the depth of each slice (a multiple of BK); k when k is not split
  float* partial;         // split-K: slices x m x n floats, slice s's product at s * m * n; else null
};

template <int BM_, int BN_, int BK_>
struct GemmShape {
  static constexpr int BM = BM_, BN = BN_, BK = BK_;
  static constexpr int kThreads = 256;             // 16 x 16
  static constexpr int RM = BM / 64, RN = BN / 64;  // 4-row / 4-column groups per thread, 64 apart
  static constexpr int TM = 4 * RM, TN = 4 * RN;
  static constexpr int kLdA = BM + 4, kLdB = BN + 4;  // shared-memory row strides (floats)
  static constexpr int kSmemA = BK * kLdA, kSmemB = BK * kLdB;
  static_assert(BM * BK == 4 * kThreads && BN * BK == 4 * kThreads, "one 4-float chunk per thread per tile");
};
using GemmLarge = GemmShape<128, 128, 8>;
using GemmSmall = GemmShape<64, 64, 16>;

constexpr unsigned kGroupRows = 8;

SG_HD size_t ceil_div(size_t x, size_t y) { return (x + y - 1) / y; }

// Tile (tile_m, tile_n) of linear block `block` over a tiles_m x tiles_n grid, in groups of kGroupRows
// tile rows walked column by column.
SG_HD void gemm_tile_of_block(size_t block, size_t tiles_m, size_t tiles_n, size_t* tile_m, size_t* tile_n) {
  const size_t per_group = size_t(kGroupRows) * tiles_n;
  const size_t group = block / per_group;
  const size_t first_row = group * kGroupRows;
  const size_t rows = tiles_m - first_row < kGroupRows ? tiles_m - first_row : kGroupRows;
  const size_t in_group = block - group * per_group;
  *tile_m = first_row + in_group % rows;
  *tile_n = in_group / rows;
}

// Where thread `tid`'s chunk of the A tile sits: rows (m) and depth (k) offsets inside the tile. The chunk is
// 4 floats along the stored row: along m when A is stored transposed (k x m), along k otherwise.
template <class S>
SG_HD void gemm_chunk_a(bool trans_a, unsigned tid, int* mm, int* kk) {
  if (trans_a) *kk = int(tid) / (S::BM / 4), *mm = (int(tid) % (S::BM / 4)) * 4;
  else *mm = int(tid) / (S::BK / 4), *kk = (int(tid) % (S::BK / 4)) * 4;
}

// B's chunk: along n when B is stored k x n, along k when stored transposed (n x k).
template <class S>
SG_HD void gemm_chunk_b(bool trans_b, unsigned tid, int* kk, int* nn) {
  if (trans_b) *nn = int(tid) / (S::BK / 4), *kk = (int(tid) % (S::BK / 4)) * 4;
  else *kk = int(tid) / (S::BN / 4), *nn = (int(tid) % (S::BN / 4)) * 4;
}

// Floats start .. start+3 of stored row `row` (of `rows`, each `limit` long): 0 where outside. One float4
// load when all four are inside and `vec` (then the address is 16-byte aligned: start is a multiple of 4).
SG_HD void fetch_chunk(const float* base, size_t row, size_t rows, size_t start, size_t limit, size_t ld, bool vec,
                       float r[4]) {
  if (row < rows && start + 4 <= limit && vec) {
    load4(base + row * ld + start, r);
    return;
  }
  for (int j = 0; j < 4; ++j) r[j] = row < rows && start + j < limit ? base[row * ld + start + j] : 0.f;
}

// Thread tid's chunk of the A tile at (m0, k0) of op(A), into registers; depth k_end and past reads as 0 (the end
// of k, or of the block's slice).
template <class S>
SG_HD void gemm_fetch_a(const GemmArgs& g, size_t m0, size_t k0, size_t k_end, unsigned tid, float r[4]) {
  int mm, kk;
  gemm_chunk_a<S>(g.trans_a, tid, &mm, &kk);
  if (g.trans_a) fetch_chunk(g.a, k0 + kk, k_end, m0 + mm, g.m, g.lda, g.vec_a, r);
  else fetch_chunk(g.a, m0 + mm, g.m, k0 + kk, k_end, g.lda, g.vec_a, r);
}

template <class S>
SG_HD void gemm_fetch_b(const GemmArgs& g, size_t n0, size_t k0, size_t k_end, unsigned tid, float r[4]) {
  int kk, nn;
  gemm_chunk_b<S>(g.trans_b, tid, &kk, &nn);
  if (g.trans_b) fetch_chunk(g.b, n0 + nn, g.n, k0 + kk, k_end, g.ldb, g.vec_b, r);
  else fetch_chunk(g.b, k0 + kk, k_end, n0 + nn, g.n, g.ldb, g.vec_b, r);
}

// The fetched chunk into the shared tile As[k][m] (row stride kLdA).
template <class S>
SG_HD void gemm_stash_a(bool trans_a, const float r[4], unsigned tid, float* as) {
  int mm, kk;
  gemm_chunk_a<S>(trans_a, tid, &mm, &kk);
  if (trans_a) store4(as + kk * S::kLdA + mm, r);
  else
    for (int j = 0; j < 4; ++j) as[(kk + j) * S::kLdA + mm] = r[j];
}

template <class S>
SG_HD void gemm_stash_b(bool trans_b, const float r[4], unsigned tid, float* bs) {
  int kk, nn;
  gemm_chunk_b<S>(trans_b, tid, &kk, &nn);
  if (trans_b)
    for (int j = 0; j < 4; ++j) bs[(kk + j) * S::kLdB + nn] = r[j];
  else store4(bs + kk * S::kLdB + nn, r);
}

// acc += the thread's TM x TN part of As * Bs over the tile's BK depth.
template <class S>
SG_HD void gemm_multiply_tile(const float* as, const float* bs, unsigned tid, float acc[S::TM][S::TN]) {
  const int tx = int(tid % 16), ty = int(tid / 16);
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int kk = 0; kk < S::BK; ++kk) {
    float av[S::TM], bv[S::TN];
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int i = 0; i < S::RM; ++i) load4(as + kk * S::kLdA + 64 * i + 4 * ty, av + 4 * i);
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int j = 0; j < S::RN; ++j) load4(bs + kk * S::kLdB + 64 * j + 4 * tx, bv + 4 * j);
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int i = 0; i < S::TM; ++i)
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
      for (int j = 0; j < S::TN; ++j) acc[i][j] += av[i] * bv[j];
  }
}

// Row of C of register row i (column j) of thread tid, relative to the tile.
SG_HD int gemm_row_of(unsigned tid, int i) { return 64 * (i / 4) + 4 * int(tid / 16) + i % 4; }
SG_HD int gemm_col_of(unsigned tid, int j) { return 64 * (j / 4) + 4 * int(tid % 16) + j % 4; }

// Sigmoid and tanh for the epilogue. On the device they are calls, not inlined: inlined into each of the
// 64 unrolled stores of a thread they multiplied ptxas's time by ten, for no gain in a once-per-tile step.
#if defined(__CUDA_ARCH__)
static __device__ __noinline__ float gemm_smooth_activation(float x, sg_unary_op act) {
  return act == SG_UNARY_SIGMOID ? sigmoid_f(x) : tanh_f(x);
}
#else
inline float gemm_smooth_activation(float x, sg_unary_op act) { return act == SG_UNARY_SIGMOID ? sigmoid_f(x) : tanh_f(x); }
#endif

// The epilogue of one element: alpha acc + beta C (C unread when beta == 0), + bias, activation.
SG_HD float gemm_finish(const GemmArgs& g, float acc, const float* c, size_t col) {
  float x = g.alpha * acc;
  if (g.beta != 0.f) x += g.beta * *c;
  if (g.bias) x += g.bias[col];
  if (g.act == SG_UNARY_SIGMOID || g.act == SG_UNARY_TANH) return gemm_smooth_activation(x, g.act);
  return gemm_activation(x, g.act, g.act_alpha);
}

// The thread's TM x TN results into C through the epilogue; or, when k is split, raw into its slice of the
// workspace (row-major m x n). Each thread's columns come in runs of 4 (gemm_col_of): one float4 each where C allows.
template <class S>
SG_HD void gemm_store(const GemmArgs& g, size_t m0, size_t n0, size_t slice, unsigned tid,
                      const float acc[S::TM][S::TN]) {
  const bool split = g.partial != nullptr;
  float* out = split ? g.partial + slice * g.m * g.n : g.c;
  const size_t ld = split ? g.n : g.ldc;
  const bool vec = split ? g.n % 4 == 0 : g.vec_c;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int i = 0; i < S::TM; ++i) {
    const size_t row = m0 + gemm_row_of(tid, i);
    if (row >= g.m) continue;
    float* out_row = out + row * ld;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int run = 0; run < S::RN; ++run) {
      const size_t col = n0 + gemm_col_of(tid, 4 * run);
      float v[4];
      if (vec && col + 4 <= g.n) {
        if (!split && g.beta != 0.f) load4(out_row + col, v);
        for (int j = 0; j < 4; ++j) v[j] = split ? acc[i][4 * run + j] : gemm_finish(g, acc[i][4 * run + j], v + j, col + j);
        store4(out_row + col, v);
      } else {
        for (int j = 0; j < 4; ++j)
          if (col + j < g.n) {
            float* c = out_row + col + j;
            *c = split ? acc[i][4 * run + j] : gemm_finish(g, acc[i][4 * run + j], c, col + j);
          }
      }
    }
  }
}

// Split-K's second step: C = epilogue(sum of the slices in slice order), one element per grid-stride step.
SG_HD void gemm_add_slices_thread(Thread t, const GemmArgs& g, size_t slices) {
  const size_t total = g.m * g.n;
  for (size_t i = t.first(); i < total; i += t.stride()) {
    float acc = g.partial[i];
    for (size_t s = 1; s < slices; ++s) acc += g.partial[s * total + i];
    const size_t r = i / g.n, col = i - r * g.n;
    float* c = g.c + r * g.ldc + col;
    *c = gemm_finish(g, acc, c, col);
  }
}

// C = beta C (0 when beta == 0, C unread), + bias, activation: the whole GEMM when there is no product
// (k == 0 or alpha == 0). One element per grid-stride step over m x n.
SG_HD void gemm_no_product_thread(Thread t, const GemmArgs& g) {
  const size_t total = g.m * g.n;
  for (size_t i = t.first(); i < total; i += t.stride()) {
    const size_t r = i / g.n, col = i - r * g.n;
    float* c = g.c + r * g.ldc + col;
    float x = g.beta == 0.f ? 0.f : g.beta * *c;
    if (g.bias) x += g.bias[col];
    *c = gemm_activation(x, g.act, g.act_alpha);
  }
}

// Whether to use the small tiles: when the large ones give fewer blocks than the GPU has SMs.
inline bool gemm_use_small(size_t m, size_t n, int multiprocessors) {
  const size_t large = ceil_div(m, GemmLarge::BM) * ceil_div(n, GemmLarge::BN);
  return large < size_t(multiprocessors > 0 ? multiprocessors : 1);
}

// Split-K: at most this many slices, each at least kMinSliceK deep (shallower slices spend more on the workspace
// than they gain).
constexpr size_t kMaxSlices = 16, kMinSliceK = 128;

// The depth of each k slice for `tiles` blocks of shape S on `multiprocessors`: about one block per
// multiprocessor, rounded to whole BK steps; k itself (one slice) when the tiles fill the GPU or k is shallow.
template <class S>
inline size_t gemm_slice_k(size_t tiles, size_t k, int multiprocessors) {
  const size_t sms = size_t(multiprocessors > 0 ? multiprocessors : 1);
  size_t slices = tiles >= sms ? 1 : sms / tiles;
  if (slices > k / kMinSliceK) slices = k / kMinSliceK;
  if (slices > kMaxSlices) slices = kMaxSlices;
  if (slices <= 1) return k;
  return ceil_div(ceil_div(k, slices), S::BK) * S::BK;
}

}  // namespace sg::cuda::body
