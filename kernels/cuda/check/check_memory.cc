// Host checks of memory.cu's uploads through pinned staging, with the stream's copies deferred (host_cuda.h) as a
// GPU's copy engine runs them: the caller reuses its buffer as soon as copy_from_host returns, and uploads of
// every size (many pieces, more than the ring's slots) queue up before one synchronisation; every destination
// must then hold what was uploaded to it. A staging slot written again before its copy has run fails this, and so
// does a release that frees a block while a queued copy still uses it.
#include "harness.h"
#include "host_cuda.h"

namespace sg::check {

void check_memory() {
  sg::host_cuda::set_deferred_copies(true);
  const sg_stream stream = device_stream(0);
  // sizes in floats: small, one slot (4 MiB) and a little more, several slots
  const size_t sizes[] = {1, 1000, 1 << 20, (1 << 20) + 3, 5 << 20, 7, 3 << 20, 100003, 1 << 20, 2};
  std::vector<std::vector<float>> expected;
  std::vector<float*> targets;
  std::vector<float> source;  // the caller's one buffer, rewritten after every call
  std::string failure;
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; ++i) {
    Rng r(i + 1);
    source = r.floats(sizes[i]);
    expected.push_back(source);
    void* target = nullptr;
    gpu(sg::cuda::alloc(0, sizes[i] * sizeof(float), &target), "alloc");
    targets.push_back(static_cast<float*>(target));
    gpu(sg::cuda::copy_from_host(0, stream, target, source.data(), sizes[i] * sizeof(float)), "copy_from_host");
    std::fill(source.begin(), source.end(), NAN);
  }
  gpu(sg::cuda::synchronize(0, stream), "synchronize");
  for (size_t i = 0; i < targets.size() && failure.empty(); ++i) {
    std::vector<float> got(targets[i], targets[i] + sizes[i]);
    const std::string f = compare_bits(got, expected[i]);
    if (!f.empty()) failure = "upload " + std::to_string(i) + " (" + std::to_string(sizes[i]) + " floats): " + f;
  }
  for (float* t : targets) gpu(sg::cuda::release(0, t), "release");
  report("copy_from_host: 10 uploads of up to 20 MiB through 4 staging slots, then one synchronisation", failure);

  // a download after uploads sees them (the stream keeps order)
  std::vector<float> up = Rng(99).floats(3000), down = nans(3000);
  void* block = nullptr;
  gpu(sg::cuda::alloc(0, up.size() * sizeof(float), &block), "alloc");
  gpu(sg::cuda::copy_from_host(0, stream, block, up.data(), up.size() * sizeof(float)), "copy_from_host");
  gpu(sg::cuda::copy_to_host(0, stream, down.data(), block, down.size() * sizeof(float)), "copy_to_host");
  gpu(sg::cuda::synchronize(0, stream), "synchronize");
  gpu(sg::cuda::release(0, block), "release");
  report("copy_to_host after copy_from_host on one stream", compare_bits(down, up));

  // release while an upload into the block is still queued: the block must not be freed under it
  std::vector<float> data = Rng(7).floats(1000);
  gpu(sg::cuda::alloc(0, data.size() * sizeof(float), &block), "alloc");
  gpu(sg::cuda::copy_from_host(0, stream, block, data.data(), data.size() * sizeof(float)), "copy_from_host");
  gpu(sg::cuda::release(0, block), "release");
  report("release waits for the queued work that uses the block", "");
  sg::host_cuda::set_deferred_copies(false);
}

}  // namespace sg::check
