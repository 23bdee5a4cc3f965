// Bodies of the fused CUDA optimiser steps: Adam/AdamW and SGD over many tensors in few launches. The
// host plans launches of up to kBatchTensors tensors, passed by value as kernel parameters (no device copy
// of the pointer lists, so no host synchronisation); each block updates one kChunk-element chunk of one
// tensor. The per-element updates are the CPU's (kernels/cpu/simd_random_optim.h).
#pragma once

#include <cmath>

#include "math.cuh"

namespace sg::cuda::body {

constexpr int kBatchTensors = 24;     // ~1.1 KB of kernel parameters, well under the 4 KB limit
constexpr size_t kChunk = 2048;       // elements per block (8 per thread)

// One launch's tensors. For SGD, state0 is the velocity (NULL when there is none) and state1 unused.
struct TensorBatch {
  float* params[kBatchTensors];
  const float* grads[kBatchTensors];
  float* state0[kBatchTensors];
  float* state1[kBatchTensors];
  size_t sizes[kBatchTensors];
  unsigned first_block[kBatchTensors + 1];  // blocks of tensor i: [first_block[i], first_block[i + 1])
  int count;
};

// Splits tensors 0..count-1 (empty ones skipped) into batches and calls launch(batch) for each, in order;
// stops at and returns the first status launch returns other than SG_OK.
template <class Launch>
sg_status plan_batches(size_t count, float* const* params, const float* const* grads, float* const* state0,
                       float* const* state1, const size_t* sizes, Launch launch) {
  TensorBatch batch{};
  constexpr size_t kMaxBlocks = size_t(1) << 30;  // far below the grid limit
  for (size_t t = 0; t < count; ++t) {
    if (sizes[t] == 0) continue;
    const size_t blocks = (sizes[t] + kChunk - 1) / kChunk;
    if (batch.count == kBatchTensors || batch.first_block[batch.count] + blocks > kMaxBlocks) {
      if (batch.count) {
        sg_status s = launch(batch);
        if (s != SG_OK) return s;
      }
      batch = TensorBatch{};
    }
    if (blocks > kMaxBlocks) return SG_ERR_UNSUPPORTED;  // one tensor of over 2^41 elements
    const int i = batch.count++;
    batch.params[i] = params[t];
    batch.grads[i] = grads[t];
    batch.state0[i] = state0 ? state0[t] : nullptr;
    batch.state1[i] = state1 ? state1[t] : nullptr;
    batch.sizes[i] = sizes[t];
    batch.first_block[i + 1] = batch.first_block[i] + unsigned(blocks);
  }
  return batch.count ? launch(batch) : SG_OK;
}

// The tensor and element range of block `block` of a batch.
SG_HD int batch_tensor(const TensorBatch& b, unsigned block, size_t* begin, size_t* end) {
  int i = 0;
  while (i + 1 < b.count && b.first_block[i + 1] <= block) ++i;
  *begin = size_t(block - b.first_block[i]) * kChunk;
  *end = *begin + kChunk < b.sizes[i] ? *begin + kChunk : b.sizes[i];
  return i;
}

// Adam constants of one step, derived once per call in double (as PyTorch) and rounded to float.
struct AdamConstants {
  float beta1, beta2, one_minus_beta1, one_minus_beta2, eps;
  float l2;            // weight decay folded into the gradient (0 for AdamW)
  float decay;         // 1 - lr wd for AdamW, 1 otherwise
  float step_size;     // lr / (1 - beta1^step)
  float inv_sqrt_bc2;  // 1 / sqrt(1 - beta2^step)
};

inline AdamConstants adam_constants(float lr, float beta1, float beta2, float eps, float weight_decay, int decoupled,
                                    int64_t step) {
  const double bc1 = 1.0 - std::pow(double(beta1), double(step));
  const double bc2 = 1.0 - std::pow(double(beta2), double(step));
  AdamConstants k;
  k.beta1 = beta1;
  k.beta2 = beta2;
  k.one_minus_beta1 = 1.f - beta1;
  k.one_minus_beta2 = 1.f - beta2;
  k.eps = eps;
  k.l2 = decoupled ? 0.f : weight_decay;
  k.decay = decoupled ? float(1.0 - double(lr) * double(weight_decay)) : 1.f;
  k.step_size = float(double(lr) / bc1);
  k.inv_sqrt_bc2 = float(1.0 / std::sqrt(bc2));
  return k;
}

// One thread of a block of an Adam launch: state0 = m, state1 = v.
SG_HD void adam_thread(Thread t, const TensorBatch& b, const AdamConstants& k) {
  size_t begin, end;
  const int i = batch_tensor(b, t.block, &begin, &end);
  float* p = b.params[i];
  const float* g = b.grads[i];
  float *m = b.state0[i], *v = b.state1[i];
  for (size_t e = begin + t.thread; e < end; e += t.threads) {
    const float grad = g[e] + k.l2 * p[e];
    const float me = k.beta1 * m[e] + k.one_minus_beta1 * grad;
    const float ve = k.beta2 * v[e] + k.one_minus_beta2 * grad * grad;
    m[e] = me;
    v[e] = ve;
    p[e] = p[e] * k.decay - k.step_size * me / (sqrt_f(ve) * k.inv_sqrt_bc2 + k.eps);
  }
}

// One thread of a block of an SGD launch: g += wd p; v = momentum v + g; p -= lr (nesterov ? g + momentum v : v).
SG_HD void sgd_thread(Thread t, const TensorBatch& b, float lr, float momentum, float weight_decay, int nesterov) {
  size_t begin, end;
  const int i = batch_tensor(b, t.block, &begin, &end);
  float* p = b.params[i];
  const float* g = b.grads[i];
  float* velocity = b.state0[i];
  for (size_t e = begin + t.thread; e < end; e += t.threads) {
    if (!velocity) {
      p[e] -= lr * (g[e] + weight_decay * p[e]);
    } else if (nesterov) {
      const float grad = g[e] + weight_decay * p[e];
      const float ve = momentum * velocity[e] + grad;
      velocity[e] = ve;
      p[e] -= lr * (grad + momentum * ve);
    } else {
      const float ve = momentum * velocity[e] + g[e] + weight_decay * p[e];
      velocity[e] = ve;
      p[e] -= lr * ve;
    }
  }
}

// One thread of a block of a lerp launch (params are the targets, grads the sources): t = lerp_toward(t, s, rate).
SG_HD void lerp_thread(Thread t, const TensorBatch& b, float rate) {
  size_t begin, end;
  const int i = batch_tensor(b, t.block, &begin, &end);
  float* target = b.params[i];
  const float* source = b.grads[i];
  for (size_t e = begin + t.thread; e < end; e += t.threads) target[e] = lerp_toward(target[e], source[e], rate);
}

}  // namespace sg::cuda::body
