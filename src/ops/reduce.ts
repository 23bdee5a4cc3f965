// Reductions (sum, mean, max, logsumexp) over all elements or one axis, and softmax / logSoftmax along the last
// axis. Axis -1 (or rank-1) reduces along each row of the 2-D view; axis 0 of a 2-D tensor reduces down columns.
import { Axis, Binary, Broadcast, Reduce, Unary } from '../native.js';
import { needsGrad, record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import {
  addon, affineRaw, binaryRaw, checkLive, expandRaw, reduceRaw, shapeString, unaryGradRaw, unaryRaw,
} from './raw.js';

/** How one reduction views its input: the kernel axis, the 2-D sizes and how the result broadcasts back. */
interface ReducePlan {
  axis: number;
  rows: number;
  cols: number;
  /** broadcast mode of the result against the rows x cols input (for gradients) */
  mode: number;
  shape: number[];
}

function reducePlan(name: string, x: Tensor, axis: number | null | undefined, keepDims: boolean): ReducePlan {
  const rank = x.shape.length;
  if (axis === undefined || axis === null) {
    const shape = keepDims ? new Array<number>(rank).fill(1) : [];
    return { axis: Axis.rows, rows: 1, cols: x.size, mode: Broadcast.scalar, shape };
  }
  const a = Number.isInteger(axis) && axis < 0 ? rank + axis : axis;
  if (rank > 0 && a === rank - 1) {
    const shape = x.shape.slice(0, -1);
    if (keepDims) shape.push(1);
    return { axis: Axis.rows, rows: x.rows, cols: x.cols, mode: Broadcast.col, shape };
  }
  if (rank === 2 && a === 0) {
    return { axis: Axis.cols, rows: x.rows, cols: x.cols, mode: Broadcast.row, shape: keepDims ? [1, x.cols] : [x.cols] };
  }
  throw new Error(`${name}: axis ${String(axis)} is not supported for shape ${shapeString(x.shape)} ` +
    '(use -1 for the last axis, 0 on a 2-D tensor, or no axis for all elements)');
}

function reduceOp(name: string, op: number, x: Tensor, axis: number | null | undefined, keepDims: boolean): Tensor {
  checkLive(name, x);
  const p = reducePlan(name, x, axis, keepDims);
  if (x.size === 0) throw new Error(`${name}: cannot reduce an empty tensor ${shapeString(x.shape)}`);
  const out = reduceRaw(op, p.axis, p.rows, p.cols, x, p.shape);
  if (!needsGrad(x)) return out;
  return record(out, name, [x], (g) => {
    switch (op) {
      case Reduce.sum:
        return [expandRaw(g, p.mode, p.rows, p.cols, x.shape)];
      case Reduce.mean: {
        const count = p.mode === Broadcast.row ? p.rows : p.cols;
        const gs = affineRaw(g, 1 / count);
        const gx = expandRaw(gs, p.mode, p.rows, p.cols, x.shape);
        gs.dispose();
        return [gx];
      }
      case Reduce.max: {
        // d = max - x is 0 exactly at the arg-max: gx = gE - gE * (d > 0). Tied maxima each get the gradient.
        const d = binaryRaw(Binary.sub, p.rows, p.cols, out, p.mode, x, Broadcast.full, x.shape);
        const gE = expandRaw(g, p.mode, p.rows, p.cols, x.shape);
        const off = unaryGradRaw(Unary.relu, d, null, gE, 0, x.shape);
        const gx = binaryRaw(Binary.sub, p.rows, p.cols, gE, Broadcast.full, off, Broadcast.full, x.shape);
        d.dispose();
        off.dispose();
        gE.dispose();
        return [gx];
      }
      default: {
        // d logsumexp / dx = exp(x - lse)
        const d = binaryRaw(Binary.sub, p.rows, p.cols, x, Broadcast.full, out, p.mode, x.shape);
        const e = unaryRaw(Unary.exp, d);
        d.dispose();
        const gx = binaryRaw(Binary.mul, p.rows, p.cols, e, Broadcast.full, g, p.mode, x.shape);
        e.dispose();
        return [gx];
      }
    }
  });
}

/** Sum of all elements, or along an axis (-1: each row; 0: each column of a 2-D tensor). */
export function sum(x: Tensor, axis?: number | null, keepDims = false): Tensor {
  return reduceOp('sum', Reduce.sum, x, axis, keepDims);
}

/** Mean of all elements, or along an axis. */
export function mean(x: Tensor, axis?: number | null, keepDims = false): Tensor {
  return reduceOp('mean', Reduce.mean, x, axis, keepDims);
}

/** Maximum of all elements, or along an axis; the gradient goes to the arg-max. */
export function max(x: Tensor, axis?: number | null, keepDims = false): Tensor {
  return reduceOp('max', Reduce.max, x, axis, keepDims);
}

/** log(sum(exp(x))) of all elements, or along an axis, computed stably. */
export function logsumexp(x: Tensor, axis?: number | null, keepDims = false): Tensor {
  return reduceOp('logsumexp', Reduce.logsumexp, x, axis, keepDims);
}

function checkLastAxis(name: string, x: Tensor, axis: number): void {
  const rank = x.shape.length;
  if (rank === 0 || (axis !== -1 && axis !== rank - 1)) {
    throw new Error(`${name}: only the last axis is supported, got axis ${axis} for shape ${shapeString(x.shape)}`);
  }
}

/** softmax along the last axis */
export function softmax(x: Tensor, axis = -1): Tensor {
  checkLive('softmax', x);
  checkLastAxis('softmax', x, axis);
  const y = Tensor._empty(x.device, x.shape, x.size);
  addon().softmax(false, x.rows, x.cols, x.storage, x.offset, y.storage, y.offset);
  if (!needsGrad(x)) return y;
  return record(y, 'softmax', [x], (g) => {
    // dx = y * (g - sum(g * y)) per row
    const gy = binaryRaw(Binary.mul, x.rows, x.cols, g, Broadcast.full, y, Broadcast.full, x.shape);
    const s = reduceRaw(Reduce.sum, Axis.rows, x.rows, x.cols, gy, [x.rows]);
    gy.dispose();
    const t = binaryRaw(Binary.sub, x.rows, x.cols, g, Broadcast.full, s, Broadcast.col, x.shape);
    s.dispose();
    const gx = binaryRaw(Binary.mul, x.rows, x.cols, t, Broadcast.full, y, Broadcast.full, x.shape);
    t.dispose();
    return [gx];
  });
}

/** log(softmax(x)) along the last axis, computed stably */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  checkLive('logSoftmax', x);
  checkLastAxis('logSoftmax', x, axis);
  const y = Tensor._empty(x.device, x.shape, x.size);
  addon().softmax(true, x.rows, x.cols, x.storage, x.offset, y.storage, y.offset);
  if (!needsGrad(x)) return y;
  return record(y, 'logSoftmax', [x], (g) => {
    // dx = g - exp(y) * sum(g) per row
    const s = reduceRaw(Reduce.sum, Axis.rows, x.rows, x.cols, g, [x.rows]);
    const p = unaryRaw(Unary.exp, y);
    const t = binaryRaw(Binary.mul, x.rows, x.cols, p, Broadcast.full, s, Broadcast.col, x.shape);
    p.dispose();
    s.dispose();
    const gx = binaryRaw(Binary.sub, x.rows, x.cols, g, Broadcast.full, t, Broadcast.full, x.shape);
    t.dispose();
    return [gx];
  });
}

// ---- Tensor methods (t.sum() ...): one-line forwards to the ops above, attached where the ops are defined ----

declare module '../tensor.js' {
  interface Tensor {
    sum(axis?: number | null, keepDims?: boolean): Tensor;
    mean(axis?: number | null, keepDims?: boolean): Tensor;
    max(axis?: number | null, keepDims?: boolean): Tensor;
    logsumexp(axis?: number | null, keepDims?: boolean): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
  }
}

const p = Tensor.prototype;
p.sum = function (this: Tensor, axis?: number | null, keepDims?: boolean) { return sum(this, axis, keepDims); };
p.mean = function (this: Tensor, axis?: number | null, keepDims?: boolean) { return mean(this, axis, keepDims); };
p.max = function (this: Tensor, axis?: number | null, keepDims?: boolean) { return max(this, axis, keepDims); };
p.logsumexp = function (this: Tensor, axis?: number | null, keepDims?: boolean) { return logsumexp(this, axis, keepDims); };
p.softmax = function (this: Tensor, axis?: number) { return softmax(this, axis); };
p.logSoftmax = function (this: Tensor, axis?: number) { return logSoftmax(this, axis); };
