// CUDA optimiser steps: one fused Adam/AdamW and one fused SGD update over all of a model's parameter
// tensors, and the fused lerp of moving averages. The pointer lists arrive in host memory; they travel as kernel parameters in batches of up to
// body::kBatchTensors tensors (bodies/optim.cuh), so a model of a dozen tensors is one launch and nothing
// waits on the host.
#include "bodies/optim.cuh"
#include "launch.cuh"

namespace sg::cuda {

namespace {

bool missing(const void* p, size_t count) { return count != 0 && p == nullptr; }

__global__ void adam_kernel(const body::TensorBatch batch, const body::AdamConstants k) {
  body::adam_thread(this_thread(), batch, k);
}

__global__ void sgd_kernel(const body::TensorBatch batch, float lr, float momentum, float weight_decay, int nesterov) {
  body::sgd_thread(this_thread(), batch, lr, momentum, weight_decay, nesterov);
}

__global__ void lerp_kernel(const body::TensorBatch batch, float rate) { body::lerp_thread(this_thread(), batch, rate); }

}  // namespace

sg_status adam(sg_stream s, size_t count, float* const* params, const float* const* grads, float* const* m,
               float* const* v, const size_t* sizes, float lr, float beta1, float beta2, float eps, float weight_decay,
               int decoupled, int64_t step) {
  if (count == 0) return SG_OK;
  if (!params || !grads || !m || !v || !sizes || step < 1) return SG_ERR_ARGUMENT;
  if (!(beta1 >= 0.f && beta1 < 1.f) || !(beta2 >= 0.f && beta2 < 1.f)) return SG_ERR_ARGUMENT;
  size_t total = 0;
  for (size_t t = 0; t < count; ++t) {
    if (missing(params[t], sizes[t]) || missing(grads[t], sizes[t]) || missing(m[t], sizes[t]) ||
        missing(v[t], sizes[t]) || __builtin_add_overflow(total, sizes[t], &total))
      return SG_ERR_ARGUMENT;
  }
  const body::AdamConstants k = body::adam_constants(lr, beta1, beta2, eps, weight_decay, decoupled, step);
  return body::plan_batches(count, params, grads, m, v, sizes, [&](const body::TensorBatch& batch) {
    SG_LAUNCH(adam_kernel, batch.first_block[batch.count], body::kThreads, to_stream(s))(batch, k);
    return launched(to_stream(s), "adam");
  });
}

sg_status sgd(sg_stream s, size_t count, float* const* params, const float* const* grads, float* const* velocity,
              const size_t* sizes, float lr, float momentum, float weight_decay, int nesterov) {
  if (count == 0) return SG_OK;
  if (!params || !grads || !sizes || (momentum != 0.f && !velocity)) return SG_ERR_ARGUMENT;
  size_t total = 0;
  for (size_t t = 0; t < count; ++t) {
    if (missing(params[t], sizes[t]) || missing(grads[t], sizes[t]) || (velocity && missing(velocity[t], sizes[t])) ||
        __builtin_add_overflow(total, sizes[t], &total))
      return SG_ERR_ARGUMENT;
  }
  return body::plan_batches(count, params, grads, velocity, nullptr, sizes, [&](const body::TensorBatch& batch) {
    SG_LAUNCH(sgd_kernel, batch.first_block[batch.count], body::kThreads, to_stream(s))(batch, lr, momentum,
                                                                                     weight_decay, nesterov);
    return launched(to_stream(s), "sgd");
  });
}

sg_status lerp(sg_stream s, size_t count, float* const* targets, const float* const* sources, const size_t* sizes,
               float rate) {
  if (count == 0) return SG_OK;
  if (!targets || !sources || !sizes) return SG_ERR_ARGUMENT;
  size_t total = 0;
  for (size_t t = 0; t < count; ++t) {
    if (missing(targets[t], sizes[t]) || missing(sources[t], sizes[t]) ||
        __builtin_add_overflow(total, sizes[t], &total))
      return SG_ERR_ARGUMENT;
  }
  return body::plan_batches(count, targets, sources, nullptr, nullptr, sizes, [&](const body::TensorBatch& batch) {
    SG_LAUNCH(lerp_kernel, batch.first_block[batch.count], body::kThreads, to_stream(s))(batch, rate);
    return launched(to_stream(s), "lerp");
  });
}

}  // namespace sg::cuda
