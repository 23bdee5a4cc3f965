// semigen_cuda_bodies_check: calls every CUDA kernel entry of kernels/cuda/*.cu, compiled for the host, and
// compares the results with the CPU kernels (see harness.h). Built with the addon, run by
// test/kernels/cuda_bodies.test.js, which also builds it from deliberately broken copies of the .cu files (a
// barrier removed, an index shifted) that must fail.
//
//   semigen_cuda_bodies_check [FAMILY...]   every case of the named families (all when none is named), each
//                                           run in forward and then in reverse thread order; prints `ok`/`FAIL`
//                                           lines, then `cuda bodies: N cases, F failed`; exit 1 when F > 0
#include <cstring>

#include "harness.h"
#include "host_cuda.h"

namespace sg::check {

namespace {

int run_count = 0, fail_count = 0;
std::string refused;  // entries that refused their call since the last report

struct Family {
  const char* name;
  void (*run)();
};

const Family kFamilies[] = {
    {"elementwise", check_elementwise}, {"reduce", check_reductions}, {"softmax", check_softmaxes},
    {"losses", check_row_losses},       {"random", check_random},     {"optim", check_optim},
    {"gemm", check_gemm},               {"batchnorm", check_batchnorm}, {"faults", check_faults},
    {"memory", check_memory},           {"devices", check_devices},
};

}  // namespace

void gpu(sg_status status, const char* entry) {
  if (status != SG_OK && refused.empty()) refused = std::string(entry) + " returned status " + std::to_string(int(status));
}

void report(const std::string& name, const std::string& failure) {
  std::string why = failure;
  const std::string launch = sg::host_cuda::take_failure();
  if (!launch.empty()) why = "launch failed: " + launch + (why.empty() ? "" : "; " + why);
  if (!refused.empty()) why = refused + (why.empty() ? "" : "; " + why);
  refused.clear();
  ++run_count;
  if (!why.empty()) ++fail_count;
  const char* order = sg::host_cuda::order() == sg::host_cuda::Order::reverse ? " [reversed]" : "";
  if (why.empty()) std::printf("ok   %s%s\n", name.c_str(), order);
  else std::printf("FAIL %s%s: %s\n", name.c_str(), order, why.c_str());
}

int cases_run() { return run_count; }
int cases_failed() { return fail_count; }

}  // namespace sg::check

int main(int argc, char** argv) {
  using namespace sg::check;
  std::vector<const Family*> chosen;
  for (int i = 1; i < argc; ++i) {
    const Family* found = nullptr;
    for (const Family& f : kFamilies)
      if (std::strcmp(argv[i], f.name) == 0) found = &f;
    if (!found) {
      std::fprintf(stderr, "usage: %s [FAMILY...], families:", argv[0]);
      for (const Family& f : kFamilies) std::fprintf(stderr, " %s", f.name);
      std::fprintf(stderr, "\n");
      return 2;
    }
    chosen.push_back(found);
  }
  if (chosen.empty())
    for (const Family& f : kFamilies) chosen.push_back(&f);
  for (auto order : {sg::host_cuda::Order::forward, sg::host_cuda::Order::reverse}) {
    sg::host_cuda::set_order(order);
    for (const Family* f : chosen) f->run();
  }
  std::printf("cuda bodies: %d cases, %d failed (%llu launches)\n", cases_run(), cases_failed(),
              static_cast<unsigned long long>(sg::host_cuda::launches()));
  return cases_failed() ? 1 : 0;
}
