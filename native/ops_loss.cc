// Loss, sampling and indexing exports: softmax / sigmoid cross-entropy, Gaussian KL, reparameterised
// sampling, Philox random numbers and row gathers.
#include <cmath>
#include <mutex>
#include <unordered_map>

#include "ops.h"

namespace sg::native {

// Class labels are floats in device memory; on the CPU we can check them here, so a bad label is a
// message naming it rather than an out-of-bounds read in the kernel. (CUDA kernels check their own.)
static void check_labels(Call& call, const float* labels, size_t rows, size_t cols) {
  if (call.device().kind != DeviceKind::cpu) return;
  for (size_t r = 0; r < rows; r++) {
    float label = labels[r];
    if (!(label >= 0 && label < static_cast<float>(cols) && label == std::floor(label))) {
      call.fail("labels[%zu] is %s but logits is %zux%zu (labels must be class indices 0..%zu)", r,
                js_number(label).c_str(), rows, cols, cols > 0 ? cols - 1 : 0);
    }
  }
}

napi_value op_softmax_xent(Call& call) {
  size_t rows = call.size("rows");
  size_t cols = call.size("cols");
  const float* logits = call.matrix("logits", rows, cols, cols);
  const float* labels = call.optional_vector("labels", rows);
  const float* targets = call.optional_matrix("targets", rows, cols, cols);
  if ((labels == nullptr) == (targets == nullptr)) {
    call.fail("needs exactly one of labels and targets, got %s (logits %zux%zu)", labels ? "both" : "neither", rows,
              cols);
  }
  float* loss = call.vector("loss", rows);
  float* dlogits = call.optional_matrix("dlogits", rows, cols, cols);
  auto kernel = call.kernel(&sg_kernels::softmax_xent);
  if (labels != nullptr) check_labels(call, labels, rows, cols);
  call.check(kernel(call.device().stream, rows, cols, logits, labels, targets, loss, dlogits));
  return nullptr;
}

napi_value op_sigmoid_xent(Call& call) {
  size_t rows = call.size("rows");
  size_t cols = call.size("cols");
  const float* logits = call.matrix("logits", rows, cols, cols);
  const float* targets = call.matrix("targets", rows, cols, cols);
  float* loss = call.vector("loss", rows);
  float* dlogits = call.optional_matrix("dlogits", rows, cols, cols);
  call.check(call.kernel(&sg_kernels::sigmoid_xent)(call.device().stream, rows, cols, logits, targets, loss, dlogits));
  return nullptr;
}

napi_value op_gaussian_kl(Call& call) {
  size_t rows = call.size("rows");
  size_t cols = call.size("cols");
  const float* mu = call.matrix("mu", rows, cols, cols);
  const float* logvar = call.matrix("logvar", rows, cols, cols);
  float* loss = call.vector("loss", rows);
  float* dmu = call.optional_matrix("dmu", rows, cols, cols);
  float* dlogvar = call.optional_matrix("dlogvar", rows, cols, cols);
  call.check(call.kernel(&sg_kernels::gaussian_kl)(call.device().stream, rows, cols, mu, logvar, loss, dmu, dlogvar));
  return nullptr;
}

napi_value op_reparameterize(Call& call) {
  size_t n = call.size("n");
  const float* mu = call.vector("mu", n);
  const float* logvar = call.vector("logvar", n);
  uint64_t seed = call.seed("seed");
  uint64_t offset = call.seed("offset");
  float* eps = call.optional_vector("eps", n);
  float* z = call.vector("z", n);
  call.check(call.kernel(&sg_kernels::reparameterize)(call.device().stream, n, mu, logvar, seed, offset, eps, z));
  return nullptr;
}

napi_value op_random(Call& call) {
  int dist = call.choice("dist");
  size_t n = call.size("n");
  uint64_t seed = call.seed("seed");
  uint64_t offset = call.seed("offset");
  double p1 = call.finite("p1");
  double p2 = call.finite("p2");
  call.set_variant(kDistributions.names[dist]);  // after the generic checks, whose messages say "random: ..."
  if (dist == SG_DIST_BERNOULLI && !(p1 >= 0 && p1 <= 1)) {
    call.fail("p1 (the probability) must be in [0, 1], got %s", js_number(p1).c_str());
  }
  if (dist == SG_DIST_NORMAL && p2 < 0) {
    call.fail("p2 (the standard deviation) must be >= 0, got %s", js_number(p2).c_str());
  }
  float* out = call.vector("out", n);
  call.check(call.kernel(&sg_kernels::random)(call.device().stream, static_cast<sg_distribution>(dist), n, seed, offset,
                                              static_cast<float>(p1), static_cast<float>(p2), out));
  return nullptr;
}

// CUDA gathers read their indices from device memory: one grow-only scratch block per device, taken
// from the device directly (not the cache, so memoryStats count only storages). Copy and launch are
// stream-ordered, so reusing the block on the next call is safe; the lock covers both.
static std::mutex scratch_mutex;
static std::unordered_map<const Device*, Block> scratch_blocks;

napi_value op_gather_rows(Call& call) {
  size_t rows = call.size("rows");
  size_t cols = call.size("cols");
  size_t src_rows = call.size("srcRows");
  size_t index_length = 0;
  const int32_t* index =
      call.int32_array("index", &index_length);
  if (index_length != rows) call.fail("index has %zu entries but rows is %zu", index_length, rows);
  for (size_t r = 0; r < rows; r++) {
    if (index[r] < 0 || static_cast<size_t>(index[r]) >= src_rows) {
      call.fail("index[%zu] is %d but src has %zu rows", r, index[r], src_rows);
    }
  }
  const float* src = call.matrix("src", src_rows, cols, cols);
  float* out = call.matrix("out", rows, cols, cols);
  auto kernel = call.kernel(&sg_kernels::gather_rows);
  const Device& device = call.device();
  if (device.kind == DeviceKind::cpu) {
    call.check(kernel(device.stream, rows, cols, src, src_rows, index, out));
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(scratch_mutex);
  Block& scratch = scratch_blocks[&device];
  size_t bytes = rows * sizeof(int32_t);
  if (scratch.bytes < bytes) {
    size_t grown = Allocator::bucket_size(bytes);
    void* ptr = nullptr;
    call.check(device.table->alloc(device.index, grown, &ptr));
    if (scratch.ptr != nullptr) device.table->release(device.index, scratch.ptr);
    scratch = Block{ptr, grown};
  }
  call.check(device.table->copy_from_host(device.index, device.stream, scratch.ptr, index, bytes));
  call.check(kernel(device.stream, rows, cols, src, src_rows, static_cast<const int32_t*>(scratch.ptr), out));
  return nullptr;
}

}  // namespace sg::native
