// Matrix products on the GEMM kernel: matmul with either operand transposed, and linear = x·W + b with the bias
// and activation fused into the GEMM epilogue. W is stored [in, out]. Gradients are GEMMs too, plus one column
// reduction for the bias and one unaryBackward through the fused activation.
import { Axis, Reduce, UNARY_OPS, Unary } from '../native.js';
import { leafGradTarget, needsGrad, needsGrad2, record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { addon, checkPair, reduceRaw, sameShape, shapeString, unaryGradRaw } from './raw.js';
import { activate, checkActivation, type Activation } from './activations.js';

/** c = op(a)·op(b) into a new m x n tensor (no checks, no graph). */
function gemmRaw(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Tensor, lda: number, b: Tensor,
  ldb: number, shape: readonly number[]): Tensor {
  const c = Tensor._empty(a.device, shape, m * n);
  addon().gemm(transA, transB, m, n, k, 1, a.storage, a.offset, lda, b.storage, b.offset, ldb, 0, c.storage, c.offset,
    n, null, 0, Unary.affine, 0);
  return c;
}

/**
 * The gradient op(a)·op(b) of `input`: added straight into input's existing leaf gradient by a beta = 1 GEMM when
 * there is one (returning null: nothing left to accumulate), else a new tensor.
 */
function gemmGrad(input: Tensor, transA: boolean, transB: boolean, m: number, n: number, k: number, a: Tensor,
  lda: number, b: Tensor, ldb: number): Tensor | null {
  const target = leafGradTarget(input);
  if (target === null) return gemmRaw(transA, transB, m, n, k, a, lda, b, ldb, input.shape);
  addon().gemm(transA, transB, m, n, k, 1, a.storage, a.offset, lda, b.storage, b.offset, ldb, 1, target.storage,
    target.offset, n, null, 0, Unary.affine, 0);
  return null;
}

export interface MatmulOptions {
  /** use a's transpose (a stored k x m) */
  transA?: boolean;
  /** use b's transpose (b stored n x k) */
  transB?: boolean;
}

/** op(a)·op(b) for 2-D a and b (a may have more dimensions when not transposed: its rows are flattened). */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  checkPair('matmul', a, b);
  const transA = options.transA === true;
  const transB = options.transB === true;
  if (b.shape.length !== 2 || a.shape.length < 1 || (transA && a.shape.length !== 2)) {
    throw new Error(`matmul: expected 2-D operands, got ${shapeString(a.shape)} and ${shapeString(b.shape)}`);
  }
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const kb = transB ? b.cols : b.rows;
  const n = transB ? b.rows : b.cols;
  if (k !== kb) {
    throw new Error(`matmul: inner sizes differ: ${shapeString(a.shape)}${transA ? 'ᵀ' : ''} · ` +
      `${shapeString(b.shape)}${transB ? 'ᵀ' : ''} (${k} vs ${kb})`);
  }
  const shape = transA || a.shape.length === 2 ? [m, n] : [...a.shape.slice(0, -1), n];
  const c = gemmRaw(transA, transB, m, n, k, a, a.cols, b, b.cols, shape);
  if (!needsGrad2(a, b)) return c;
  return record(c, 'matmul', [a, b], (g) => {
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (a.requiresGrad) {
      // a: m x k (stored k x m when transA)
      ga = transA
        ? gemmGrad(a, transB, true, k, m, n, b, b.cols, g, n) // (op(b)·gᵀ): k x m
        : gemmGrad(a, false, !transB, m, k, n, g, n, b, b.cols); // g·op(b)ᵀ: m x k
    }
    if (b.requiresGrad) {
      gb = transB
        ? gemmGrad(b, true, transA, n, k, m, g, n, a, a.cols) // gᵀ·op(a): n x k
        : gemmGrad(b, !transA, false, k, n, m, a, a.cols, g, n); // op(a)ᵀ·g: k x n
    }
    return [ga, gb];
  });
}

/** activation name → the op the GEMM epilogue applies (gemm = 1 in the op list; affine is 'none' there) */
const EPILOGUE: ReadonlyMap<string, number> = new Map(UNARY_OPS.filter((op) => op.gemm)
  .map((op) => [op.id === Unary.affine ? 'none' : op.name, op.id]));

/**
 * y = act(x·W + b + addend) in one fused GEMM: x [..., in], W [in, out], b [out] or [1, out] or null, addend null
 * or shaped like y (copied into y, then the GEMM adds into it with beta = 1: a layer whose input is split into
 * parts, one of them computed once and shared, costs no concatenation). Activations outside the epilogue
 * (softplus) are applied as a separate op. `slope` is leakyRelu's.
 */
export function linear(x: Tensor, W: Tensor, b: Tensor | null, activation: Activation = 'none', slope = 0.01,
  addend: Tensor | null = null): Tensor {
  checkPair('linear', x, W, 'x', 'W');
  const act = checkActivation('linear', activation);
  if (W.shape.length !== 2 || x.shape.length < 1 || x.cols !== W.shape[0]) {
    throw new Error(`linear: x ${shapeString(x.shape)} does not fit W ${shapeString(W.shape)} (W is [in, out])`);
  }
  const inF = W.shape[0];
  const outF = W.shape[1];
  if (b !== null) {
    checkPair('linear', x, b, 'x', 'bias');
    if (b.size !== outF || b.cols !== outF) {
      throw new Error(`linear: bias ${shapeString(b.shape)} does not fit W ${shapeString(W.shape)} (expected [${outF}])`);
    }
  }
  const rows = x.rows;
  const shape = x.shape.length === 2 ? [rows, outF] : [...x.shape.slice(0, -1), outF];
  if (addend !== null) {
    checkPair('linear', x, addend, 'x', 'addend');
    if (addend.size !== rows * outF || addend.cols !== outF) {
      throw new Error(`linear: addend ${shapeString(addend.shape)} does not fit the output ${shapeString(shape)}`);
    }
  }
  const epilogue = EPILOGUE.get(act);
  if (epilogue === undefined) return activate(linear(x, W, b, 'none', slope, addend), act, slope);
  const y = Tensor._empty(x.device, shape, rows * outF);
  if (addend !== null && y.size > 0) addon().copy(addend.storage, addend.offset, y.storage, y.offset, y.size);
  addon().gemm(false, false, rows, outF, inF, 1, x.storage, x.offset, inF, W.storage, W.offset, outF,
    addend === null ? 0 : 1, y.storage, y.offset, outF, b === null ? null : b.storage, b === null ? 0 : b.offset,
    epilogue, slope);
  const addendGrad = addend !== null && needsGrad(addend);
  if (!needsGrad2(x, W) && !(b !== null && needsGrad(b)) && !addendGrad) return y;
  const inputs = [x, W];
  if (b !== null) inputs.push(b);
  if (addend !== null) inputs.push(addend);
  return record(y, 'linear', inputs, (g) => {
    // Derivatives that read x (relu, leakyRelu) read the sign of the pre-activation, which y shares.
    const dz = epilogue === Unary.affine ? g
      : UNARY_OPS[epilogue].backward === 'y' ? unaryGradRaw(epilogue, null, y, g, slope, shape)
        : unaryGradRaw(epilogue, y, null, g, slope, shape);
    const dx = x.requiresGrad ? gemmGrad(x, false, true, rows, inF, outF, dz, outF, W, outF) : null;
    const dW = W.requiresGrad ? gemmGrad(W, true, false, inF, outF, rows, x, inF, dz, outF) : null;
    const db = b !== null && b.requiresGrad ? reduceRaw(Reduce.sum, Axis.cols, rows, outF, dz, b.shape) : null;
    const grads = [dx, dW];
    if (b !== null) grads.push(db);
    if (addend !== null && addendGrad && sameShape(dz.shape, addend.shape)) {
      grads.push(dz); // the addend's gradient is dz itself, handed over
      return grads;
    }
    if (addend !== null) grads.push(addendGrad ? Tensor._view(dz, dz.offset, addend.shape) : null);
    if (dz !== g) dz.dispose();
    return grads;
  });
}

// ---- Tensor methods (t.matmul() ...): one-line forwards to the ops above, attached where the ops are defined ----

declare module '../tensor.js' {
  interface Tensor {
    matmul(b: Tensor, options?: MatmulOptions): Tensor;
  }
}

Tensor.prototype.matmul = function (this: Tensor, b: Tensor, options?: MatmulOptions) { return matmul(this, b, options); };
