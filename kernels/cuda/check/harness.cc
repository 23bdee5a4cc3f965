// The host checker's comparisons: tolerance and bit-for-bit checks that name the worst element.
#include <cstring>

#include "harness.h"

namespace sg::check {

namespace {

std::string describe(size_t i, float actual, float expected, double tol) {
  char text[160];
  std::snprintf(text, sizeof text, "element %zu is %.9g, expected %.9g (tolerance %.3g)", i, actual, expected, tol);
  return text;
}

}  // namespace

std::string compare_tol(const std::vector<float>& actual, const std::vector<float>& expected,
                        const std::vector<double>& tol) {
  if (actual.size() != expected.size()) return "length differs";
  size_t worst = SIZE_MAX;
  double worst_excess = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    const double a = actual[i], e = expected[i];
    if (std::isnan(e) && std::isnan(a)) continue;
    if (std::isinf(e) && a == e) continue;
    const double excess = std::fabs(a - e) - tol[i];
    if (!(excess <= 0) && (worst == SIZE_MAX || !(excess <= worst_excess))) {
      worst = i;
      worst_excess = excess;
      if (std::isnan(a) || std::isnan(e)) break;
    }
  }
  return worst == SIZE_MAX ? "" : describe(worst, actual[worst], expected[worst], tol[worst]);
}

std::string compare(const std::vector<float>& actual, const std::vector<float>& expected, double atol, double rtol,
                    bool nan_ok) {
  std::vector<double> tol(expected.size());
  for (size_t i = 0; i < tol.size(); ++i) tol[i] = atol + rtol * std::fabs(double(expected[i]));
  if (!nan_ok)
    for (size_t i = 0; i < actual.size() && i < expected.size(); ++i)
      if (std::isnan(actual[i]) || std::isnan(expected[i]))
        return describe(i, actual[i], expected[i], tol[i]) + " (NaN)";
  return compare_tol(actual, expected, tol);
}

std::string compare_bits(const std::vector<float>& actual, const std::vector<float>& expected) {
  if (actual.size() != expected.size()) return "length differs";
  for (size_t i = 0; i < actual.size(); ++i)
    if (std::memcmp(&actual[i], &expected[i], sizeof(float)) != 0) return describe(i, actual[i], expected[i], 0) + " (bits)";
  return "";
}

}  // namespace sg::check
