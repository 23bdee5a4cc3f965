// The CPU kernels' thread pool: persistent std::threads (no OpenMP) sized to the CPUs this process may run
// on, or SEMIGEN_NUM_THREADS. A job is published as one atomic word (generation, task count, next task);
// workers spin on it for a short while after each job (ops come back to back during training, so most
// jobs start within a microsecond), then sleep on a condition variable. The calling thread claims tasks
// too. Nested calls, and calls while another thread owns the pool, run serially on the caller.
#include <sched.h>

#include <algorithm>
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
// A worker's busy-wait after the last job ends: training runs ops back to back with gaps of JavaScript
// between them, and waking a sleeping thread measured 0.1-1 ms on a virtual machine.
constexpr auto kSpinTime = std::chrono::milliseconds(1);
constexpr auto kLongestSpin = std::chrono::milliseconds(5);  // beyond this one wake-up costs nothing much

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

// The published job word: generation (32 bits) | task count (16) | next unclaimed task (16).
constexpr int kMaxTasks = 0xffff;
inline uint64_t generation_of(uint64_t word) { return word >> 32; }

class Pool {
 public:
  Pool() { resize(default_threads()); }

  int size() const { return size_.load(std::memory_order_relaxed); }

  // Shrinking parks the surplus workers and growing wakes them (or starts new ones): no thread churn
  // when a benchmark or a user switches counts back and forth.
  int resize(int n) {
    if (inside_job) return size();  // from inside a job: the job's caller owns the pool
    n = n < 1 ? default_threads() : n > kMaxThreads ? kMaxThreads : n;
    std::lock_guard<std::mutex> owner(owner_);
    const uint64_t generation = generation_of(job_.load());  // read here: a job may come before a worker runs
    for (int q = int(workers_.size()) + 1; q < n; ++q) {
      workers_.emplace_back([this, q, generation] { work(q, generation); });
      workers_.back().detach();  // the pool lives until the process ends
    }
    {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      size_.store(n);
    }
    park_.notify_all();
    return n;
  }

  // Runs call(ctx, t, tasks) once for each t in [0, tasks). Tasks are claimed from the job word by whoever
  // is free, the caller included, so a worker that wakes late (its core busy elsewhere) finds nothing
  // left and the call does not wait for it; a worker touches the job only after claiming a task of it.
  void run(int tasks, void* ctx, void (*call)(void*, int, int)) {
    std::unique_lock<std::mutex> owner(owner_, std::try_to_lock);
    if (tasks <= 1 || tasks > kMaxTasks || size() <= 1 || inside_job || !owner.owns_lock()) {
      for (int t = 0; t < tasks; ++t) call(ctx, t, tasks);
      return;
    }
    ctx_ = ctx;
    call_ = call;
    done_.store(0, std::memory_order_relaxed);
    running_.store(true, std::memory_order_relaxed);
    const uint64_t generation = generation_of(job_.load(std::memory_order_relaxed)) + 1;
    job_.store(generation << 32 | uint64_t(tasks) << 16);  // seq_cst: pairs with the sleepers_ check
    if (sleepers_.load() > 0) {
      { std::lock_guard<std::mutex> lock(sleep_mutex_); }  // a worker between its check and its wait sees the job
      wake_.notify_all();
    }
    inside_job = true;
    const int mine = run_tasks(generation);
    inside_job = false;
    for (int spins = 0; done_.load(std::memory_order_acquire) + mine != tasks;) {
      if (spins < 4096) {
        ++spins;
        SG_SPIN_PAUSE();
      } else {
        std::this_thread::yield();  // the thread running the last task was descheduled
      }
    }
    running_.store(false, std::memory_order_relaxed);
  }

 private:
  // Claims and runs tasks of job `generation` until none is left; returns how many it ran.
  int run_tasks(uint64_t generation) {
    int ran = 0;
    uint64_t word = job_.load(std::memory_order_acquire);
    while (generation_of(word) == generation && (word & 0xffff) < ((word >> 16) & 0xffff)) {
      if (job_.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        call_(ctx_, int(word & 0xffff), int((word >> 16) & 0xffff));
        ++ran;
        word = job_.load(std::memory_order_acquire);
      }
    }
    return ran;
  }

  // Worker q (1-based; the caller is participant 0) while q < size(), parked otherwise.
  void work(int q, uint64_t seen) {
    inside_job = true;  // a pool thread's own parallel calls run serially
    for (;;) {
      if (q >= size()) {
        std::unique_lock<std::mutex> lock(sleep_mutex_);
        park_.wait(lock, [&] { return q < size(); });
        seen = generation_of(job_.load());  // only jobs published from now on
      }
      seen = wait_for_job(seen);
      if (q >= size()) continue;
      const int ran = run_tasks(seen);
      if (ran) done_.fetch_add(ran, std::memory_order_release);
    }
  }

  // Spins for a new generation until kSpinTime after the last job ends (at most kLongestSpin), then
  // sleeps; returns the new generation. (Timing the spin from this worker's own last task instead lets a
  // worker that missed a job fall asleep while the caller does the work alone, and so miss the next one.)
  uint64_t wait_for_job(uint64_t seen) {
    using Clock = std::chrono::steady_clock;
    const Clock::time_point start = Clock::now();
    Clock::time_point give_up = start + kSpinTime;
    for (unsigned spins = 0;; ++spins) {
      const uint64_t generation = generation_of(job_.load(std::memory_order_acquire));
      if (generation != seen) return generation;
      SG_SPIN_PAUSE();
      if ((spins & 255) == 255) {
        const Clock::time_point now = Clock::now();
        if (running_.load(std::memory_order_relaxed)) give_up = std::min(now + kSpinTime, start + kLongestSpin);
        if (now > give_up) break;
      }
    }
    std::unique_lock<std::mutex> lock(sleep_mutex_);
    sleepers_.fetch_add(1);  // seq_cst: the caller either sees us here or we see its job below
    wake_.wait(lock, [&] { return generation_of(job_.load()) != seen; });
    sleepers_.fetch_sub(1);
    return generation_of(job_.load(std::memory_order_acquire));
  }

  std::mutex owner_;  // held by the thread that dispatches a job, and by resize
  std::vector<std::thread> workers_;  // detached; workers_[q - 1] is worker q
  std::atomic<int> size_{1};
  // the job: ctx_ and call_ are written by the caller before job_ is published
  void* ctx_ = nullptr;
  void (*call_)(void*, int, int) = nullptr;
  std::atomic<uint64_t> job_{0};
  std::atomic<int> done_{0};  // tasks finished by workers in the current job
  std::atomic<bool> running_{false};  // a job is in progress (keeps idle workers spinning)
  std::atomic<int> sleepers_{0};
  std::mutex sleep_mutex_;
  std::condition_variable wake_;  // idle workers wait here for the next job
  std::condition_variable park_;  // workers beyond size() wait here
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
