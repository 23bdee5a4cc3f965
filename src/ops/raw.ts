// Internal helpers shared by the ops: argument checks with the standard error messages, and thin wrappers that
// allocate an output and make one kernel call with explicit 2-D sizes and broadcast modes (used by forwards and
// by gradient rules, which need no validation). It imports no op file, so no op file's import comes back to it.
import { addon } from '../backend.js';
import { Axis, Binary, Broadcast, Reduce, Unary } from '../native.js';
import { Tensor, sameShape, shapeString } from '../tensor.js';

export { addon, sameShape, shapeString };

/** Throws "op: input tensor was disposed (shape [2,3])" when t cannot be read; checks that t is a Tensor at all. */
export function checkLive(op: string, t: Tensor, what = 'input'): void {
  if (!(t instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor, got ${describe(t)}`);
  if (t._disposed || t._ref.freed) t.assertLive(op, what);
}

/** Checks two live tensors on the same device. */
export function checkPair(op: string, a: Tensor, b: Tensor, aName = 'first input', bName = 'second input'): void {
  checkLive(op, a, aName);
  checkLive(op, b, bName);
  if (a.device !== b.device) {
    throw new Error(`${op}: ${aName} ${shapeString(a.shape)} is on ${a.device} but ${bName} ${shapeString(b.shape)} ` +
      `is on ${b.device}; move one with .to(device)`);
  }
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return `${typeof v} ${String(v)}`;
}

/** y = op(x) elementwise, shaped like x. */
export function unaryRaw(op: number, x: Tensor, alpha = 0, beta = 0): Tensor {
  const y = Tensor._empty(x.device, x.shape, x.size);
  addon().unary(op, x.size, x.storage, x.offset, y.storage, y.offset, alpha, beta);
  return y;
}

/** alpha * x + beta into a new tensor shaped `shape` (default x's). */
export function affineRaw(x: Tensor, alpha: number, beta = 0, shape: readonly number[] = x.shape): Tensor {
  const y = Tensor._empty(x.device, shape, x.size);
  addon().unary(Unary.affine, x.size, x.storage, x.offset, y.storage, y.offset, alpha, beta);
  return y;
}

/** dx = dy * op'(x) given x and/or y = op(x), shaped `shape`. */
export function unaryGradRaw(op: number, x: Tensor | null, y: Tensor | null, dy: Tensor, alpha: number,
  shape: readonly number[]): Tensor {
  const dx = Tensor._empty(dy.device, shape, dy.size);
  addon().unaryBackward(op, dy.size, x === null ? null : x.storage, x === null ? 0 : x.offset,
    y === null ? null : y.storage, y === null ? 0 : y.offset, dy.storage, dy.offset, dx.storage, dx.offset, alpha);
  return dx;
}

/** out (rows x cols, shaped `shape`) = a op b with each operand's broadcast mode. */
export function binaryRaw(op: number, rows: number, cols: number, a: Tensor, aMode: number, b: Tensor, bMode: number,
  shape: readonly number[]): Tensor {
  const out = Tensor._empty(a.device, shape, rows * cols);
  addon().binary(op, rows, cols, a.storage, a.offset, aMode, b.storage, b.offset, bMode, out.storage, out.offset);
  return out;
}

/** Reduces x viewed as rows x cols along `axis` (Axis.rows: one value per row) into a tensor shaped `shape`. */
export function reduceRaw(op: number, axis: number, rows: number, cols: number, x: Tensor,
  shape: readonly number[]): Tensor {
  const out = Tensor._empty(x.device, shape, axis === Axis.rows ? rows : cols);
  addon().reduce(op, axis, rows, cols, x.storage, x.offset, out.storage, out.offset);
  return out;
}

/** Broadcasts g (stored as `mode` says) to a full rows x cols tensor shaped `shape`: max(g, g) broadcast twice. */
export function expandRaw(g: Tensor, mode: number, rows: number, cols: number, shape: readonly number[]): Tensor {
  if (mode === Broadcast.full) return sameShape(g.shape, shape) ? g : Tensor._view(g, g.offset, shape);
  return binaryRaw(Binary.max, rows, cols, g, mode, g, mode, shape);
}

/**
 * The gradient of an operand broadcast with `mode` into a rows x cols result: g summed back to the operand's
 * shape. Returns g itself (or a view of it) when nothing was broadcast.
 */
export function reduceToMode(g: Tensor, mode: number, rows: number, cols: number, shape: readonly number[]): Tensor {
  switch (mode) {
    case Broadcast.full:
      return sameShape(g.shape, shape) ? g : Tensor._view(g, g.offset, shape);
    case Broadcast.row:
      return reduceRaw(Reduce.sum, Axis.cols, rows, cols, g, shape);
    case Broadcast.col:
      return reduceRaw(Reduce.sum, Axis.rows, rows, cols, g, shape);
    default:
      return reduceRaw(Reduce.sum, Axis.rows, 1, rows * cols, g, shape);
  }
}

/** A one-element tensor holding `value` on `device`. */
export function scalarRaw(device: string, value: number): Tensor {
  const t = Tensor._empty(device, [], 1);
  addon().fill(t.storage, t.offset, 1, value);
  return t;
}
