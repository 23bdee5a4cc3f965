// Which CUDA errors leave the context unusable, and the one text that says so. After such a fault ("sticky":
// an illegal address, a trap, a failed launch) every later CUDA call of the process fails with the same error,
// so the only cure is a new process. Plain C++ with the codes as ints (device.cu checks them against
// cudaError_t), so the host checker (kernels/cuda/check/) tests it without the CUDA runtime.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstring>

namespace sg::cuda {

// cudaErrorIllegalAddress, LaunchTimeout, Assert, HardwareStackError, IllegalInstruction, MisalignedAddress,
// InvalidAddressSpace, InvalidPc, LaunchFailure
constexpr int kStickyFaults[] = {700, 702, 710, 714, 715, 716, 717, 718, 719};

inline bool is_sticky_fault(int code) {
  for (int f : kStickyFaults)
    if (f == code) return true;
  return false;
}

// The error text of `what` failing with `error` (its runtime description and name). A sticky fault says the
// context is lost and the process must restart; `first` names where it was first reported ("" when here),
// and without `synced` (SEMIGEN_CUDA_SYNC=1) the op named may not be the one at fault: kernels run ahead.
inline void fault_text(char* out, size_t len, const char* what, const char* description, const char* name,
                       bool sticky, const char* first, bool synced) {
  if (!sticky) {
    std::snprintf(out, len, "%s: %s (%s)", what, description, name);
    return;
  }
  const bool earlier = first[0] != '\0' && std::strcmp(first, what) != 0;
  std::snprintf(out, len,
                "%s: %s (%s); the CUDA context is lost%s%s%s: every later CUDA call fails, the process must restart "
                "to use the GPU again%s",
                what, description, name, earlier ? " (first reported by " : "", earlier ? first : "", earlier ? ")" : "",
                synced ? "" : "; the op at fault may be an earlier one (kernels run ahead of the host): rerun with "
                              "SEMIGEN_CUDA_SYNC=1 to name it");
}

}  // namespace sg::cuda
