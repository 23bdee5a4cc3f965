// The CPU sg_kernels table (kernels.h): every entry of SG_KERNEL_ENTRIES points at the kernel of that name in
// kernels/cpu/. native/ reaches the CPU only through this table.
#include "cpu_internal.h"
#include "cpu_kernels.h"

namespace sg::cpu {
namespace {

const sg_kernels kCpuKernels = {
    "cpu",
#define SG_TABLE_ENTRY(name, parameters) name,
    SG_KERNEL_ENTRIES(SG_TABLE_ENTRY)
#undef SG_TABLE_ENTRY
};

}  // namespace
}  // namespace sg::cpu

extern "C" const sg_kernels* sg_cpu_kernels(void) { return &sg::cpu::kCpuKernels; }
