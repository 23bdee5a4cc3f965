// CUDA gather_rows: out[r, :] = src[index[r], :], the batching step. The index array is in device memory,
// so the kernel cannot refuse a bad index without a host synchronisation: native/ checks the indices on
// the host before copying them, and the kernel writes a row of NaN for any index outside [0, src_rows)
// instead of reading out of bounds.
#include "bodies/elementwise.cuh"
#include "launch.cuh"

namespace sg::cuda {

namespace {

template <class Index>
__global__ void gather_rows_kernel(Index rows, Index cols, const float* src, size_t src_rows, const int32_t* index,
                                   float* out) {
  body::gather_rows_thread<Index>(this_thread(), rows, cols, src, src_rows, index, out);
}

}  // namespace

sg_status gather_rows(sg_stream s, size_t rows, size_t cols, const float* src, size_t src_rows, const int32_t* index,
                      float* out) {
  size_t total, src_total;
  if (__builtin_mul_overflow(rows, cols, &total) || __builtin_mul_overflow(src_rows, cols, &src_total))
    return SG_ERR_ARGUMENT;
  if ((rows && !index) || (total && !out) || (src_total && !src)) return SG_ERR_ARGUMENT;
  if (total == 0) return SG_OK;
  const unsigned blocks = body::grid_for(total);
  if (total <= 0xffffffffu) {
    SG_LAUNCH(gather_rows_kernel<uint32_t>, blocks, body::kThreads, to_stream(s))(uint32_t(rows), uint32_t(cols), src,
                                                                              src_rows, index, out);
  } else {
    SG_LAUNCH(gather_rows_kernel<size_t>, blocks, body::kThreads, to_stream(s))(rows, cols, src, src_rows, index, out);
  }
  return launched(to_stream(s), "gather_rows");
}

}  // namespace sg::cuda
