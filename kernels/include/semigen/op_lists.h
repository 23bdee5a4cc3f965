/* The op lists of the kernel ABI: every unary, binary and reduction op named once, in enum order (ids from 0).
 *
 * X-macros: SG_UNARY_OPS(X) expands X(...) once per unary op, and likewise for the binary ops and the
 * reductions. kernels.h builds the C enums and the per-op facts from them; the CPU and CUDA kernels their
 * switches; native/ its name tables; scripts/generate-op-lists.mjs the TypeScript lists (src/op-lists.ts at
 * build time), which the addon's own copy (its `opLists` export) is checked against when it loads.
 *
 * A new unary op is one line here plus its scalar formula, unary_<stem> and unary_<stem>_backward in
 * kernels/common/scalar_math.h, which both devices compile. Keep one op per line, in this exact form: the
 * generator reads this file as text.
 */
#ifndef SEMIGEN_OP_LISTS_H
#define SEMIGEN_OP_LISTS_H

/* Unary ops y = f(x) and their backward dx = dy * f'(x): X(ENUM, stem, "name", reads, layer, gemm, cost, grad_cost)
 *   ENUM       SG_UNARY_<ENUM> in C
 *   stem       the scalar formulas' names: unary_<stem>(x, alpha, beta), unary_<stem>_backward(x or y, dy, alpha)
 *   "name"     the op's name in JavaScript and in messages
 *   reads      what the backward reads besides dy: INPUT (x), OUTPUT (y = f(x)) or NOTHING
 *   layer      1: a layer nonlinearity (`activation` of linear, Linear and MLP; AFFINE stands for 'none')
 *   gemm       1: the GEMM epilogue applies it (gemm's `act`; AFFINE means none)
 *   cost       CHEAP (a few flops per element) or HEAVY (exp, log, division chains) for the forward and the
 *   grad_cost  backward: how much work the CPU gives each thread
 * alpha and beta are the op's parameters where it has any (affine: alpha x + beta; leakyRelu: the slope alpha;
 * fillMissing: the value alpha that replaces NaN). New ops go at the end: an op's id is its position. */
#define SG_UNARY_OPS(X)                                                        \
  X(AFFINE, affine, "affine", NOTHING, 0, 1, CHEAP, CHEAP)                    \
  X(RELU, relu, "relu", INPUT, 1, 1, CHEAP, CHEAP)                            \
  X(LEAKY_RELU, leaky_relu, "leakyRelu", INPUT, 1, 1, CHEAP, CHEAP)           \
  X(SIGMOID, sigmoid, "sigmoid", OUTPUT, 1, 1, HEAVY, CHEAP)                  \
  X(TANH, tanh, "tanh", OUTPUT, 1, 1, HEAVY, CHEAP)                           \
  X(SOFTPLUS, softplus, "softplus", INPUT, 1, 0, HEAVY, HEAVY)                \
  X(EXP, exp, "exp", OUTPUT, 0, 0, HEAVY, CHEAP)                              \
  X(LOG, log, "log", INPUT, 0, 0, HEAVY, CHEAP)                               \
  X(SQUARE, square, "square", INPUT, 0, 0, CHEAP, CHEAP)                      \
  X(SQRT, sqrt, "sqrt", OUTPUT, 0, 0, CHEAP, CHEAP)                           \
  X(ABS, abs, "abs", INPUT, 0, 0, CHEAP, CHEAP)                               \
  X(MISSING_MASK, missing_mask, "missingMask", NOTHING, 0, 0, CHEAP, CHEAP)   \
  X(FILL_MISSING, fill_missing, "fillMissing", INPUT, 0, 0, CHEAP, CHEAP)   \
  X(GELU, gelu, "gelu", INPUT, 1, 0, HEAVY, HEAVY)

/* Binary ops out = a op b: X(ENUM, stem, "name"); the formula is binary_<stem>(a, b) in scalar_math.h. */
#define SG_BINARY_OPS(X)  \
  X(ADD, add, "add")      \
  X(SUB, sub, "sub")      \
  X(MUL, mul, "mul")      \
  X(DIV, div, "div")      \
  X(MAX, max, "max")      \
  X(MIN, min, "min")

/* Reductions of a row or a column: X(ENUM, "name"). Each is its own algorithm on each device (reduce.cc,
 * reduce.cu), so a new one is also a case there (the compilers' -Wswitch names the switches that miss it). */
#define SG_REDUCE_OPS(X)        \
  X(SUM, "sum")                 \
  X(MEAN, "mean")               \
  X(MAX, "max")                 \
  X(LOGSUMEXP, "logsumexp")

#endif /* SEMIGEN_OP_LISTS_H */
