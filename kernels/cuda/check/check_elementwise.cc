// Host checks of the elementwise CUDA entries (unary, unary_backward, binary in every broadcast mode, copy_2d,
// gather_rows, fill) against the CPU kernels; and of their bodies on a capped grid and with 64-bit indices, which
// the entries pick only past 2^32 elements.
#include "bodies/elementwise.cuh"
#include "harness.h"

namespace sg::check {

namespace {

namespace body = sg::cuda::body;
const sg_kernels& cpu() { return *sg_cpu_kernels(); }

// Report names: the ops' stems in op_lists.h (leaky_relu ...).
const char* const kUnaryNames[] = {
#define SG_UNARY_STEM(E, stem, ...) #stem,
    SG_UNARY_OPS(SG_UNARY_STEM)
#undef SG_UNARY_STEM
};
const char* const kBinaryNames[] = {
#define SG_BINARY_STEM(E, stem, ...) #stem,
    SG_BINARY_OPS(SG_BINARY_STEM)
#undef SG_BINARY_STEM
};
const char* const kModeNames[] = {"full", "row", "col", "scalar"};

// Ops whose float results must match the CPU bit for bit (one correctly rounded operation or none).
bool exact_unary(sg_unary_op op) {
  return op == SG_UNARY_RELU || op == SG_UNARY_LEAKY_RELU || op == SG_UNARY_SQUARE || op == SG_UNARY_SQRT ||
         op == SG_UNARY_ABS;
}

std::vector<float> unary_inputs(Rng& r, sg_unary_op op, size_t n) {
  if (op == SG_UNARY_LOG || op == SG_UNARY_SQRT) return r.floats(n, 1e-3f, 20.f);
  std::vector<float> x = r.floats(n, -12.f, 12.f);
  if (n > 3) x[0] = 0.f, x[1] = -0.f, x[2] = 1e-8f;
  return x;
}

void check_unary(size_t n) {
  Rng r(n);
  for (int o = 0; o < SG_UNARY_COUNT; ++o) {
    const sg_unary_op op = sg_unary_op(o);
    const std::vector<float> x = unary_inputs(r, op, n);
    const float alpha = op == SG_UNARY_LEAKY_RELU ? 0.2f : 1.5f, beta = -0.25f;
    std::vector<float> y = nans(n), expected = nans(n);
    gpu(sg::cuda::unary(nullptr, op, n, x.data(), y.data(), alpha, beta), "unary");
    cpu().unary(nullptr, op, n, x.data(), expected.data(), alpha, beta);
    const std::string name = std::string("unary ") + kUnaryNames[o] + " n=" + std::to_string(n);
    report(name, exact_unary(op) ? compare_bits(y, expected) : compare(y, expected, 1e-6, 4e-6));

    // backward from x and y = op(x), with the operand the op does not need left NULL
    const std::vector<float> dy = r.floats(n);
    std::vector<float> dx = nans(n), dx_expected = nans(n);
    const sg_reads reads = sg_unary_backward_reads(op);
    const float* xp = reads == SG_READS_INPUT ? x.data() : nullptr;
    const float* yp = reads == SG_READS_OUTPUT ? expected.data() : nullptr;
    gpu(sg::cuda::unary_backward(nullptr, op, n, xp, yp, dy.data(), dx.data(), alpha), "unary_backward");
    cpu().unary_backward(nullptr, op, n, xp, yp, dy.data(), dx_expected.data(), alpha);
    report("unary_backward " + name.substr(6), compare(dx, dx_expected, 1e-6, 4e-6));
  }
}

template <class Index>
void check_binary(sg_binary_op op, size_t rows, size_t cols, const char* index_name) {
  Rng r(rows * 1000 + cols + op);
  for (int am = 0; am < 4; ++am)
    for (int bm = 0; bm < 4; ++bm) {
      const sg_broadcast a_mode = sg_broadcast(am), b_mode = sg_broadcast(bm);
      // full-size storage whatever the mode (a mode reads a prefix), so a wrong mode reads inside
      std::vector<float> a = r.floats(rows * cols), b = r.floats(rows * cols, 0.5f, 2.f);
      if (a.size() > 2) a[1] = NAN;  // max / min propagate NaN like the CPU
      std::vector<float> out = nans(rows * cols), expected = nans(rows * cols);
      if (sizeof(Index) == 4) {
        gpu(sg::cuda::binary(nullptr, op, rows, cols, a.data(), a_mode, b.data(), b_mode, out.data()), "binary");
      } else {
        for_each_thread(body::grid_for(rows * cols), body::kThreads, [&](Thread t) {
          body::binary_thread<Index>(t, op, Index(rows), Index(cols), a.data(), a_mode, b.data(), b_mode, out.data());
        });
      }
      cpu().binary(nullptr, op, rows, cols, a.data(), a_mode, b.data(), b_mode, expected.data());
      report(std::string("binary ") + kBinaryNames[op] + " " + std::to_string(rows) + "x" + std::to_string(cols) + " a " +
                 kModeNames[am] + " b " + kModeNames[bm] + " (" + index_name + " index" + (sizeof(Index) == 4 ? ")" : ", body)"),
             compare_bits(out, expected));
    }
}

void check_copy_2d(size_t rows, size_t cols, size_t lds, size_t ldd) {
  Rng r(rows * 31 + cols);
  const std::vector<float> src = r.floats(rows ? (rows - 1) * lds + cols : 0);
  std::vector<float> dst(rows ? (rows - 1) * ldd + cols + 3 : 3, 7.5f), expected = dst;  // gaps hold 7.5
  gpu(sg::cuda::copy_2d(nullptr, rows, cols, src.data(), lds, dst.data(), ldd), "copy_2d");
  cpu().copy_2d(nullptr, rows, cols, src.data(), lds, expected.data(), ldd);
  report("copy_2d " + std::to_string(rows) + "x" + std::to_string(cols) + " lds " + std::to_string(lds) + " ldd " +
             std::to_string(ldd),
         compare_bits(dst, expected));
}

void check_gather(size_t rows, size_t cols, size_t src_rows) {
  Rng r(rows + 7 * cols);
  const std::vector<float> src = r.floats(src_rows * cols);
  std::vector<int32_t> index(rows);
  for (auto& i : index) i = int32_t(r.next() % src_rows);
  std::vector<float> out = nans(rows * cols), expected = nans(rows * cols);
  gpu(sg::cuda::gather_rows(nullptr, rows, cols, src.data(), src_rows, index.data(), out.data()), "gather_rows");
  cpu().gather_rows(nullptr, rows, cols, src.data(), src_rows, index.data(), expected.data());
  const std::string name = "gather_rows " + std::to_string(rows) + "x" + std::to_string(cols);
  report(name, compare_bits(out, expected));
  // an index out of range (native/ refuses it first) gives a NaN row, never a read outside src
  index[rows - 1] = int32_t(src_rows);
  gpu(sg::cuda::gather_rows(nullptr, rows, cols, src.data(), src_rows, index.data(), out.data()), "gather_rows");
  bool nan_row = true;
  for (size_t c = 0; c < cols; ++c) nan_row = nan_row && std::isnan(out[(rows - 1) * cols + c]);
  report(name + " bad index gives NaN", nan_row ? "" : "the row of a bad index is not NaN");
}

}  // namespace

void check_elementwise() {
  for (size_t n : {size_t(1), size_t(7), size_t(129), size_t(1000), size_t(100003)}) check_unary(n);
  {  // a grid smaller than the elements (as past the launcher's grid cap of kMaxBlocks): threads loop
    const size_t n = 100003;
    Rng r(5);
    const std::vector<float> x = r.floats(n);
    std::vector<float> y = nans(n), expected = nans(n);
    for_each_thread(3, body::kThreads,
                    [&](Thread t) { body::unary_thread(t, SG_UNARY_RELU, n, x.data(), y.data(), 0.f, 0.f); });
    cpu().unary(nullptr, SG_UNARY_RELU, n, x.data(), expected.data(), 0.f, 0.f);
    report("unary relu n=100003 on a 3-block grid (body)", compare_bits(y, expected));
  }
  for (size_t n : {size_t(1), size_t(1000), size_t(70001)}) {
    std::vector<float> y = nans(n + 1);
    gpu(sg::cuda::fill(nullptr, n, -2.5f, y.data()), "fill");
    std::vector<float> expected(n, -2.5f);
    expected.push_back(NAN);  // one past the end: untouched
    report("fill n=" + std::to_string(n), compare_bits(y, expected));
  }
  const size_t shapes[][2] = {{1, 1}, {1, 7}, {7, 1}, {7, 129}, {129, 33}};
  for (int op = 0; op < SG_BINARY_COUNT; ++op)
    for (const auto& s : shapes) check_binary<uint32_t>(sg_binary_op(op), s[0], s[1], "32-bit");
  check_binary<size_t>(SG_BINARY_SUB, 33, 129, "64-bit");
  check_binary<size_t>(SG_BINARY_DIV, 7, 1, "64-bit");
  for (size_t rows : {1, 7, 129})
    for (size_t cols : {1, 7, 129}) {
      check_copy_2d(rows, cols, cols, cols);
      check_copy_2d(rows, cols, cols + 3, cols + 17);
    }
  for (size_t rows : {1, 7, 129})
    for (size_t cols : {1, 7, 129}) check_gather(rows, cols, 1000);
}

}  // namespace sg::check
