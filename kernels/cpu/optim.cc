// CPU optimiser steps: one fused Adam/AdamW and one fused SGD update over all parameter tensors of a model
// in a single call. The tensors are laid end to end as one index space and that space is split over the
// thread pool, so many small tensors (biases) cost no more dispatch than one big one.
#include <cmath>
#include <new>
#include <vector>

#include "cpu_internal.h"
#include "cpu_kernels.h"
#include "simd.h"

namespace sg::cpu {

namespace {

// starts[t] = first flat index of tensor t; starts[count] = total. False when the total overflows.
bool tensor_starts(size_t count, const size_t* sizes, std::vector<size_t>& starts) {
  starts.resize(count + 1);
  starts[0] = 0;
  for (size_t t = 0; t < count; ++t)
    if (__builtin_add_overflow(starts[t], sizes[t], &starts[t + 1])) return false;
  return true;
}

// Calls fn(t, first, n) for each piece of tensor t inside the flat range [lo, hi).
template <class F>
void for_each_piece(const std::vector<size_t>& starts, size_t lo, size_t hi, F fn) {
  size_t a = 0, b = starts.size() - 1;  // binary search: the last tensor starting at or before lo
  while (b - a > 1) {
    size_t mid = (a + b) / 2;
    if (starts[mid] <= lo) a = mid;
    else b = mid;
  }
  for (size_t t = a; t + 1 < starts.size() && starts[t] < hi; ++t) {
    const size_t first = lo > starts[t] ? lo - starts[t] : 0;
    const size_t end = (hi < starts[t + 1] ? hi : starts[t + 1]) - starts[t];
    if (end > first) fn(t, first, end - first);
  }
}

// Runs fn(t, first, n) over the pieces of every tensor, the flat range split across the pool in grains of `grain`.
template <class F>
sg_status over_pieces(size_t count, const size_t* sizes, size_t grain, F fn) {
  std::vector<size_t> starts;
  try {
    if (!tensor_starts(count, sizes, starts)) return SG_ERR_ARGUMENT;
  } catch (const std::bad_alloc&) {
    return SG_ERR_MEMORY;
  }
  parallel_for(starts[count], grain, [&](size_t lo, size_t hi) { for_each_piece(starts, lo, hi, fn); });
  return SG_OK;
}

}  // namespace

sg_status adam(sg_stream, size_t count, float* const* params, const float* const* grads, float* const* m,
               float* const* v, const size_t* sizes, float lr, float beta1, float beta2, float eps,
               float weight_decay, int decoupled, int64_t step) {
  if (count == 0) return SG_OK;
  if (!params || !grads || !m || !v || !sizes || step < 1) return SG_ERR_ARGUMENT;
  if (!(beta1 >= 0.f && beta1 < 1.f) || !(beta2 >= 0.f && beta2 < 1.f)) return SG_ERR_ARGUMENT;
  for (size_t t = 0; t < count; ++t)
    if (missing(params[t], sizes[t]) || missing(grads[t], sizes[t]) || missing(m[t], sizes[t]) ||
        missing(v[t], sizes[t]))
      return SG_ERR_ARGUMENT;
  // bias corrections in double, as PyTorch computes them
  const double bc1 = 1.0 - std::pow(double(beta1), double(step));
  const double bc2 = 1.0 - std::pow(double(beta2), double(step));
  AdamStep s;
  s.beta1 = beta1;
  s.beta2 = beta2;
  s.eps = eps;
  s.l2 = decoupled ? 0.f : weight_decay;
  s.decay = decoupled ? float(1.0 - double(lr) * double(weight_decay)) : 1.f;
  s.step_size = float(double(lr) / bc1);
  s.inv_sqrt_bc2 = float(1.0 / std::sqrt(bc2));
  const SimdKernels& k = simd();
  return over_pieces(count, sizes, kGrainElements, [&](size_t t, size_t first, size_t n) {
    k.adam(n, params[t] + first, grads[t] + first, m[t] + first, v[t] + first, s);
  });
}

sg_status sgd(sg_stream, size_t count, float* const* params, const float* const* grads, float* const* velocity,
              const size_t* sizes, float lr, float momentum, float weight_decay, int nesterov) {
  if (count == 0) return SG_OK;
  if (!params || !grads || !sizes || (momentum != 0.f && !velocity)) return SG_ERR_ARGUMENT;
  for (size_t t = 0; t < count; ++t)
    if (missing(params[t], sizes[t]) || missing(grads[t], sizes[t]) ||
        (velocity && missing(velocity[t], sizes[t])))
      return SG_ERR_ARGUMENT;
  const SgdStep s{lr, momentum, weight_decay, nesterov};
  const SimdKernels& k = simd();
  return over_pieces(count, sizes, kGrainElements, [&](size_t t, size_t first, size_t n) {
    k.sgd(n, params[t] + first, grads[t] + first, velocity ? velocity[t] + first : nullptr, s);
  });
}

sg_status lerp(sg_stream, size_t count, float* const* targets, const float* const* sources, const size_t* sizes,
               float rate) {
  if (count == 0) return SG_OK;
  if (!targets || !sources || !sizes) return SG_ERR_ARGUMENT;
  for (size_t t = 0; t < count; ++t)
    if (missing(targets[t], sizes[t]) || missing(sources[t], sizes[t])) return SG_ERR_ARGUMENT;
  const SimdKernels& k = simd();
  return over_pieces(count, sizes, kGrainCheapElements, [&](size_t t, size_t first, size_t n) {
    k.lerp(n, targets[t] + first, sources[t] + first, rate);
  });
}

}  // namespace sg::cpu
