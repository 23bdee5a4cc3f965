// Host checks of the fused CUDA optimiser entries (optim.cu): Adam/AdamW, SGD (plain, momentum, Nesterov) and
// lerp over many tensors of awkward sizes, empty ones included, so that one step takes several launches, against
// the CPU kernels.
#include "harness.h"

namespace sg::check {

namespace {

const sg_kernels& cpu() { return *sg_cpu_kernels(); }

// Tensors of sizes around the chunk size, 0 and 1 included; more than one batch's worth.
std::vector<size_t> tensor_sizes(size_t count) {
  const size_t pattern[] = {7, 0, 2048, 1, 2049, 129, 5000, 4096, 33, 1000};
  std::vector<size_t> sizes(count);
  for (size_t i = 0; i < count; ++i) sizes[i] = pattern[i % 10];
  return sizes;
}

struct State {
  std::vector<std::vector<float>> tensors[4];  // params, grads, state0, state1
  std::vector<float*> pointers[4];
  State(const std::vector<size_t>& sizes, uint64_t seed) {
    Rng r(seed);
    for (int k = 0; k < 4; ++k)
      for (size_t n : sizes) tensors[k].push_back(k == 3 ? r.floats(n, 0.f, 0.1f) : r.floats(n));
    point();
  }
  State(const State& other) {  // a copy points at its own tensors
    for (int k = 0; k < 4; ++k) tensors[k] = other.tensors[k];
    point();
  }
  void point() {
    for (int k = 0; k < 4; ++k) {
      pointers[k].clear();
      for (auto& t : tensors[k]) pointers[k].push_back(t.data());
    }
  }
  std::string compare_with(const State& other, double rtol) const {
    std::string failure;
    for (int k = 0; k < 4 && failure.empty(); ++k)
      for (size_t t = 0; t < tensors[k].size() && failure.empty(); ++t)
        failure = compare(tensors[k][t], other.tensors[k][t], 1e-7, rtol);
    return failure;
  }
};

void check_adam(size_t count, int decoupled, int64_t step, float weight_decay) {
  const std::vector<size_t> sizes = tensor_sizes(count);
  State dev(sizes, count + step), ref = dev;
  const float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  gpu(sg::cuda::adam(nullptr, count, dev.pointers[0].data(), const_cast<const float* const*>(dev.pointers[1].data()),
                     dev.pointers[2].data(), dev.pointers[3].data(), sizes.data(), lr, beta1, beta2, eps, weight_decay,
                     decoupled, step),
      "adam");
  cpu().adam(nullptr, count, ref.pointers[0].data(), const_cast<const float* const*>(ref.pointers[1].data()),
             ref.pointers[2].data(), ref.pointers[3].data(), sizes.data(), lr, beta1, beta2, eps, weight_decay,
             decoupled, step);
  report(std::string(decoupled ? "adamw" : "adam") + " " + std::to_string(count) + " tensors, step " +
             std::to_string(step) + ", weight decay " + std::to_string(weight_decay),
         dev.compare_with(ref, 1e-6));
}

void check_sgd(size_t count, float momentum, int nesterov, float weight_decay, bool with_velocity) {
  const std::vector<size_t> sizes = tensor_sizes(count);
  State dev(sizes, count * 3 + nesterov), ref = dev;
  const float lr = 0.05f;
  gpu(sg::cuda::sgd(nullptr, count, dev.pointers[0].data(), const_cast<const float* const*>(dev.pointers[1].data()),
                    with_velocity ? dev.pointers[2].data() : nullptr, sizes.data(), lr, momentum, weight_decay,
                    nesterov),
      "sgd");
  cpu().sgd(nullptr, count, ref.pointers[0].data(), const_cast<const float* const*>(ref.pointers[1].data()),
            with_velocity ? ref.pointers[2].data() : nullptr, sizes.data(), lr, momentum, weight_decay, nesterov);
  char name[128];
  std::snprintf(name, sizeof name, "sgd %zu tensors, momentum %g%s, weight decay %g%s", count, momentum,
                nesterov ? " nesterov" : "", weight_decay, with_velocity ? "" : ", no velocity");
  report(name, dev.compare_with(ref, 1e-6));
}

void check_lerp(size_t count, float rate) {
  const std::vector<size_t> sizes = tensor_sizes(count);
  State dev(sizes, count * 7 + 1), ref = dev;
  gpu(sg::cuda::lerp(nullptr, count, dev.pointers[0].data(), const_cast<const float* const*>(dev.pointers[1].data()),
                     sizes.data(), rate),
      "lerp");
  cpu().lerp(nullptr, count, ref.pointers[0].data(), const_cast<const float* const*>(ref.pointers[1].data()),
             sizes.data(), rate);
  char name[96];
  std::snprintf(name, sizeof name, "lerp %zu tensors, rate %g", count, rate);
  report(name, dev.compare_with(ref, 1e-6));
}

}  // namespace

void check_optim() {
  for (size_t count : {1, 3, 24, 25, 60})
    for (int decoupled : {0, 1}) check_adam(count, decoupled, 1, 0.01f);
  check_adam(60, 1, 1000, 0.1f);
  check_adam(7, 0, 3, 0.f);
  for (size_t count : {1, 25, 60}) {
    check_sgd(count, 0.f, 0, 0.f, false);
    check_sgd(count, 0.f, 0, 1e-3f, false);
    check_sgd(count, 0.9f, 0, 1e-3f, true);
    check_sgd(count, 0.9f, 1, 0.f, true);
    check_sgd(count, 0.f, 0, 0.f, true);
    check_lerp(count, 0.01f);
    check_lerp(count, 1.f);
  }
}

}  // namespace sg::check
