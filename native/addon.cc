// The addon's entry point: registers every export of src/native.ts. Adding an op is one line in kOps
// (plus its body in an ops_*.cc file and its declaration in ops.h).
#include <napi.h>

#include "ops.h"

#ifndef SEMIGEN_VERSION
#define SEMIGEN_VERSION "0.0.0-dev"
#endif
#ifndef SEMIGEN_WITH_CUDA
#define SEMIGEN_WITH_CUDA 0
#endif

namespace sg::native {

static const OpEntry kOps[] = {
    {"isa", op_isa},
    {"threads", op_threads},
    {"setThreads", op_set_threads},
    {"fmaPeak", op_fma_peak},
    {"devices", op_devices},
    {"memoryStats", op_memory_stats},
    {"emptyCache", op_empty_cache},
    {"blockBytes", op_block_bytes},
    {"alloc", op_alloc},
    {"free", op_free},
    {"upload", op_upload},
    {"download", op_download},
    {"copy", op_copy},
    {"synchronize", op_synchronize},
    {"fill", op_fill},
    {"copy2d", op_copy2d},
    {"gemm", op_gemm},
    {"unary", op_unary},
    {"unaryBackward", op_unary_backward},
    {"binary", op_binary},
    {"reduce", op_reduce},
    {"softmax", op_softmax},
    {"softmaxXent", op_softmax_xent},
    {"sigmoidXent", op_sigmoid_xent},
    {"gaussianKl", op_gaussian_kl},
    {"batchnormForward", op_batchnorm_forward},
    {"batchnormBackward", op_batchnorm_backward},
    {"reparameterize", op_reparameterize},
    {"random", op_random},
    {"gatherRows", op_gather_rows},
    {"adam", op_adam},
    {"sgd", op_sgd},
};

static Napi::Object init(Napi::Env env, Napi::Object exports) {
  Storage::init(env);
  for (const OpEntry& op : kOps) {
    napi_value fn = nullptr;
    // The OpEntry rides along as the function's data, so one trampoline serves every export.
    NAPI_THROW_IF_FAILED(env, napi_create_function(env, op.name, NAPI_AUTO_LENGTH, entry,
                                                   const_cast<OpEntry*>(&op), &fn),
                         exports);
    exports.Set(op.name, Napi::Value(env, fn));
  }
  exports.Set("version", Napi::String::New(env, SEMIGEN_VERSION));
  exports.Set("cudaCompiled", Napi::Boolean::New(env, SEMIGEN_WITH_CUDA != 0));
  exports.Set("opLists", Napi::Value(env, op_lists_value(env)));
  return exports;
}

}  // namespace sg::native

static Napi::Object InitSemigen(Napi::Env env, Napi::Object exports) { return sg::native::init(env, exports); }

NODE_API_MODULE(semigen, InitSemigen)
