// The CUDA SGEMM entry: argument checks (the CPU's), the choice of tile shape and of k slices, and the kernels
// that run the bodies of bodies/gemm.cuh with double-buffered shared-memory tiles. FP32 FMA only: TF32 tensor cores are
// for runs that opt in (design), which this entry does not offer.
#include <cstdint>
#include <mutex>

#include "bodies/gemm.cuh"
#include "launch.cuh"

namespace sg::cuda {

namespace {

using body::GemmArgs;
using body::GemmLarge;
using body::GemmSmall;

// The transposes are run-time flags, not template parameters: they only steer the fetch and stash, a
// uniform branch per k step beside 512 (large tiles) FMAs, while four instantiations per shape quadrupled
// nvcc's time.
// Block b multiplies tile b % tiles over k slice b / tiles (the only slice when k is not split).
template <class S>
__global__ void __launch_bounds__(256, 2) gemm_kernel(const GemmArgs g, size_t tiles_m, size_t tiles_n) {
  __shared__ __align__(16) float as[2][S::kSmemA];
  __shared__ __align__(16) float bs[2][S::kSmemB];
  const size_t tiles = tiles_m * tiles_n, slice = blockIdx.x / tiles;
  size_t tile_m, tile_n;
  body::gemm_tile_of_block(blockIdx.x - slice * tiles, tiles_m, tiles_n, &tile_m, &tile_n);
  const size_t m0 = tile_m * S::BM, n0 = tile_n * S::BN;
  const size_t k0 = slice * g.slice_k, k_end = g.k - k0 < g.slice_k ? g.k : k0 + g.slice_k;
  const unsigned tid = threadIdx.x;
  float acc[S::TM][S::TN];
#pragma unroll
  for (int i = 0; i < S::TM; ++i)
#pragma unroll
    for (int j = 0; j < S::TN; ++j) acc[i][j] = 0.f;

  float ra[4], rb[4];
  body::gemm_fetch_a<S>(g, m0, k0, k_end, tid, ra);
  body::gemm_fetch_b<S>(g, n0, k0, k_end, tid, rb);
  body::gemm_stash_a<S>(g.trans_a, ra, tid, as[0]);
  body::gemm_stash_b<S>(g.trans_b, rb, tid, bs[0]);
  __syncthreads();
  const size_t steps = body::ceil_div(k_end - k0, S::BK);
  for (size_t step = 0; step < steps; ++step) {
    const int cur = int(step & 1);
    const bool more = step + 1 < steps;
    if (more) {  // the next tile's chunks load while this tile is multiplied
      body::gemm_fetch_a<S>(g, m0, k0 + (step + 1) * S::BK, k_end, tid, ra);
      body::gemm_fetch_b<S>(g, n0, k0 + (step + 1) * S::BK, k_end, tid, rb);
    }
    body::gemm_multiply_tile<S>(as[cur], bs[cur], tid, acc);
    if (more) {  // the other buffer was last read before the previous barrier
      body::gemm_stash_a<S>(g.trans_a, ra, tid, as[cur ^ 1]);
      body::gemm_stash_b<S>(g.trans_b, rb, tid, bs[cur ^ 1]);
    }
    __syncthreads();
  }
  body::gemm_store<S>(g, m0, n0, slice, tid, acc);
}

__global__ void gemm_no_product_kernel(const GemmArgs g) { body::gemm_no_product_thread(this_thread(), g); }

__global__ void gemm_add_slices_kernel(const GemmArgs g, size_t slices) {
  body::gemm_add_slices_thread(this_thread(), g, slices);
}

// Split-K's workspace: one grow-only block per device, used by one GEMM at a time (the caller holds
// workspace_mutex through its launches), and only on the device's own stream (sg_cuda_stream: native/ runs all of
// a device's work there), so one GEMM's kernels finish before the next one's start. A GEMM on the NULL stream is
// not split: it would run beside the non-blocking device stream. Before the block grows the device finishes the
// kernels that may still use it. Null when it cannot grow: the GEMM then runs unsplit.
std::mutex workspace_mutex;

float* workspace(int device, size_t floats) {
  static float* blocks[kMaxDevices] = {};
  static size_t sizes[kMaxDevices] = {};
  if (device < 0 && cudaGetDevice(&device) != cudaSuccess) return nullptr;
  if (device < 0 || device >= kMaxDevices || floats > SIZE_MAX / sizeof(float)) return nullptr;
  if (sizes[device] >= floats) return blocks[device];
  if (blocks[device] != nullptr) {
    if (cudaDeviceSynchronize() != cudaSuccess) return nullptr;
    cudaFree(blocks[device]);
    blocks[device] = nullptr;
    sizes[device] = 0;
  }
  void* block = nullptr;
  if (cudaMalloc(&block, floats * sizeof(float)) != cudaSuccess) {
    cudaGetLastError();  // out of memory is not sticky: the unsplit GEMM needs no workspace
    return nullptr;
  }
  blocks[device] = static_cast<float*>(block);
  sizes[device] = floats;
  return blocks[device];
}

template <class S>
sg_status launch_shape(GemmArgs g, sg_stream s, int multiprocessors) {
  const cudaStream_t stream = to_stream(s);
  const size_t tiles_m = body::ceil_div(g.m, S::BM), tiles_n = body::ceil_div(g.n, S::BN);
  if (tiles_m > size_t(INT32_MAX) / tiles_n) return SG_ERR_UNSUPPORTED;  // a 1-D grid of at most 2^31 - 1 blocks
  const size_t tiles = tiles_m * tiles_n;
  g.slice_k = body::gemm_slice_k<S>(tiles, g.k, multiprocessors);
  const size_t slices = body::ceil_div(g.k, g.slice_k);
  std::unique_lock<std::mutex> lock(workspace_mutex, std::defer_lock);
  size_t floats;
  if (slices > 1 && s != nullptr && !__builtin_mul_overflow(slices, g.m * g.n, &floats)) {
    lock.lock();
    g.partial = workspace(stream_device(s), floats);
  }
  if (g.partial == nullptr) g.slice_k = g.k;  // unsplit
  const size_t blocks = g.partial ? tiles * slices : tiles;
  SG_LAUNCH(gemm_kernel<S>, unsigned(blocks), S::kThreads, stream)(g, tiles_m, tiles_n);
  sg_status status = launched(stream, "gemm");
  if (status != SG_OK || g.partial == nullptr) return status;
  SG_LAUNCH(gemm_add_slices_kernel, body::grid_for(g.m * g.n), body::kThreads, stream)(g, slices);
  return launched(stream, "gemm (adding k slices)");
}

// Streaming multiprocessors of `device` (the current one when -1), asked once per device.
int multiprocessors(int device) {
  static std::mutex mutex;
  static int known[kMaxDevices] = {};
  if (device < 0 && cudaGetDevice(&device) != cudaSuccess) return 1;
  if (device < 0 || device >= kMaxDevices) return 1;
  std::lock_guard<std::mutex> lock(mutex);
  if (known[device] == 0) {
    int count = 0;
    if (cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device) != cudaSuccess || count < 1) count = 1;
    known[device] = count;
  }
  return known[device];
}

bool stored_ok(const float* p, size_t rows, size_t cols, size_t ld) {
  if (rows == 0 || cols == 0) return true;
  return p != nullptr && ld >= cols && rows - 1 <= (SIZE_MAX / sizeof(float) - cols) / ld;
}

}  // namespace

sg_status gemm(sg_stream s, int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha, const float* a,
               size_t lda, const float* b, size_t ldb, float beta, float* c, size_t ldc, const float* bias,
               sg_unary_op act, float act_alpha) {
  if (!sg_unary_in_gemm(act)) {
    return SG_ERR_ARGUMENT;
  }
  if (!stored_ok(a, trans_a ? k : m, trans_a ? m : k, lda) || !stored_ok(b, trans_b ? n : k, trans_b ? k : n, ldb) ||
      !stored_ok(c, m, n, ldc)) {
    return SG_ERR_ARGUMENT;
  }
  if (m == 0 || n == 0) return SG_OK;
  GemmArgs g{m, n, k, alpha, beta, a, lda, b, ldb, c, ldc, bias, act, act_alpha, trans_a != 0, trans_b != 0,
             body::aligned16(a) && lda % 4 == 0, body::aligned16(b) && ldb % 4 == 0, body::aligned16(c) && ldc % 4 == 0,
             k, nullptr};
  cudaStream_t stream = to_stream(s);
  if (k == 0 || alpha == 0.f) {  // no product: C = beta C, then bias and activation (A and B unread)
    size_t total;
    if (__builtin_mul_overflow(m, n, &total)) return SG_ERR_ARGUMENT;
    SG_LAUNCH(gemm_no_product_kernel, body::grid_for(total), body::kThreads, stream)(g);
    return launched(stream, "gemm (no product)");
  }
  const int sms = multiprocessors(stream_device(s));
  if (body::gemm_use_small(m, n, sms)) return launch_shape<GemmSmall>(g, s, sms);
  return launch_shape<GemmLarge>(g, s, sms);
}

}  // namespace sg::cuda
