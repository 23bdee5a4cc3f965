// The CPU sg_kernels table (kernels.h): every entry points at a kernel of kernels/cpu/. native/ reaches the
// CPU only through this table.
#include "cpu_internal.h"
#include "cpu_kernels.h"

namespace sg::cpu {
namespace {

// The table's gemm takes a stream; the CPU GEMM (gemm*.cc) has none.
sg_status gemm_entry(sg_stream, int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha, const float* a,
                     size_t lda, const float* b, size_t ldb, float beta, float* c, size_t ldc, const float* bias,
                     sg_unary_op act, float act_alpha) {
  return gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, act, act_alpha);
}

const sg_kernels kCpuKernels = {
    "cpu",
    // memory
    alloc,
    release,
    copy_from_host,
    copy_to_host,
    synchronize,
    // compute
    fill,
    copy_2d,
    gemm_entry,
    unary,
    unary_backward,
    binary,
    reduce,
    softmax,
    softmax_xent,
    sigmoid_xent,
    gaussian_kl,
    batchnorm_forward,
    batchnorm_backward,
    reparameterize,
    random,
    gather_rows,
    adam,
    sgd,
};

}  // namespace
}  // namespace sg::cpu

extern "C" const sg_kernels* sg_cpu_kernels(void) { return &sg::cpu::kCpuKernels; }
