// Shape and copy ops: reshape (a view, no copy), detach, clone, to(device), concatCols / sliceCols (copy2d,
// with gradients), gatherRows (row selection by index for batching; no gradient), repeatRows (a tensor stacked
// k times), concatRows and sliceRows (a view), the last three with gradients.
import { Axis, Reduce } from '../native.js';
import { needsGrad, record } from '../autograd.js';
import { Tensor, checkDevice, type Device } from '../tensor.js';
import { addon, checkLive, describe, reduceRaw, shapeString } from './raw.js';

/** Resolves one -1 in `shape` against `size`. */
function resolveShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) throw new Error(`${op}: shape must be an array, got ${describe(shape)}`);
  const out = shape.slice();
  let infer = -1;
  let known = 1;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === -1 && infer < 0) infer = i;
    else if (!Number.isInteger(out[i]) || out[i] < 0) throw new Error(`${op}: bad shape ${shapeString(shape)}`);
    else known *= out[i];
  }
  if (infer >= 0) {
    if (known === 0 || x.size % known !== 0) {
      throw new Error(`${op}: cannot reshape ${shapeString(x.shape)} into ${shapeString(shape)}`);
    }
    out[infer] = x.size / known;
  } else if (known !== x.size) {
    throw new Error(`${op}: cannot reshape ${shapeString(x.shape)} (${x.size} elements) into ${shapeString(shape)}`);
  }
  return out;
}

/** A view of x with another shape (same elements, shared storage, no copy); one dimension may be -1. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkLive('reshape', x);
  const s = resolveShape('reshape', x, shape);
  const y = Tensor._view(x, x.offset, s);
  if (!needsGrad(x)) return y;
  return record(y, 'reshape', [x], (g) => [Tensor._view(g, g.offset, x.shape)]);
}

/** A view of x's storage outside the graph: same values, no gradient. */
export function detach(x: Tensor): Tensor {
  checkLive('detach', x);
  return Tensor._view(x, x.offset, x.shape);
}

/** A copy of x in new storage (differentiable). */
export function clone(x: Tensor): Tensor {
  checkLive('clone', x);
  const y = Tensor._empty(x.device, x.shape, x.size);
  if (x.size > 0) addon().copy(x.storage, x.offset, y.storage, y.offset, x.size);
  if (!needsGrad(x)) return y;
  return record(y, 'clone', [x], (g) => [g]);
}

/** x on another device (differentiable); x itself when it is already there. */
export function to(x: Tensor, device: Device): Tensor {
  checkLive('to', x);
  const d = checkDevice('to', device);
  if (d === x.device) return x;
  const y = Tensor._empty(d, x.shape, x.size);
  if (x.size > 0) addon().copy(x.storage, x.offset, y.storage, y.offset, x.size);
  if (!needsGrad(x)) return y;
  return record(y, 'to', [x], (g) => [to(g, x.device)]);
}

/** Copies columns [start, start + cols) of src (row stride lds) to dst at column dstCol (row stride ldd). */
function copyCols(rows: number, cols: number, src: Tensor, srcCol: number, lds: number, dst: Tensor, dstCol: number,
  ldd: number): void {
  if (rows > 0 && cols > 0) {
    addon().copy2d(rows, cols, src.storage, src.offset + srcCol, lds, dst.storage, dst.offset + dstCol, ldd);
  }
}

/** Joins tensors along the last axis; all must share every other dimension and the device. */
export function concatCols(tensors: readonly Tensor[]): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('concatCols: expected a non-empty array of tensors');
  const first = tensors[0];
  checkLive('concatCols', first, 'tensor 0');
  const lead = first.shape.slice(0, -1);
  let total = 0;
  let grad = false;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i];
    checkLive('concatCols', t, `tensor ${i}`);
    if (t.device !== first.device || t.shape.length !== first.shape.length || t.shape.length === 0 ||
        t.rows !== first.rows || shapeString(t.shape.slice(0, -1)) !== shapeString(lead)) {
      throw new Error(`concatCols: tensor ${i} ${shapeString(t.shape)} on ${t.device} does not fit tensor 0 ` +
        `${shapeString(first.shape)} on ${first.device} (all dimensions but the last must match)`);
    }
    total += t.cols;
    grad = grad || needsGrad(t);
  }
  const rows = first.rows;
  const out = Tensor._empty(first.device, [...lead, total], rows * total);
  let col = 0;
  for (let i = 0; i < tensors.length; i++) {
    copyCols(rows, tensors[i].cols, tensors[i], 0, tensors[i].cols, out, col, total);
    col += tensors[i].cols;
  }
  if (!grad) return out;
  const inputs = tensors.slice();
  return record(out, 'concatCols', inputs, (g) => {
    const grads: (Tensor | null)[] = new Array<Tensor | null>(inputs.length).fill(null);
    let start = 0;
    for (let i = 0; i < inputs.length; i++) {
      const t = inputs[i];
      if (t.requiresGrad) {
        const gi = Tensor._empty(g.device, t.shape, t.size);
        copyCols(rows, t.cols, g, start, total, gi, 0, t.cols);
        grads[i] = gi;
      }
      start += t.cols;
    }
    return grads;
  });
}

/** Columns [start, end) of the last axis, copied. */
export function sliceCols(x: Tensor, start: number, end: number): Tensor {
  checkLive('sliceCols', x);
  if (x.shape.length === 0 || !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > x.cols ||
      start >= end) {
    throw new Error(`sliceCols: bad range [${start}, ${end}) for shape ${shapeString(x.shape)}`);
  }
  const width = end - start;
  const rows = x.rows;
  const y = Tensor._empty(x.device, [...x.shape.slice(0, -1), width], rows * width);
  copyCols(rows, width, x, start, x.cols, y, 0, width);
  if (!needsGrad(x)) return y;
  return record(y, 'sliceCols', [x], (g) => {
    const gx = Tensor._empty(g.device, x.shape, x.size);
    addon().fill(gx.storage, gx.offset, x.size, 0);
    copyCols(rows, width, g, 0, width, gx, start, x.cols);
    return [gx];
  });
}

/** Rows of x (along its first axis) picked by `indices`, in that order; no gradient (for batching data). */
export function gatherRows(x: Tensor, indices: Int32Array): Tensor {
  checkLive('gatherRows', x);
  if (!(indices instanceof Int32Array)) throw new Error(`gatherRows: indices must be an Int32Array, got ${describe(indices)}`);
  if (x.shape.length === 0) throw new Error('gatherRows: x must have at least one dimension, got []');
  const srcRows = x.shape[0];
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (r < 0 || r >= srcRows) {
      throw new Error(`gatherRows: index ${r} at position ${i} is out of range for ${srcRows} rows (shape ${shapeString(x.shape)})`);
    }
  }
  const cols = srcRows === 0 ? 0 : x.size / srcRows;
  const y = Tensor._empty(x.device, [indices.length, ...x.shape.slice(1)], indices.length * cols);
  if (indices.length > 0 && cols > 0) {
    addon().gatherRows(indices.length, cols, x.storage, x.offset, srcRows, indices, y.storage, y.offset);
  }
  return y;
}

/**
 * x stacked k times along its first axis: [k·n, ...] whose rows i, n + i, 2n + i ... are all x[i] (PyTorch's
 * x.repeat(k, 1)). Forward is one gather; the gradient sums the k blocks (one column reduction of g viewed as
 * [k, n·cols]).
 */
export function repeatRows(x: Tensor, k: number): Tensor {
  checkLive('repeatRows', x);
  if (!Number.isInteger(k) || k < 1) throw new Error(`repeatRows: k must be a positive integer, got ${String(k)}`);
  if (x.shape.length === 0) throw new Error('repeatRows: x must have at least one dimension, got []');
  const n = x.shape[0];
  const cols = n === 0 ? 0 : x.size / n;
  const shape = [k * n, ...x.shape.slice(1)];
  const y = Tensor._empty(x.device, shape, k * x.size);
  if (x.size > 0) {
    const index = new Int32Array(k * n);
    for (let b = 0; b < k; b++) for (let i = 0; i < n; i++) index[b * n + i] = i;
    addon().gatherRows(k * n, cols, x.storage, x.offset, n, index, y.storage, y.offset);
  }
  if (!needsGrad(x)) return y;
  return record(y, 'repeatRows', [x], (g) => [
    k === 1 ? Tensor._view(g, g.offset, x.shape) : reduceRaw(Reduce.sum, Axis.cols, k, x.size, g, x.shape),
  ]);
}

/** Rows [start, end) of x along its first axis: a view (no copy); the gradient is g placed in zeros. */
export function sliceRows(x: Tensor, start: number, end: number): Tensor {
  checkLive('sliceRows', x);
  const n = x.shape.length === 0 ? 0 : x.shape[0];
  if (x.shape.length === 0 || !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start >= end) {
    throw new Error(`sliceRows: bad range [${start}, ${end}) for shape ${shapeString(x.shape)}`);
  }
  const cols = x.size / n;
  const y = Tensor._view(x, x.offset + start * cols, [end - start, ...x.shape.slice(1)]);
  if (!needsGrad(x)) return y;
  return record(y, 'sliceRows', [x], (g) => {
    const gx = Tensor._empty(g.device, x.shape, x.size);
    addon().fill(gx.storage, gx.offset, x.size, 0);
    addon().copy(g.storage, g.offset, gx.storage, gx.offset + start * cols, g.size);
    return [gx];
  });
}

/** Joins tensors along the first axis (all other dimensions equal, same device); the gradient is views of g. */
export function concatRows(tensors: readonly Tensor[]): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('concatRows: expected a non-empty array of tensors');
  const first = tensors[0];
  checkLive('concatRows', first, 'tensor 0');
  const rest = shapeString(first.shape.slice(1));
  let rows = 0;
  let grad = false;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i];
    checkLive('concatRows', t, `tensor ${i}`);
    if (t.device !== first.device || t.shape.length === 0 || shapeString(t.shape.slice(1)) !== rest) {
      throw new Error(`concatRows: tensor ${i} ${shapeString(t.shape)} on ${t.device} does not fit tensor 0 ` +
        `${shapeString(first.shape)} on ${first.device} (all dimensions but the first must match)`);
    }
    rows += t.shape[0];
    grad = grad || needsGrad(t);
  }
  const out = Tensor._empty(first.device, [rows, ...first.shape.slice(1)]);
  let offset = 0;
  for (const t of tensors) {
    if (t.size > 0) addon().copy(t.storage, t.offset, out.storage, out.offset + offset, t.size);
    offset += t.size;
  }
  if (!grad) return out;
  const inputs = tensors.slice();
  return record(out, 'concatRows', inputs, (g) => {
    let at = 0;
    return inputs.map((t) => {
      const view = t.requiresGrad ? Tensor._view(g, g.offset + at, t.shape) : null;
      at += t.size;
      return view;
    });
  });
}

// ---- Tensor methods (t.reshape() ...): one-line forwards to the ops above, attached where the ops are defined ----

declare module '../tensor.js' {
  interface Tensor {
    /** a view with another shape (one dimension may be -1) */
    reshape(shape: readonly number[]): Tensor;
    /** a view outside the graph */
    detach(): Tensor;
    /** a copy (differentiable) */
    clone(): Tensor;
    /** a copy on another device (this tensor itself when already there) */
    to(device: Device): Tensor;
    sliceCols(start: number, end: number): Tensor;
  }
}

const p = Tensor.prototype;
p.reshape = function (this: Tensor, shape: readonly number[]) { return reshape(this, shape); };
p.detach = function (this: Tensor) { return detach(this); };
p.clone = function (this: Tensor) { return clone(this); };
p.to = function (this: Tensor, device: Device) { return to(this, device); };
p.sliceCols = function (this: Tensor, start: number, end: number) { return sliceCols(this, start, end); };
