// The bodies of the addon's exports, one per function of src/native.ts; addon.cc lists them by name.
#pragma once

#include "call.h"

namespace sg::native {

// ops_info.cc: facts about the engine and its devices
napi_value op_isa(Call& call);
napi_value op_threads(Call& call);
napi_value op_set_threads(Call& call);
napi_value op_fma_peak(Call& call);
napi_value op_devices(Call& call);

// ops_memory.cc: storage and transfers
napi_value op_alloc(Call& call);
napi_value op_free(Call& call);
napi_value op_upload(Call& call);
napi_value op_download(Call& call);
napi_value op_copy(Call& call);
napi_value op_synchronize(Call& call);
napi_value op_memory_stats(Call& call);
napi_value op_block_bytes(Call& call);
napi_value op_empty_cache(Call& call);

// ops_dense.cc: fill, copies, GEMM, elementwise, reductions, softmax
napi_value op_fill(Call& call);
napi_value op_copy2d(Call& call);
napi_value op_gemm(Call& call);
napi_value op_unary(Call& call);
napi_value op_unary_backward(Call& call);
napi_value op_binary(Call& call);
napi_value op_reduce(Call& call);
napi_value op_softmax(Call& call);

// ops_loss.cc: losses, sampling, random numbers, gathers
napi_value op_softmax_xent(Call& call);
napi_value op_sigmoid_xent(Call& call);
napi_value op_gaussian_kl(Call& call);
napi_value op_reparameterize(Call& call);
napi_value op_random(Call& call);
napi_value op_gather_rows(Call& call);

// ops_norm.cc: batch normalisation and its backward
napi_value op_batchnorm_forward(Call& call);
napi_value op_batchnorm_backward(Call& call);

// ops_optim.cc: fused optimiser steps over many tensors
napi_value op_adam(Call& call);
napi_value op_sgd(Call& call);
napi_value op_lerp(Call& call);

}  // namespace sg::native
