// The addon's entry point: registers every export of src/native.ts with its schema (its parameters, which the
// bodies read by name). Adding an op is one line in kExports (plus its body in an ops_*.cc file, its declaration
// in ops.h, and its signature in src/native.ts, which test/native/schema.test.js checks against this list).
#include <napi.h>

#include "ops.h"

#ifndef SEMIGEN_VERSION
#define SEMIGEN_VERSION "0.0.0-dev"
#endif
#ifndef SEMIGEN_WITH_CUDA
#define SEMIGEN_WITH_CUDA 0
#endif

namespace sg::native {

using namespace param;

// The schema: every export with its parameters in call order. A tensor parameter `x` is two JS arguments,
// x and xOff; test/native/schema.test.js holds src/native.ts to this list.
static const OpEntry kExports[] = {
    {"isa", op_isa, {}},
    {"threads", op_threads, {}},
    {"setThreads", op_set_threads, {size("n")}},
    {"fmaPeak", op_fma_peak, {size("threads"), finite("seconds")}},
    {"devices", op_devices, {}},
    {"memoryStats", op_memory_stats, {device("device")}},
    {"emptyCache", op_empty_cache, {device("device")}},
    {"blockBytes", op_block_bytes, {size("length")}},
    {"alloc", op_alloc, {device("device"), size("length")}},
    {"free", op_free, {storage("s")}},
    {"upload", op_upload, {tensor("dst"), float32_array("data")}},
    {"download", op_download, {tensor("src"), size("length")}},
    {"copy", op_copy, {tensor("src"), tensor("dst"), size("length")}},
    {"synchronize", op_synchronize, {device("device")}},
    {"fill", op_fill, {tensor("out"), size("n"), number("value")}},
    {"copy2d", op_copy2d, {size("rows"), size("cols"), tensor("src"), size("lds"), tensor("dst"), size("ldd")}},
    {"gemm", op_gemm,
     {flag("transA"), flag("transB"), size("m"), size("n"), size("k"), number("alpha"), tensor("a"), size("lda"),
      tensor("b"), size("ldb"), number("beta"), tensor("c"), size("ldc"), optional_tensor("bias"),
      choice("act", kGemmActivations), number("actAlpha")}},
    {"unary", op_unary,
     {choice("op", kUnaryOps), size("n"), tensor("x"), tensor("y"), number("alpha"), number("beta")}},
    {"unaryBackward", op_unary_backward,
     {choice("op", kUnaryOps), size("n"), optional_tensor("x"), optional_tensor("y"), tensor("dy"), tensor("dx"),
      number("alpha")}},
    {"binary", op_binary,
     {choice("op", kBinaryOps), size("rows"), size("cols"), tensor("a"), choice("aMode", kBroadcastModes),
      tensor("b"), choice("bMode", kBroadcastModes), tensor("out")}},
    {"reduce", op_reduce,
     {choice("op", kReduceOps), choice("axis", kAxes), size("rows"), size("cols"), tensor("x"), tensor("out")}},
    {"softmax", op_softmax, {flag("log"), size("rows"), size("cols"), tensor("x"), tensor("out")}},
    {"softmaxXent", op_softmax_xent,
     {size("rows"), size("cols"), tensor("logits"), optional_tensor("labels"), optional_tensor("targets"),
      tensor("loss"), optional_tensor("dlogits")}},
    {"sigmoidXent", op_sigmoid_xent,
     {size("rows"), size("cols"), tensor("logits"), tensor("targets"), tensor("loss"), optional_tensor("dlogits")}},
    {"gaussianKl", op_gaussian_kl,
     {size("rows"), size("cols"), tensor("mu"), tensor("logvar"), tensor("loss"), optional_tensor("dmu"),
      optional_tensor("dlogvar")}},
    {"batchnormForward", op_batchnorm_forward,
     {size("rows"), size("cols"), tensor("x"), finite("eps"), tensor("y"), tensor("mean"), tensor("invstd"),
      optional_tensor("variance")}},
    {"batchnormBackward", op_batchnorm_backward,
     {size("rows"), size("cols"), tensor("dy"), tensor("y"), tensor("invstd"), tensor("dx")}},
    {"reparameterize", op_reparameterize,
     {size("n"), tensor("mu"), tensor("logvar"), seed("seed"), seed("offset"), optional_tensor("eps"),
      tensor("z")}},
    {"random", op_random,
     {choice("dist", kDistributions), size("n"), seed("seed"), seed("offset"), finite("p1"), finite("p2"),
      tensor("out")}},
    {"gatherRows", op_gather_rows,
     {size("rows"), size("cols"), tensor("src"), size("srcRows"), int32_array("index"), tensor("out")}},
    {"adam", op_adam,
     {tensor_list("params"), tensor_list("grads"), tensor_list("m"), tensor_list("v"), finite("lr"),
      finite("beta1"), finite("beta2"), finite("eps"), finite("weightDecay"), flag("decoupled"), size("step")}},
    {"sgd", op_sgd,
     {tensor_list("params"), tensor_list("grads"), optional_tensor_list("velocity"), finite("lr"),
      finite("momentum"), finite("weightDecay"), flag("nesterov")}},
    {"lerp", op_lerp, {tensor_list("targets"), tensor_list("sources"), finite("rate")}},
};

// { export: [{ name, kind }] } of kExports, for the TypeScript side to be checked against.
static Napi::Object schema_value(Napi::Env env) {
  Napi::Object schema = Napi::Object::New(env);
  for (const OpEntry& op : kExports) {
    Napi::Array params = Napi::Array::New(env);
    for (const Param* p = op.params; p != op.params + op.param_count; ++p) {
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("name", p->name);
      entry.Set("kind", kind_name(p->kind));
      params.Set(params.Length(), entry);
    }
    schema.Set(op.name, params);
  }
  return schema;
}

static Napi::Object init(Napi::Env env, Napi::Object exports) {
  Storage::init(env);
  for (const OpEntry& op : kExports) {
    size_t arguments = 0;
    for (size_t i = 0; i < op.param_count && i < OpEntry::kMaxParams; i++) arguments += arguments_of(op.params[i].kind);
    if (op.param_count > OpEntry::kMaxParams || arguments > Call::kMaxArgs) {  // what OpEntry holds, Call reads
      NAPI_THROW(Napi::Error::New(env, std::string("semigen: ") + op.name + " has more parameters than Call reads"),
                 exports);
    }
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
  exports.Set("schema", schema_value(env));
  return exports;
}

}  // namespace sg::native

static Napi::Object InitSemigen(Napi::Env env, Napi::Object exports) { return sg::native::init(env, exports); }

NODE_API_MODULE(semigen, InitSemigen)
