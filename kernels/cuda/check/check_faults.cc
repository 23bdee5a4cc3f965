// Host checks of faults.h: which CUDA error codes count as a lost context, and the error text of each kind; and,
// through device.cu and the kernel table compiled for the host, a fault in a kernel as the caller meets it.
#include <string>

#include "faults.h"
#include "harness.h"
#include "host_cuda.h"

namespace sg::check {

namespace {

bool has(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

std::string text_of(const char* what, int code, const char* first, bool synced) {
  char out[1024];
  sg::cuda::fault_text(out, sizeof out, what, "an illegal memory access was encountered", "cudaErrorIllegalAddress",
                       sg::cuda::is_sticky_fault(code), first, synced);
  return out;
}

}  // namespace

void check_faults() {
  // illegal address, launch failure, assert, illegal instruction, misaligned address are sticky; out of
  // memory (2), invalid value (1) and a configuration error (9) leave the context usable
  bool ok = true;
  for (int code : {700, 702, 710, 714, 715, 716, 717, 718, 719}) ok = ok && sg::cuda::is_sticky_fault(code);
  for (int code : {0, 1, 2, 9, 98, 209, 999}) ok = ok && !sg::cuda::is_sticky_fault(code);
  report("fault classification", ok ? "" : "a code is classified wrongly");

  const std::string plain = text_of("gemm", 2, "", false);
  report("fault text not sticky", has(plain, "gemm: ") && !has(plain, "lost") ? "" : "got: " + plain);

  const std::string here = text_of("softmax_xent", 700, "softmax_xent", false);
  report("fault text sticky",
         has(here, "softmax_xent: an illegal memory access") && has(here, "the CUDA context is lost") &&
                 has(here, "must restart") && has(here, "SEMIGEN_CUDA_SYNC=1") && !has(here, "first reported")
             ? ""
             : "got: " + here);

  const std::string later = text_of("copy_to_host", 700, "softmax_xent", false);
  report("fault text sticky, reported later",
         has(later, "copy_to_host: ") && has(later, "(first reported by softmax_xent)") ? "" : "got: " + later);

  const std::string synced = text_of("softmax_xent", 700, "softmax_xent", true);
  report("fault text sticky, synchronised",
         has(synced, "must restart") && !has(synced, "SEMIGEN_CUDA_SYNC") ? "" : "got: " + synced);

  // a kernel faults. By default its launch returns, the next synchronisation reports the lost context with the
  // SEMIGEN_CUDA_SYNC=1 advice, and every later call fails naming it; with SEMIGEN_CUDA_SYNC=1 (device.cu reads
  // it once) the launch itself reports the fault under its own name
  const bool synced_mode = sg::cuda::sync_launches();
  const sg_kernels& table = *sg_cuda_kernels();
  const sg_stream stream = sg_cuda_stream(0);
  std::vector<float> out(64);
  sg::host_cuda::inject_fault();
  const sg_status launched = table.fill(stream, out.size(), 1.f, out.data());
  const std::string at_launch = sg_cuda_last_error();
  const sg_status synced_status = table.synchronize(0, stream);
  const std::string at_sync = sg_cuda_last_error();
  const sg_status after = table.fill(stream, out.size(), 1.f, out.data());
  const std::string later_text = sg_cuda_last_error();
  sg::host_cuda::clear_fault();
  sg::host_cuda::take_failure();
  std::string failure;
  const auto lost = [&](const std::string& text) { return has(text, "illegal memory access") && has(text, "must restart"); };
  if (synced_mode) {
    if (launched != SG_ERR_DEVICE || !has(at_launch, "fill: ") || !lost(at_launch) || has(at_launch, "SEMIGEN_CUDA_SYNC"))
      failure = "the faulting launch: " + at_launch + "; ";
    if (synced_status != SG_ERR_DEVICE || !lost(at_sync) || !has(at_sync, "(first reported by fill)"))
      failure += "synchronize: " + at_sync;
  } else {
    if (launched != SG_OK) failure = "the faulting launch itself failed: " + at_launch + "; ";
    if (synced_status != SG_ERR_DEVICE || !lost(at_sync) || !has(at_sync, "SEMIGEN_CUDA_SYNC=1")) failure += "synchronize: " + at_sync + "; ";
    if (after != SG_ERR_DEVICE || !has(later_text, "fill: ") || !lost(later_text) || !has(later_text, "first reported by "))
      failure += "the next call: " + later_text;
  }
  report(std::string("a faulting kernel met through the kernel table") +
             (synced_mode ? ", SEMIGEN_CUDA_SYNC=1: reported by its own launch" : ": reported at the next synchronisation, then by every call"),
         failure);
}

}  // namespace sg::check
