// Host checks of faults.h: which CUDA error codes count as a lost context, and the error text of each kind.
#include <string>

#include "faults.h"
#include "harness.h"

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
}

}  // namespace sg::check
