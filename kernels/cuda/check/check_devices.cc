// Host checks of several devices driven from one thread (the CUDA kernel table, table.cu, over device.cu's streams,
// both compiled for the host): every entry runs with its stream's device current, whichever device was current
// before, and the GEMM sizes its tiles for that device's multiprocessors.
#include "harness.h"
#include "host_cuda.h"

namespace sg::check {

void check_devices() {
  const sg_kernels& table = *sg_cuda_kernels();
  // one thread, devices in turn, each call made with another device current
  std::string failure;
  const int order[] = {1, 0, 2, 0, 1, 1, 2};
  for (size_t i = 0; i < sizeof order / sizeof order[0]; ++i) {
    const int d = order[i];
    sg::cuda::use_device((d + 1) % sg::host_cuda::kDevices);
    std::vector<float> out = nans(1000);
    gpu(table.fill(sg_cuda_stream(d), out.size(), float(i), out.data()), "fill");
    for (float v : out)
      if (v != float(i) && failure.empty()) failure = "fill on cuda:" + std::to_string(d) + " wrote " + std::to_string(v);
  }
  report("the kernel table makes each stream's device current: fill on cuda:1, 0, 2, 0, 1, 1, 2 from one thread",
         failure);

  // the tile shape follows the stream's device: 1 multiprocessor (cuda:1) takes the 4 large tiles of 256 x 256,
  // 132 (cuda:0) the 16 small ones
  const size_t m = 256, n = 256, k = 8;
  const std::vector<float> a = Rng(1).floats(m * k), b = Rng(2).floats(k * n);
  std::vector<float> expected = nans(m * n);
  sg_cpu_kernels()->gemm(nullptr, 0, 0, m, n, k, 1.f, a.data(), k, b.data(), n, 0.f, expected.data(), n, nullptr,
                         SG_UNARY_AFFINE, 0.f);
  for (const auto& [device, blocks] : {std::pair<int, unsigned>{1, 4}, {0, 16}, {1, 4}}) {
    sg::cuda::use_device(2);
    std::vector<float> c = nans(m * n);
    gpu(table.gemm(sg_cuda_stream(device), 0, 0, m, n, k, 1.f, a.data(), k, b.data(), n, 0.f, c.data(), n, nullptr,
                   SG_UNARY_AFFINE, 0.f),
        "gemm");
    std::string f = compare(c, expected, 1e-5, 1e-5);
    if (sg::host_cuda::last_blocks() != blocks)
      f += "launched " + std::to_string(sg::host_cuda::last_blocks()) + " blocks, expected " + std::to_string(blocks);
    report("gemm 256x256x8 on cuda:" + std::to_string(device) + " takes " + std::to_string(blocks) + " tiles", f);
  }

  // the check itself: an entry called past the table, into cuda:1's stream with cuda:0 current, is refused
  sg::cuda::use_device(0);
  std::vector<float> out = nans(10);
  const sg_status status = sg::cuda::fill(sg_cuda_stream(1), out.size(), 1.f, out.data());
  const std::string refused = sg::host_cuda::take_failure();
  report("a launch into another device's stream is refused (the host model of CUDA)",
         status != SG_OK && refused.find("is current") != std::string::npos ? "" : "it was not refused");
}

}  // namespace sg::check
