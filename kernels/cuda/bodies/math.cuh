// Float32 exp, expm1, log, log(1 + e), sigmoid, tanh, softplus and sincos(2 pi u) for the CUDA bodies: the
// text of kernels/common/scalar_math.h, which the CPU kernels include too, so both devices round alike and
// the host checker runs exactly what the GPU runs instead of a different libm. The CPU's select is a bit
// blend for g++'s vectoriser; on the GPU a plain ?: is a predicated select, so it is that here.
#pragma once

#include "common.cuh"

namespace sg::cuda::body {

SG_HD float select_f(bool c, float a, float b) { return c ? a : b; }

#define SG_SCALAR_FN SG_HD
#include "scalar_math.h"
#undef SG_SCALAR_FN

}  // namespace sg::cuda::body
