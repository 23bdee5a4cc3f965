// SGEMM lab: our CPU GEMM (sg::cpu::gemm) against OpenBLAS on the shapes semigen trains with, plus a
// correctness sweep against a float64 loop. Timings interleave ours and OpenBLAS's runs and report medians.
//
// Build (repository root):
//   mkdir -p /tmp/sgemm_lab.d && for f in isa thread_pool gemm gemm_portable peak gemm_avx2 peak_avx2 gemm_avx512 gemm_pack_avx512 peak_avx512; do case $f in *avx512) x="-mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma -mavx2";; *avx2) x="-mavx2 -mfma";; *) x="";; esac; g++ -O3 -std=c++17 -DSEMIGEN_X86=1 -Ikernels/include -Ikernels/common $x -c kernels/cpu/$f.cc -o /tmp/sgemm_lab.d/$f.o || break; done && g++ -O3 -std=c++17 -Ikernels/include -Ikernels/cpu bench/native/sgemm_lab.cc /tmp/sgemm_lab.d/*.o -lopenblas -lpthread -o /tmp/sgemm_lab
// Run:
//   /tmp/sgemm_lab 1 2       one column per thread count (OpenBLAS limited to the same count);
//                            --rounds=N (default 10), --only=TEXT runs the cases whose name contains TEXT
//   /tmp/sgemm_lab --check   awkward shapes, all transposes, epilogues, NaN-poisoned C (SEMIGEN_ISA=avx2|portable
//                            checks the other paths)
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <thread>
#include <vector>

#include "cpu_internal.h"
#include "cpu_kernels.h"

namespace {

struct Case {
  const char* name;
  bool ta, tb;
  size_t m, n, k;
};

const Case kCases[] = {
    {"square 128", 0, 0, 128, 128, 128},       {"square 256", 0, 0, 256, 256, 256},
    {"square 512", 0, 0, 512, 512, 512},       {"square 1024", 0, 0, 1024, 1024, 1024},
    {"square 2048", 0, 0, 2048, 2048, 2048},   {"fwd x.W 128x784x512", 0, 0, 128, 512, 784},  // m x k x n
    {"dW x^T.dY 784x128x512", 1, 0, 784, 512, 128}, {"dX dY.W^T 128x512x784", 0, 1, 128, 784, 512},
    {"512 NT", 0, 1, 512, 512, 512},           {"512 TN", 1, 0, 512, 512, 512},
    {"512 TT", 1, 1, 512, 512, 512},           {"1024 NT", 0, 1, 1024, 1024, 1024},
    {"1024 TN", 1, 0, 1024, 1024, 1024},       {"1024 TT", 1, 1, 1024, 1024, 1024},
    {"mlp 100x784x500", 0, 0, 100, 500, 784},  {"mlp 100x500x500", 0, 0, 100, 500, 500},
    // the other layers of vae-step (784-512-256-z32, batch 128): m x k x n
    {"vae 128x512x256", 0, 0, 128, 256, 512},  {"vae 128x256x64", 0, 0, 128, 64, 256},
    {"vae 128x32x256", 0, 0, 128, 256, 32},    {"vae 128x512x784", 0, 0, 128, 784, 512},
};

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
double process_cpu() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

// Seconds per call of run(calls), steady state: a third as many untimed calls first wake the library's
// sleeping threads and the idle (virtual) CPU under them, which runs slowly for a few milliseconds. Retried while another process took our cores: both libraries keep every thread busy (working
// or spinning) during a run, so CPU time below ~threads x wall time means we were preempted.
int contended_runs = 0;
template <class F>
double clean_time(F run, int calls, int threads) {
  double wall = 0;
  for (int attempt = 0; attempt < 30; ++attempt) {
    run(std::max(1, calls / 3));
    const double c0 = process_cpu(), t0 = now();
    run(calls);
    wall = now() - t0;
    if (process_cpu() - c0 >= 0.96 * threads * wall) break;
    ++contended_runs;
    std::this_thread::sleep_for(std::chrono::milliseconds(threads > 1 ? 150 : 20));
  }
  return wall / calls;
}

std::vector<float> random_floats(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

// op(A) (i, p) and op(B) (p, j) of row-major storage
inline float at_a(const std::vector<float>& a, bool ta, size_t lda, size_t i, size_t p) {
  return ta ? a[p * lda + i] : a[i * lda + p];
}
inline float at_b(const std::vector<float>& b, bool tb, size_t ldb, size_t p, size_t j) {
  return tb ? b[j * ldb + p] : b[p * ldb + j];
}

double activate(double x, sg_unary_op act, double slope) {
  switch (act) {
    case SG_UNARY_RELU: return x > 0 ? x : 0;
    case SG_UNARY_LEAKY_RELU: return x > 0 ? x : slope * x;
    case SG_UNARY_SIGMOID: return 1 / (1 + std::exp(-x));
    case SG_UNARY_TANH: return std::tanh(x);
    default: return x;
  }
}

// Worst |ours - ref| / tolerance over every row_step-th row of C, against a float64 loop.
double check_rows(const Case& cs, const std::vector<float>& a, size_t lda, const std::vector<float>& b, size_t ldb,
                  const std::vector<float>& c_before, const std::vector<float>& c, size_t ldc, float alpha,
                  float beta, const float* bias, sg_unary_op act, float slope, size_t row_step) {
  double worst = 0;
  for (size_t i = 0; i < cs.m; i += row_step) {
    for (size_t j = 0; j < cs.n; ++j) {
      double dot = 0, mag = 0;
      for (size_t p = 0; p < cs.k; ++p) {
        const double t = double(at_a(a, cs.ta, lda, i, p)) * at_b(b, cs.tb, ldb, p, j);
        dot += t;
        mag += std::fabs(t);
      }
      double ref = alpha * dot + (beta != 0 ? beta * double(c_before[i * ldc + j]) : 0.0) + (bias ? bias[j] : 0.0);
      ref = activate(ref, act, slope);
      // float32 rounding of the result and of a k-term sum (a few ulp of sum |terms|)
      const double tol = 1e-6 + 2e-6 * std::fabs(ref) + 4e-7 * std::fabs(alpha) * mag;
      const double err = std::fabs(double(c[i * ldc + j]) - ref) / tol;
      if (!(err <= worst)) worst = err;  // NaN makes it infinite-worse
      if (std::isnan(err)) return INFINITY;
    }
  }
  return worst;
}

// One call on random operands with leading dimensions above the row length; the epilogue, alpha and beta
// vary with `run`. Returns the worst error / tolerance (infinite if a failure status or a write outside C).
double check_one(const Case& cs, int run, std::mt19937& rng) {
  static const sg_unary_op acts[] = {SG_UNARY_AFFINE, SG_UNARY_RELU, SG_UNARY_LEAKY_RELU, SG_UNARY_SIGMOID,
                                     SG_UNARY_TANH};
  const size_t m = cs.m, n = cs.n, k = cs.k, pad = rng() % 3;
  const size_t lda = (cs.ta ? m : k) + pad, ldb = (cs.tb ? k : n) + pad, ldc = n + pad;
  // exactly the elements the call may touch, so that an over-read shows under -fsanitize=address
  const auto stored = [](size_t rows, size_t cols, size_t ld) { return rows && cols ? (rows - 1) * ld + cols : 0; };
  const auto a = random_floats(stored(cs.ta ? k : m, cs.ta ? m : k, lda), rng);
  const auto b = random_floats(stored(cs.tb ? n : k, cs.tb ? k : n, ldb), rng);
  const auto bias = random_floats(n, rng);
  const float beta = run % 3 == 0 ? 0.f : 0.5f, alpha = run % 4 == 1 ? -1.5f : 1.f;
  const sg_unary_op act = acts[run % 5];
  const float* use_bias = run % 2 == 0 ? bias.data() : nullptr;
  auto c_before = random_floats(m * ldc, rng);
  if (beta == 0) std::fill(c_before.begin(), c_before.end(), NAN);  // must not be read
  auto c = c_before;
  if (sg::cpu::gemm(nullptr, cs.ta, cs.tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc, use_bias, act,
                    0.1f) != SG_OK) {
    return INFINITY;
  }
  for (size_t i = 0; i < m; ++i)  // the padding columns are not C's
    for (size_t j = n; j < ldc; ++j)
      if (std::memcmp(&c[i * ldc + j], &c_before[i * ldc + j], sizeof(float)) != 0) return INFINITY;
  return check_rows(cs, a, lda, b, ldb, c_before, c, ldc, alpha, beta, use_bias, act, 0.1f, 1);
}

int run_check() {
  std::mt19937 rng(7);
  std::vector<Case> shapes;
  for (size_t m : {1, 7, 16, 47, 49, 129, 300})
    for (size_t n : {1, 7, 16, 47, 49, 129, 300})
      for (size_t k : {0, 1, 5, 130, 600}) shapes.push_back({"", 0, 0, m, n, k});
  // threaded grids, several mc blocks (3000 rows), many k slices (700000)
  for (Case big : {Case{"", 0, 0, 200, 900, 333}, Case{"", 0, 0, 1000, 130, 257}, Case{"", 0, 0, 3000, 9, 2000},
                   Case{"", 0, 0, 9, 3000, 2000}, Case{"", 0, 0, 17, 20, 700000}})
    shapes.push_back(big);
  int failures = 0, runs = 0;
  for (const Case& shape : shapes) {
    for (int t = 0; t < 4; ++t, ++runs) {
      const Case cs{"check", (t & 1) != 0, (t & 2) != 0, shape.m, shape.n, shape.k};
      const double err = check_one(cs, runs, rng);
      if (err > 1) {
        ++failures;
        std::printf("FAIL m=%zu n=%zu k=%zu ta=%d tb=%d run=%d: err %.3g\n", cs.m, cs.n, cs.k, cs.ta, cs.tb, runs, err);
      }
    }
  }
  // bad arguments come back as SG_ERR_ARGUMENT, never a crash
  float x = 0;
  const auto status = [&](const float* a, size_t lda, sg_unary_op act) {
    return sg::cpu::gemm(nullptr, 0, 0, 2, 2, 2, 1, a, lda, &x, 2, 0, &x, 2, nullptr, act, 0);
  };
  if (status(nullptr, 2, SG_UNARY_AFFINE) != SG_ERR_ARGUMENT || status(&x, 1, SG_UNARY_AFFINE) != SG_ERR_ARGUMENT ||
      status(&x, 2, SG_UNARY_EXP) != SG_ERR_ARGUMENT) {
    ++failures, std::printf("FAIL argument checks\n");
  }
  std::printf("%s: %d runs, %d failures\n", sg_cpu_isa(), runs, failures);
  return failures ? 1 : 0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int run_bench(const std::vector<int>& thread_counts, int rounds, const char* only) {
  std::printf("isa %s; GFLOP/s, median of %d interleaved rounds; ratio = ours / OpenBLAS\n", sg_cpu_isa(), rounds);
  std::printf("%-24s", "case");
  for (int t : thread_counts) std::printf(" | T=%d  ours   blas  ratio", t);
  if (thread_counts.size() > 1) std::printf(" | ours T%d/T%d", thread_counts.back(), thread_counts.front());
  std::printf(" | err | reruns\n");
  std::mt19937 rng(1);
  for (const Case& cs : kCases) {
    if (only && !std::strstr(cs.name, only)) continue;
    const int reruns_before = contended_runs;
    const size_t lda = cs.ta ? cs.m : cs.k, ldb = cs.tb ? cs.k : cs.n, ldc = cs.n;
    const auto a = random_floats(cs.m * cs.k, rng), b = random_floats(cs.k * cs.n, rng);
    std::vector<float> c(cs.m * cs.n, NAN);
    sg::cpu::gemm(nullptr, cs.ta, cs.tb, cs.m, cs.n, cs.k, 1, a.data(), lda, b.data(), ldb, 0, c.data(), ldc, nullptr,
                  SG_UNARY_AFFINE, 0);
    const double err = check_rows(cs, a, lda, b, ldb, c, c, ldc, 1, 0, nullptr, SG_UNARY_AFFINE, 0,
                                  cs.m * cs.n * cs.k > (1u << 27) ? 61 : 1);
    const double flops = 2.0 * cs.m * cs.n * cs.k;
    const int reps = std::max(1, int(0.03 / (flops / 60e9)));
    auto ours = [&](int calls) {
      for (int r = 0; r < calls; ++r)
        sg::cpu::gemm(nullptr, cs.ta, cs.tb, cs.m, cs.n, cs.k, 1, a.data(), lda, b.data(), ldb, 0, c.data(), ldc, nullptr,
                      SG_UNARY_AFFINE, 0);
    };
    auto blas = [&](int calls) {
      for (int r = 0; r < calls; ++r)
        cblas_sgemm(CblasRowMajor, cs.ta ? CblasTrans : CblasNoTrans, cs.tb ? CblasTrans : CblasNoTrans, int(cs.m),
                    int(cs.n), int(cs.k), 1.f, a.data(), int(lda), b.data(), int(ldb), 0.f, c.data(), int(ldc));
    };
    std::vector<std::vector<double>> t_ours(thread_counts.size()), t_blas(thread_counts.size());
    for (int round = 0; round < rounds; ++round) {
      for (size_t ti = 0; ti < thread_counts.size(); ++ti) {
        sg_cpu_set_threads(thread_counts[ti]);
        openblas_set_num_threads(thread_counts[ti]);
        for (int slot = 0; slot < 2; ++slot) {  // who goes first alternates between rounds
          const bool run_ours = (round + slot) % 2 == 0;
          // OpenBLAS's idle workers busy-wait ~0.1 s after a call: let them sleep before timing anything
          if (thread_counts[ti] > 1) std::this_thread::sleep_for(std::chrono::milliseconds(150));
          const auto run = [&](int calls) { run_ours ? ours(calls) : blas(calls); };
          (run_ours ? t_ours : t_blas)[ti].push_back(clean_time(run, reps, thread_counts[ti]));
        }
      }
    }
    std::printf("%-24s", cs.name);
    std::vector<double> g_ours;
    for (size_t ti = 0; ti < thread_counts.size(); ++ti) {
      const double go = flops / median(t_ours[ti]) * 1e-9, gb = flops / median(t_blas[ti]) * 1e-9;
      g_ours.push_back(go);
      std::printf(" |     %6.1f %6.1f  %5.3f", go, gb, go / gb);
    }
    if (thread_counts.size() > 1) std::printf(" |      %5.2fx", g_ours.back() / g_ours.front());
    std::printf(" | %.2g | %d\n", err, contended_runs - reruns_before);
    std::fflush(stdout);
  }
  std::printf("(%d timed runs were repeated because another process had taken a core)\n", contended_runs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--check") == 0) return run_check();
  std::vector<int> thread_counts;
  int rounds = 10;  // even: ours and OpenBLAS go first equally often
  const char* only = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--rounds=", 9) == 0) {
      rounds = std::max(1, std::atoi(argv[i] + 9));
    } else if (std::strncmp(argv[i], "--only=", 7) == 0) {
      only = argv[i] + 7;
    } else if (std::atoi(argv[i]) > 0) {
      thread_counts.push_back(std::atoi(argv[i]));
    }
  }
  if (thread_counts.empty()) thread_counts.push_back(1);
  return run_bench(thread_counts, rounds, only);
}
