// The body of one ISA build of the SIMD loops: the math, the loops and the table that simd.h declares.
// Included once per translation unit (math_avx512.cc, math_avx2.cc, math_portable.cc) with SG_ISA_NS set to
// that ISA's namespace; every function is static there so no two builds share a symbol.
#pragma once

#include "simd.h"
#include "simd_batchnorm.h"
#include "simd_elementwise.h"
#include "simd_math.h"
#include "simd_random_optim.h"
#include "simd_rows.h"

namespace sg::cpu::SG_ISA_NS {

const SimdKernels kSimdKernels = {
    unary,
    unary_backward,
    binary,
    row_sum,
    row_max,
    row_logsumexp,
    add_into,
    add_float_into_double,
    max_into,
    add_exp_into,
    softmax_row,
    softmax_xent_row,
    sigmoid_xent_row,
    gaussian_kl_row,
    batchnorm_forward_panel,
    batchnorm_backward_panel,
    random,
    reparameterize,
    adam,
    sgd,
    lerp,
};

}  // namespace sg::cpu::SG_ISA_NS
