// The names JavaScript uses for the kernel enums: the op lists of op_lists.h, the GEMM epilogue's activations
// (AFFINE being 'none' there), broadcast modes, axes and distributions. Call::choice reads an enum argument
// against one of them; the addon exports the op lists (`opLists`) for the TypeScript side to check its copy.
#pragma once

#include <node_api.h>

#include "semigen/kernels.h"

namespace sg::native {

// An enum's names by value; a null name marks a value the argument may not take.
struct EnumNames {
  const char* const* names;
  int count;
  bool allows(int value) const { return value >= 0 && value < count && names[value] != nullptr; }
};

extern const EnumNames kUnaryOps;         // sg_unary_op
extern const EnumNames kGemmActivations;  // the sg_unary_op values gemm's epilogue applies
extern const EnumNames kBinaryOps;        // sg_binary_op
extern const EnumNames kReduceOps;        // sg_reduce_op
extern const EnumNames kBroadcastModes;   // sg_broadcast
extern const EnumNames kAxes;             // sg_axis
extern const EnumNames kDistributions;    // sg_distribution

// { unary: [{ name, id, backward: 'x' | 'y' | 'none', layer, gemm }], binary: [{ name, id }], reduce: [...] }
napi_value op_lists_value(napi_env env);

}  // namespace sg::native
