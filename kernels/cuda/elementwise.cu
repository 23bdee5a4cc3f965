// CUDA elementwise kernels: copy_2d, unary ops and their backward, binary ops with broadcasting. Grid-stride
// launches on the caller's stream over the bodies of bodies/elementwise.cuh; arguments are checked as the
// CPU checks them (kernels/cpu/elementwise.cc), so both devices refuse the same calls.
#include "bodies/elementwise.cuh"
#include "launch.cuh"

namespace sg::cuda {

namespace {

bool valid_broadcast(sg_broadcast m) { return m >= SG_BCAST_FULL && m <= SG_BCAST_SCALAR; }
bool product(size_t rows, size_t cols, size_t* out) { return !__builtin_mul_overflow(rows, cols, out); }
bool missing(const void* p, size_t count) { return count != 0 && p == nullptr; }
bool fits_32(size_t total) { return total <= 0xffffffffu; }

__global__ void unary_kernel(sg_unary_op op, size_t n, const float* x, float* y, float alpha, float beta) {
  body::unary_thread(this_thread(), op, n, x, y, alpha, beta);
}

__global__ void unary_backward_kernel(sg_unary_op op, size_t n, const float* x, const float* y, const float* dy,
                                      float* dx, float alpha) {
  body::unary_backward_thread(this_thread(), op, n, x, y, dy, dx, alpha);
}

template <class Index>
__global__ void binary_kernel(sg_binary_op op, Index rows, Index cols, const float* a, sg_broadcast a_mode,
                              const float* b, sg_broadcast b_mode, float* out) {
  body::binary_thread<Index>(this_thread(), op, rows, cols, a, a_mode, b, b_mode, out);
}

template <class Index>
__global__ void copy_2d_kernel(Index rows, Index cols, const float* src, size_t lds, float* dst, size_t ldd) {
  body::copy_2d_thread<Index>(this_thread(), rows, cols, src, lds, dst, ldd);
}

}  // namespace

sg_status copy_2d(sg_stream s, size_t rows, size_t cols, const float* src, size_t lds, float* dst, size_t ldd) {
  size_t total;
  if (!product(rows, cols, &total)) return SG_ERR_ARGUMENT;
  if (total == 0) return SG_OK;
  if (!src || !dst || (rows > 1 && (lds < cols || ldd < cols))) return SG_ERR_ARGUMENT;
  const unsigned blocks = body::grid_for(total);
  if (lds == cols && ldd == cols) {  // contiguous: one device-to-device copy
    SG_CUDA_TRY(cudaMemcpyAsync(dst, src, total * sizeof(float), cudaMemcpyDeviceToDevice, to_stream(s)));
    return launched(to_stream(s), "copy_2d");
  }
  if (fits_32(total)) {
    SG_LAUNCH(copy_2d_kernel<uint32_t>, blocks, body::kThreads, to_stream(s))(uint32_t(rows), uint32_t(cols), src, lds,
                                                                          dst, ldd);
  } else {
    SG_LAUNCH(copy_2d_kernel<size_t>, blocks, body::kThreads, to_stream(s))(rows, cols, src, lds, dst, ldd);
  }
  return launched(to_stream(s), "copy_2d");
}

sg_status unary(sg_stream s, sg_unary_op op, size_t n, const float* x, float* y, float alpha, float beta) {
  if (!sg_unary_valid(op) || missing(x, n) || missing(y, n)) return SG_ERR_ARGUMENT;
  if (n == 0) return SG_OK;
  SG_LAUNCH(unary_kernel, body::grid_for(n), body::kThreads, to_stream(s))(op, n, x, y, alpha, beta);
  return launched(to_stream(s), "unary");
}

sg_status unary_backward(sg_stream s, sg_unary_op op, size_t n, const float* x, const float* y, const float* dy,
                         float* dx, float alpha) {
  if (!sg_unary_valid(op) || missing(dy, n) || missing(dx, n)) return SG_ERR_ARGUMENT;
  const sg_reads reads = sg_unary_backward_reads(op);
  if ((reads == SG_READS_INPUT && missing(x, n)) || (reads == SG_READS_OUTPUT && missing(y, n))) return SG_ERR_ARGUMENT;
  if (n == 0) return SG_OK;
  SG_LAUNCH(unary_backward_kernel, body::grid_for(n), body::kThreads, to_stream(s))(op, n, x, y, dy, dx, alpha);
  return launched(to_stream(s), "unary_backward");
}

sg_status binary(sg_stream s, sg_binary_op op, size_t rows, size_t cols, const float* a, sg_broadcast a_mode,
                 const float* b, sg_broadcast b_mode, float* out) {
  size_t total;
  if (!sg_binary_valid(op) || !valid_broadcast(a_mode) || !valid_broadcast(b_mode)) return SG_ERR_ARGUMENT;
  if (!product(rows, cols, &total)) return SG_ERR_ARGUMENT;
  if (total == 0) return SG_OK;
  if (!a || !b || !out) return SG_ERR_ARGUMENT;
  const unsigned blocks = body::grid_for(total);
  if (fits_32(total)) {
    SG_LAUNCH(binary_kernel<uint32_t>, blocks, body::kThreads, to_stream(s))(op, uint32_t(rows), uint32_t(cols), a,
                                                                         a_mode, b, b_mode, out);
  } else {
    SG_LAUNCH(binary_kernel<size_t>, blocks, body::kThreads, to_stream(s))(op, rows, cols, a, a_mode, b, b_mode, out);
  }
  return launched(to_stream(s), "binary");
}

}  // namespace sg::cuda
