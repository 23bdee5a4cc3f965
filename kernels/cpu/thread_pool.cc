// The CPU kernels' thread pool: persistent std::threads (no OpenMP) sized to the CPUs this process may run
// on, or SEMIGEN_NUM_THREADS. A job is published by bumping an atomic ticket; workers spin on it for a
// short while after each job (ops come back to back during training, so most jobs start in well under a
// microsecond), then sleep on a condition variable. The calling thread takes a share of every job. Nested
// calls, and calls while another thread owns the pool, run serially on the caller.
#include <sched.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "cpu_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SG_SPIN_PAUSE() _mm_pause()
#else
#define SG_SPIN_PAUSE() std::this_thread::yield()
#endif

namespace sg::cpu {
namespace {

constexpr int kMaxThreads = 1024;
constexpr auto kSpinTime = std::chrono::microseconds(200);  // a worker's busy-wait before it sleeps

int default_threads() {
  if (const char* env = std::getenv("SEMIGEN_NUM_THREADS")) {
    const long n = std::strtol(env, nullptr, 10);
    if (n >= 1) return n > kMaxThreads ? kMaxThreads : int(n);
  }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? int(hw) : 1;
}

thread_local bool inside_job = false;  // set on pool threads and on a caller while it runs a job

class Pool {
 public:
  Pool() { start(default_threads()); }

  int size() const { return size_.load(std::memory_order_relaxed); }

  int resize(int n) {
    n = n < 1 ? default_threads() : n > kMaxThreads ? kMaxThreads : n;
    std::lock_guard<std::mutex> owner(owner_);
    if (n != size_.load()) {
      stop();
      start(n);
    }
    return size_.load();
  }

  // Runs call(ctx, t, tasks) for t in [0, tasks): participant q (0 = the caller) takes t = q, q + P, ...
  void run(int tasks, void* ctx, void (*call)(void*, int, int)) {
    std::unique_lock<std::mutex> owner(owner_, std::try_to_lock);
    const int size = size_.load(std::memory_order_relaxed);
    if (tasks <= 1 || size <= 1 || inside_job || !owner.owns_lock()) {
      for (int t = 0; t < tasks; ++t) call(ctx, t, tasks);
      return;
    }
    const int active = tasks < size ? tasks : size;
    ctx_ = ctx;
    call_ = call;
    tasks_ = tasks;
    pending_.store(active - 1, std::memory_order_relaxed);
    const uint64_t generation = (ticket_.load(std::memory_order_relaxed) >> 16) + 1;
    ticket_.store(generation << 16 | uint64_t(active));  // seq_cst: pairs with the sleepers_ check
    if (sleepers_.load() > 0) {
      { std::lock_guard<std::mutex> lock(sleep_mutex_); }  // a worker between its check and its wait sees the ticket
      wake_.notify_all();
    }
    inside_job = true;
    for (int t = 0; t < tasks; t += active) call(ctx, t, tasks);
    inside_job = false;
    for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins) {
      if (spins < 4096) {
        SG_SPIN_PAUSE();
      } else {
        std::this_thread::yield();  // a worker was descheduled: give its core back
      }
    }
  }

 private:
  void start(int n) {
    size_ = n;
    quit_ = false;
    const uint64_t generation = ticket_.load() >> 16;  // read here: a job may be published before a worker runs
    for (int q = 1; q < n; ++q) workers_.emplace_back([this, q, generation] { work(q, generation); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      quit_ = true;
      ticket_.store(((ticket_.load() >> 16) + 1) << 16);
    }
    wake_.notify_all();
    for (std::thread& w : workers_) w.join();
    workers_.clear();
  }

  void work(int q, uint64_t seen) {
    inside_job = true;  // a pool thread's own parallel calls run serially
    for (;;) {
      uint64_t ticket = wait_for_ticket(seen);
      if (quit_.load(std::memory_order_acquire)) return;
      seen = ticket >> 16;
      const int active = int(ticket & 0xffff);
      if (q >= active) continue;  // not needed this time: the job's fields are not ours to read
      for (int t = q; t < tasks_; t += active) call_(ctx_, t, tasks_);
      pending_.fetch_sub(1, std::memory_order_release);
    }
  }

  uint64_t wait_for_ticket(uint64_t seen) {
    const auto give_up = std::chrono::steady_clock::now() + kSpinTime;
    for (int spins = 0;; ++spins) {
      const uint64_t ticket = ticket_.load(std::memory_order_acquire);
      if ((ticket >> 16) != seen) return ticket;
      SG_SPIN_PAUSE();
      if ((spins & 255) == 255 && std::chrono::steady_clock::now() > give_up) break;
    }
    std::unique_lock<std::mutex> lock(sleep_mutex_);
    sleepers_.fetch_add(1);  // seq_cst: the caller either sees us here or we see its ticket below
    wake_.wait(lock, [&] { return (ticket_.load() >> 16) != seen; });
    sleepers_.fetch_sub(1);
    return ticket_.load(std::memory_order_acquire);
  }

  std::mutex owner_;  // held by the thread that dispatches a job, and by resize
  std::vector<std::thread> workers_;
  std::atomic<int> size_{1};
  // the job: written by the caller before the ticket (generation << 16 | participants) is published
  void* ctx_ = nullptr;
  void (*call_)(void*, int, int) = nullptr;
  int tasks_ = 0;
  std::atomic<uint64_t> ticket_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> quit_{false};
  std::atomic<int> sleepers_{0};
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
};

// Never destroyed: joining workers from a static destructor at process exit can deadlock.
Pool& pool() {
  static Pool* const instance = new Pool();
  return *instance;
}

}  // namespace

int num_threads() { return pool().size(); }

int set_num_threads(int n) { return pool().resize(n); }

void parallel_run_impl(int threads, void* ctx, void (*call)(void* ctx, int tid, int nthreads)) {
  if (threads <= 0) return;
  pool().run(threads, ctx, call);
}

void parallel_for_impl(size_t n, size_t grain, RangeFn fn) {
  if (n == 0) return;
  if (grain < 1) grain = 1;
  const size_t most = size_t(num_threads());
  const size_t chunks = n / grain < most ? n / grain : most;
  if (chunks <= 1 || inside_job) {
    fn.call(fn.ctx, 0, n);
    return;
  }
  struct Split {
    RangeFn fn;
    size_t n;
  } split{fn, n};
  parallel_run_impl(int(chunks), &split, [](void* ctx, int t, int count) {
    const Split& s = *static_cast<const Split*>(ctx);
    const size_t begin = s.n * size_t(t) / size_t(count), end = s.n * size_t(t + 1) / size_t(count);
    s.fn.call(s.fn.ctx, begin, end);
  });
}

}  // namespace sg::cpu

extern "C" int sg_cpu_threads(void) { return sg::cpu::num_threads(); }

extern "C" int sg_cpu_set_threads(int n) { return sg::cpu::set_num_threads(n); }
