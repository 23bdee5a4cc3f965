// semigen_cuda_bodies_check: runs every CUDA kernel body on the host over its launcher's grid and compares
// the results with the CPU kernels (see harness.h). Built with the addon, run by
// test/kernels/cuda_bodies.test.js.
//
//   semigen_cuda_bodies_check            every case; prints `ok`/`FAIL` lines, then
//                                        `cuda bodies: N cases, F failed`; exit 1 when F > 0
//   semigen_cuda_bodies_check --mutants  reruns the checks with each deliberate mistake of harness.h
//                                        injected; prints `mutant NAME: detected|MISSED`; exit 1 if one
//                                        is missed (the checks could not fail)
#include <cstring>

#include "harness.h"

namespace sg::check {

Mutant mutant = Mutant::none;

namespace {

int run_count = 0, fail_count = 0;
bool quiet = false;

void run_all() {
  check_elementwise();
  check_rows();
  check_random();
  check_optim();
  check_gemm();
  check_batchnorm();
  check_faults();
}

struct Named {
  const char* name;
  Mutant mutant;
  void (*family)();  // the checks that exercise it (all of them would work, but slowly)
};

const Named kMutants[] = {
    {"grid-short (the last block never runs)", Mutant::grid_short, check_elementwise},
    {"binary-modes-swapped (a's broadcast mode used for b)", Mutant::binary_modes_swapped, check_elementwise},
    {"team-stride-doubled (row lanes skip columns)", Mutant::team_stride_doubled, check_rows},
    {"philox-counter (counter off by one)", Mutant::philox_counter, check_random},
    {"gemm-k-shift (B tile fetched one k ahead)", Mutant::gemm_k_shift, check_gemm},
    {"gemm-tiles-square (tile grid taken as tiles_m x tiles_m)", Mutant::gemm_tiles_square, check_gemm},
    {"gemm-stash-current (next tile stashed over the one being multiplied: a race)", Mutant::gemm_stash_current,
     check_gemm},
    {"adam-batch-skip (a batch's last tensor dropped)", Mutant::adam_batch_skip, check_optim},
    {"batchnorm-one-buffer (squares' partials over the sums other lanes still read: a race)",
     Mutant::batchnorm_one_buffer, check_batchnorm},
    {"batchnorm-barrier-dropped (backward's next tile sums over partials still being read: a race)",
     Mutant::batchnorm_barrier_dropped, check_batchnorm},
};

}  // namespace

void report(const std::string& name, const std::string& failure) {
  ++run_count;
  if (!failure.empty()) ++fail_count;
  if (quiet) return;
  if (failure.empty()) std::printf("ok   %s\n", name.c_str());
  else std::printf("FAIL %s: %s\n", name.c_str(), failure.c_str());
}

int cases_run() { return run_count; }
int cases_failed() { return fail_count; }

}  // namespace sg::check

int main(int argc, char** argv) {
  using namespace sg::check;
  if (argc > 1 && std::strcmp(argv[1], "--mutants") == 0) {
    quiet = true;
    int missed = 0;
    for (const Named& m : kMutants) {
      mutant = m.mutant;
      run_count = fail_count = 0;
      m.family();
      std::printf("mutant %s: %s (%d of %d cases failed)\n", m.name, fail_count ? "detected" : "MISSED", fail_count,
                  run_count);
      missed += fail_count == 0;
    }
    std::printf("mutants: %d detected, %d missed\n", int(sizeof kMutants / sizeof kMutants[0]) - missed, missed);
    return missed ? 1 : 0;
  }
  if (argc > 1) {
    std::fprintf(stderr, "usage: %s [--mutants]\n", argv[0]);
    return 2;
  }
  run_all();
  std::printf("cuda bodies: %d cases, %d failed\n", run_count, fail_count);
  return fail_count ? 1 : 0;
}
