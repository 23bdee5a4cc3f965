// The host checker's CUDA (host_cuda.h): launches run block by block, each thread of a block a fiber that the
// scheduler below resumes until it reaches a barrier; and the runtime calls that kernels/cuda/*.cu make, over
// kDevices host "devices". On x86-64 a fiber switch is a few instructions (fiber_switch below): the
// checker makes millions of them, and ucontext's swapcontext costs a system call each (the signal mask).
#include "host_cuda.h"

#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <vector>

// An event marks a position on the stream; a stream knows only its device.
struct CUevent_st {
  uint64_t recorded = 0;  // the stream position it marks
};

struct CUstream_st {
  int device;
};

// The linker's bounds of the __shared__ variables (host_cuda.h puts them in section sg_shared).
extern "C" char __start_sg_shared[], __stop_sg_shared[];

namespace sg::host_cuda {

Place here{};

namespace {

constexpr unsigned kWarp = 32;
constexpr size_t kStackBytes = 64 * 1024;

enum class State { ready, at_barrier, at_warp_barrier, done };

struct Fiber {
#if defined(__x86_64__)
  void* sp;  // the saved stack pointer: fiber_switch's frame on top
#else
  ucontext_t context;
#endif
  State state;
  unsigned shuffles;  // shuffles so far: their parity picks the exchange buffer
  bool at_shuffle;    // at a warp barrier: a shuffle's (else a __syncwarp's)
};

Order run_order = Order::forward;
unsigned grid_cap = 0;
unsigned blocks_launched = 0;
int current_device = 0;
bool fault_armed = false;    // the next launch faults
bool fault_pending = false;  // a launch faulted; the next synchronisation reports it
bool fault_sticky = false;   // reported: every call fails
int sms[kDevices] = {132, 1, 1 << 30};  // an H100's; one (every product takes the large tiles); any
uint64_t launch_count = 0;
std::string failure;           // what the emulation found wrong, kept for the checker's next report
cudaError_t failure_code = cudaSuccess;

void fail(cudaError_t code, const std::string& what) {
  if (!failure.empty()) return;
  failure = what;
  failure_code = code;
}

// The stream's queued copies (deferred copies only), each with its position.
struct Copy {
  uint64_t position;
  void* dst;
  const void* src;               // read when the copy runs (pinned source)
  std::vector<char> staged;      // or read when it was queued (pageable source)
  size_t bytes;
};
bool defer = false;
std::deque<Copy> queue;
uint64_t queued = 0;
std::map<const char*, size_t> pinned;  // cudaMallocHost blocks: start -> bytes
std::map<const char*, size_t> device_blocks;  // cudaMalloc blocks: start -> bytes

bool is_pinned(const void* p) {
  const char* c = static_cast<const char*>(p);
  auto it = pinned.upper_bound(c);
  if (it == pinned.begin()) return false;
  --it;
  return c < it->first + it->second;
}

// Runs the queued copies up to stream position `until`.
void run_queue(uint64_t until) {
  while (!queue.empty() && queue.front().position <= until) {
    Copy& c = queue.front();
    std::memmove(c.dst, c.staged.empty() ? c.src : c.staged.data(), c.bytes);
    queue.pop_front();
  }
}


// The block being run.
std::vector<Fiber> fibers;
// The fibers' stacks, kStackBytes each above a page that faults when touched (mmap), so that a fiber overflowing
// its stack stops the checker instead of writing over its neighbour's.
char* stacks = nullptr;
unsigned stack_count = 0;
size_t page_bytes = 0;

char* stack_of(unsigned t) { return stacks + size_t(t) * (kStackBytes + page_bytes) + page_bytes; }

void reserve_stacks(unsigned threads) {
  if (threads <= stack_count) return;
  if (stacks != nullptr) munmap(stacks, size_t(stack_count) * (kStackBytes + page_bytes));
  page_bytes = size_t(sysconf(_SC_PAGESIZE));
  const size_t bytes = size_t(threads) * (kStackBytes + page_bytes);
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    std::perror("host checker: mmap of the fiber stacks");
    std::abort();
  }
  stacks = static_cast<char*>(p);
  stack_count = threads;
  for (unsigned t = 0; t < threads; ++t) mprotect(stack_of(t) - page_bytes, page_bytes, PROT_NONE);
}
std::vector<float> exchange[2];  // a warp's shuffle values, one slot per thread
unsigned running = 0;
void (*body)(void*) = nullptr;
void* body_closure = nullptr;

void thread_main();

#if defined(__x86_64__)
}  // namespace
}  // namespace sg::host_cuda

// fiber_switch(from, to): pushes the callee-saved registers and the SSE/x87 control words, stores the stack
// pointer in *from, and pops the same from stack `to` (System V ABI: everything else is the caller's to save).
extern "C" void sg_fiber_switch(void** from, void* to);
asm(R"(
  .pushsection .text
  .globl sg_fiber_switch
  .hidden sg_fiber_switch
  .type sg_fiber_switch, @function
sg_fiber_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size sg_fiber_switch, .-sg_fiber_switch
  .popsection
)");

namespace sg::host_cuda {
namespace {

void* scheduler_sp = nullptr;

[[noreturn]] void fiber_entry() {
  thread_main();
  void* unused;
  sg_fiber_switch(&unused, scheduler_sp);  // never resumed
  std::abort();
}

// A fresh fiber's stack: the frame fiber_switch pops (control words, six registers) and fiber_entry as the return
// address, placed so that fiber_entry starts with the stack aligned as after a call.
void start_fiber(Fiber& f, char* stack) {
  uintptr_t top = (reinterpret_cast<uintptr_t>(stack) + kStackBytes) & ~uintptr_t(15);
  uint64_t* frame = reinterpret_cast<uint64_t*>(top) - 9;
  uint16_t fpu_control;
  asm volatile("fnstcw %0" : "=m"(fpu_control));
  frame[0] = uint64_t(_mm_getcsr()) | (uint64_t(fpu_control) << 32);
  for (int r = 1; r <= 6; ++r) frame[r] = 0;
  frame[7] = reinterpret_cast<uint64_t>(&fiber_entry);
  frame[8] = 0;
  f.sp = frame;
}

void resume(Fiber& f) { sg_fiber_switch(&scheduler_sp, f.sp); }
void suspend(Fiber& f) { sg_fiber_switch(&f.sp, scheduler_sp); }
#else
ucontext_t scheduler;

void start_fiber(Fiber& f, char* stack) {
  getcontext(&f.context);
  f.context.uc_stack.ss_sp = stack;
  f.context.uc_stack.ss_size = kStackBytes;
  f.context.uc_link = &scheduler;  // thread_main's return comes back to the scheduler
  makecontext(&f.context, thread_main, 0);
}

void resume(Fiber& f) { swapcontext(&scheduler, &f.context); }
void suspend(Fiber& f) { swapcontext(&f.context, &scheduler); }
#endif

void thread_main() {
  body(body_closure);
  fibers[running].state = State::done;
}

void wait(State state) {
  fibers[running].state = state;
  suspend(fibers[running]);
}

// Runs one block to its end; "" or what went wrong.
std::string run_block(unsigned block, unsigned threads) {
  // shared memory starts as garbage: NaN in every float of it
  const float poison = NAN;
  for (char* p = __start_sg_shared; p + sizeof(float) <= __stop_sg_shared; p += sizeof(float))
    std::memcpy(p, &poison, sizeof(float));
  for (unsigned t = 0; t < threads; ++t) {
    Fiber& f = fibers[t];
    start_fiber(f, stack_of(t));
    f.state = State::ready;
    f.shuffles = 0;
  }
  const unsigned warps = threads / kWarp;
  for (;;) {
    // each warp in turn runs until all its lanes wait at __syncthreads or are done: warps keep no pace with
    // one another between block barriers, as on a GPU
    for (unsigned i = 0; i < warps; ++i) {
      const unsigned w = run_order == Order::forward ? i : warps - 1 - i;
      for (;;) {
        for (unsigned j = 0; j < kWarp; ++j) {
          const unsigned t = w * kWarp + (run_order == Order::forward ? j : kWarp - 1 - j);
          if (fibers[t].state != State::ready) continue;
          running = t;
          here.thread = {t, 0, 0};
          here.block = {block, 0, 0};
          resume(fibers[t]);
        }
        unsigned waiting = 0;
        for (unsigned l = 0; l < kWarp; ++l) waiting += fibers[w * kWarp + l].state == State::at_warp_barrier;
        if (waiting == 0) break;
        if (waiting != kWarp)
          return "warp " + std::to_string(w) + ": " + std::to_string(waiting) +
                 " of its lanes wait at a shuffle or __syncwarp that the others never reach";
        for (unsigned l = 1; l < kWarp; ++l)
          if (fibers[w * kWarp + l].at_shuffle != fibers[w * kWarp].at_shuffle)
            return "warp " + std::to_string(w) + ": some lanes wait at a shuffle, others at a __syncwarp";
        for (unsigned l = 0; l < kWarp; ++l) fibers[w * kWarp + l].state = State::ready;
      }
    }
    unsigned done = 0, at_barrier = 0;
    for (const Fiber& f : fibers) {
      done += f.state == State::done;
      at_barrier += f.state == State::at_barrier;
    }
    if (done == threads) return "";
    if (done != 0)
      return std::to_string(at_barrier) + " threads wait at __syncthreads that " + std::to_string(done) +
             " threads, having returned, never reach";
    for (Fiber& f : fibers) f.state = State::ready;
  }
}

}  // namespace

void set_order(Order order) { run_order = order; }
Order order() { return run_order; }

void set_grid_cap(unsigned blocks) { grid_cap = blocks; }

uint64_t launches() { return launch_count; }
void inject_fault() { fault_armed = true; }
void clear_fault() { fault_armed = fault_pending = fault_sticky = false; }
unsigned last_blocks() { return blocks_launched; }

std::string take_failure() {
  std::string f;
  f.swap(failure);
  failure_code = cudaSuccess;
  return f;
}

void syncthreads() { wait(State::at_barrier); }

void syncwarp(unsigned mask) {
  if (mask != 0xffffffffu) fail(cudaErrorLaunchFailure, "__syncwarp with a partial mask");
  fibers[running].at_shuffle = false;
  wait(State::at_warp_barrier);
}

// Each lane leaves its value, waits for its warp, and reads its partner's. Successive shuffles alternate
// buffers: a lane can be one shuffle ahead of another, never two (the wait in between holds it).
float shfl_xor(unsigned mask, float value, int lane_mask) {
  if (mask != 0xffffffffu) fail(cudaErrorLaunchFailure, "shuffle with a partial mask");
  Fiber& f = fibers[running];
  std::vector<float>& slots = exchange[f.shuffles++ & 1];
  slots[running] = value;
  f.at_shuffle = true;
  wait(State::at_warp_barrier);
  const unsigned partner = (running & ~(kWarp - 1)) | ((running % kWarp) ^ unsigned(lane_mask));
  return slots[partner];
}

void run_grid(const char* kernel, unsigned blocks, unsigned threads, cudaStream_t stream, void (*run)(void*),
              void* closure) {
  ++launch_count;
  run_queue(queued);  // the copies queued before it have run when it starts (one stream: in order)
  if (fault_armed || fault_sticky) {  // the kernel faults (or the context is gone): nothing runs
    fault_pending = fault_pending || fault_armed;
    fault_armed = false;
    return;
  }
  if (stream != nullptr && stream->device != current_device) {
    fail(cudaErrorInvalidResourceHandle, std::string(kernel) + ": launched into cuda:" + std::to_string(stream->device) +
                                             "'s stream while cuda:" + std::to_string(current_device) + " is current");
    return;
  }
  if (blocks == 0 || threads == 0 || threads > 1024 || threads % kWarp != 0) {
    fail(cudaErrorInvalidConfiguration,
         std::string(kernel) + ": launch of " + std::to_string(blocks) + " x " + std::to_string(threads) + " threads");
    return;
  }
  if (grid_cap != 0 && blocks > grid_cap) blocks = grid_cap;
  blocks_launched = blocks;
  fibers.assign(threads, Fiber{});
  reserve_stacks(threads);
  for (auto& e : exchange) e.assign(threads, 0.f);
  body = run;
  body_closure = closure;
  here.block_dim = {threads, 1, 1};
  here.grid_dim = {blocks, 1, 1};
  for (unsigned i = 0; i < blocks; ++i) {
    const unsigned b = run_order == Order::forward ? i : blocks - 1 - i;
    const std::string why = run_block(b, threads);
    if (!why.empty()) {
      fail(cudaErrorLaunchFailure, std::string(kernel) + ", block " + std::to_string(b) + ": " + why);
      return;
    }
  }
}

void set_deferred_copies(bool on) {
  run_queue(queued);
  defer = on;
}

}  // namespace sg::host_cuda

// ---- the CUDA runtime calls of kernels/cuda/*.cu ----
using namespace sg::host_cuda;

cudaError_t cudaGetLastError() {
  if (fault_sticky) return cudaErrorIllegalAddress;
  if (failure.empty()) return cudaSuccess;
  return failure_code;
}

cudaError_t cudaStreamSynchronize(cudaStream_t) {
  if (fault_pending) fault_sticky = true, fault_pending = false;
  run_queue(queued);
  return cudaGetLastError();
}

cudaError_t cudaDeviceSynchronize() { return cudaStreamSynchronize(nullptr); }

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t) {
  if (fault_sticky) return cudaErrorIllegalAddress;
  if (bytes != 0 && (dst == nullptr || src == nullptr)) return cudaErrorInvalidValue;
  if (bytes == 0) return cudaSuccess;
  if (!defer) {
    std::memmove(dst, src, bytes);
    return cudaSuccess;
  }
  Copy c{++queued, dst, src, {}, bytes};
  if (kind == cudaMemcpyHostToDevice && !is_pinned(src)) c.staged.assign(static_cast<const char*>(src), static_cast<const char*>(src) + bytes);
  queue.push_back(std::move(c));
  return cudaSuccess;
}

// Host memory standing for device or pinned memory, its extent kept in `blocks`.
static cudaError_t allocate(std::map<const char*, size_t>& blocks, void** ptr, size_t bytes) {
  *ptr = std::malloc(bytes ? bytes : 1);
  if (*ptr == nullptr) return cudaErrorMemoryAllocation;
  blocks[static_cast<const char*>(*ptr)] = bytes;
  return cudaSuccess;
}

cudaError_t cudaMalloc(void** ptr, size_t bytes) { return allocate(device_blocks, ptr, bytes); }

// A real cudaFree happens to wait for the device; the entries must not count on it (a block freed under queued
// work could be handed out again), so here a block that a queued copy still touches is an error.
cudaError_t cudaFree(void* ptr) {
  const char* start = static_cast<const char*>(ptr);
  const auto block = device_blocks.find(start);
  if (block != device_blocks.end()) {
    const char* end = start + block->second;
    for (auto c = queue.begin(); c != queue.end();) {
      const char* d = static_cast<const char*>(c->dst);
      const char* s = static_cast<const char*>(c->src);
      if ((d < end && start < d + c->bytes) || (c->staged.empty() && s < end && start < s + c->bytes)) {
        fail(cudaErrorLaunchFailure, "cudaFree of a block that a queued copy still uses");
        c = queue.erase(c);  // it would touch freed memory
      } else {
        ++c;
      }
    }
    device_blocks.erase(block);
  }
  std::free(ptr);
  return cudaSuccess;
}

cudaError_t cudaMallocHost(void** ptr, size_t bytes) { return allocate(pinned, ptr, bytes); }

cudaError_t cudaFreeHost(void* ptr) {
  pinned.erase(static_cast<const char*>(ptr));
  std::free(ptr);
  return cudaSuccess;
}

cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned) {
  *event = new CUevent_st;
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
  delete event;
  return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t) {
  event->recorded = queued;
  return cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) {
  if (fault_pending) fault_sticky = true, fault_pending = false;
  run_queue(event->recorded);
  return cudaGetLastError();
}

cudaError_t cudaGetDevice(int* device) {
  *device = current_device;
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
  if (device < 0 || device >= kDevices) return cudaErrorInvalidDevice;
  current_device = device;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceCount(int* count) {
  *count = kDevices;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (device < 0 || device >= kDevices) return cudaErrorInvalidDevice;
  std::snprintf(prop->name, sizeof prop->name, "host checker GPU %d", device);
  prop->totalGlobalMem = size_t(1) << 30;
  prop->major = 9;
  prop->minor = 0;
  return cudaSuccess;
}

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned) {
  *stream = new CUstream_st{current_device};
  return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attribute, int device) {
  if (attribute != cudaDevAttrMultiProcessorCount || device < 0 || device >= kDevices) return cudaErrorInvalidValue;
  *value = sg::host_cuda::sms[device];
  return cudaSuccess;
}

const char* cudaGetErrorString(cudaError_t error) {
  switch (error) {
    case cudaSuccess: return "no error";
    case cudaErrorLaunchFailure: return "unspecified launch failure";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorIllegalAddress: return "an illegal memory access was encountered";
    default: return "error";
  }
}

const char* cudaGetErrorName(cudaError_t error) {
  switch (error) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
    case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorIllegalAddress: return "cudaErrorIllegalAddress";
    default: return "cudaError";
  }
}
