// The one error helper of the addon: every failure becomes an OpError whose text names the op, and the
// N-API entry trampoline (call.cc) turns it into a thrown JS Error. Nothing here touches JS itself.
#pragma once

#include <node_api.h>

#include <exception>
#include <string>

#include "semigen/kernels.h"

namespace sg::native {

// The message is complete ("gemm: A is 128x784 but ..."); what() hands it to napi_throw_error.
class OpError : public std::exception {
 public:
  explicit OpError(std::string message) : message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

// printf-style formatting into a std::string (only on error paths, so allocation is fine).
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Throws OpError("<op>: <formatted text>").
[[noreturn]] void fail(const std::string& op, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// A JS number written as JS would print it: "NaN", "Infinity", "1.5", "128".
std::string js_number(double value);

// What a JS value is, for "expected X, got Y" messages: "undefined", "a string", "Float64Array", "12".
std::string describe_value(napi_env env, napi_value value);

// A kernel status in words: "invalid argument", "out of memory", ...
const char* status_text(sg_status status);

}  // namespace sg::native
