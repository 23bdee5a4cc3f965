// The kernel enums' JavaScript names, the op lists generated from op_lists.h, and the `opLists` export that lets
// src/backend.ts check, when it loads the addon, that the TypeScript build was made from the same lists.
#include "enum_names.h"

#include <napi.h>

namespace sg::native {

namespace {

const char* const kUnaryNameList[] = {
#define SG_UNARY_NAME(E, stem, name, ...) name,
    SG_UNARY_OPS(SG_UNARY_NAME)
#undef SG_UNARY_NAME
};

// gemm's `act`: the ops of gemm = 1, AFFINE meaning no activation
const char* const kGemmActivationList[] = {
#define SG_GEMM_NAME(E, stem, name, reads, layer, gemm, ...) \
  (SG_UNARY_##E == SG_UNARY_AFFINE ? "none" : (gemm) ? name : nullptr),
    SG_UNARY_OPS(SG_GEMM_NAME)
#undef SG_GEMM_NAME
};

const char* const kBinaryNameList[] = {
#define SG_BINARY_NAME(E, stem, name) name,
    SG_BINARY_OPS(SG_BINARY_NAME)
#undef SG_BINARY_NAME
};

const char* const kReduceNameList[] = {
#define SG_REDUCE_NAME(E, name) name,
    SG_REDUCE_OPS(SG_REDUCE_NAME)
#undef SG_REDUCE_NAME
};

const char* const kBroadcastNameList[] = {"full", "row", "col", "scalar"};
const char* const kAxisNameList[] = {"rows", "cols"};
const char* const kDistributionNameList[] = {"uniform", "normal", "bernoulli"};

template <size_t N>
constexpr EnumNames names_of(const char* const (&list)[N]) {
  return EnumNames{list, int(N)};
}

const char* backward_reads_name(sg_unary_op op) {
  switch (sg_unary_backward_reads(op)) {
    case SG_READS_INPUT: return "x";
    case SG_READS_OUTPUT: return "y";
    default: return "none";
  }
}

}  // namespace

const EnumNames kUnaryOps = names_of(kUnaryNameList);
const EnumNames kGemmActivations = names_of(kGemmActivationList);
const EnumNames kBinaryOps = names_of(kBinaryNameList);
const EnumNames kReduceOps = names_of(kReduceNameList);
const EnumNames kBroadcastModes = names_of(kBroadcastNameList);
const EnumNames kAxes = names_of(kAxisNameList);
const EnumNames kDistributions = names_of(kDistributionNameList);

napi_value op_lists_value(napi_env raw_env) {
  Napi::Env env(raw_env);
  Napi::Array unary = Napi::Array::New(env);
  const bool layer[] = {
#define SG_UNARY_LAYER(E, stem, name, reads, layer, ...) (layer) != 0,
      SG_UNARY_OPS(SG_UNARY_LAYER)
#undef SG_UNARY_LAYER
  };
  for (int op = 0; op < SG_UNARY_COUNT; op++) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("name", kUnaryNameList[op]);
    entry.Set("id", op);
    entry.Set("backward", backward_reads_name(sg_unary_op(op)));
    entry.Set("layer", layer[op]);
    entry.Set("gemm", sg_unary_in_gemm(op) != 0);
    unary.Set(uint32_t(op), entry);
  }
  const auto simple = [&](const EnumNames& names) {
    Napi::Array list = Napi::Array::New(env);
    for (int op = 0; op < names.count; op++) {
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("name", names.names[op]);
      entry.Set("id", op);
      list.Set(uint32_t(op), entry);
    }
    return list;
  };
  Napi::Object lists = Napi::Object::New(env);
  lists.Set("unary", unary);
  lists.Set("binary", simple(kBinaryOps));
  lists.Set("reduce", simple(kReduceOps));
  return lists;
}

}  // namespace sg::native
