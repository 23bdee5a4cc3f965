// Elementwise arithmetic with broadcasting: add, sub, mul, div, maximum, minimum (tensor or number operand) and
// the affine family neg, scale, addScalar. The kernel broadcasts a row [1,n] or [n], a column [m,1] or a scalar
// against a rows x cols result; gradients are summed back to each operand's shape.
import { Binary, Broadcast, Unary } from '../native.js';
import { needsGrad, needsGrad2, record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import {
  affineRaw, binaryRaw, checkLive, checkPair, reduceToMode, sameShape, scalarRaw, shapeString, unaryGradRaw,
} from './raw.js';

interface BroadcastPlan {
  shape: readonly number[];
  rows: number;
  cols: number;
  aMode: number;
  bMode: number;
}

function modeOf(op: string, a: Tensor, b: Tensor, t: Tensor, shape: readonly number[], rows: number,
  cols: number): number {
  if (t.size === rows * cols && t.cols === cols) return Broadcast.full;
  if (t.rows === 1 && t.cols === cols) return Broadcast.row;
  if (t.rows === rows && t.cols === 1) return Broadcast.col;
  if (t.size === 1) return Broadcast.scalar;
  throw new Error(`${op}: shapes ${shapeString(a.shape)} and ${shapeString(b.shape)} broadcast to ` +
    `${shapeString(shape)}, which is not supported (an operand must match, or be a row [1,n] or [n], ` +
    'a column [m,1] or a scalar)');
}

/** NumPy broadcasting of the two shapes, then the kernel's mode for each operand. */
function broadcastPlan(op: string, a: Tensor, b: Tensor): BroadcastPlan {
  if (sameShape(a.shape, b.shape)) {
    return { shape: a.shape, rows: a.rows, cols: a.cols, aMode: Broadcast.full, bMode: Broadcast.full };
  }
  const ra = a.shape.length;
  const rb = b.shape.length;
  const rank = ra > rb ? ra : rb;
  const shape = new Array<number>(rank);
  let rows = 1;
  for (let i = 0; i < rank; i++) {
    const da = i - rank + ra >= 0 ? a.shape[i - rank + ra] : 1;
    const db = i - rank + rb >= 0 ? b.shape[i - rank + rb] : 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${shapeString(a.shape)} and ${shapeString(b.shape)} do not broadcast`);
    }
    shape[i] = da === 1 ? db : da;
    if (i < rank - 1) rows *= shape[i];
  }
  const cols = rank === 0 ? 1 : shape[rank - 1];
  return {
    shape, rows, cols,
    aMode: modeOf(op, a, b, a, shape, rows, cols),
    bMode: modeOf(op, a, b, b, shape, rows, cols),
  };
}

/** The gradient of an operand that reached the result through `mode`: gFull summed back, gFull disposed if done. */
function gradFor(gFull: Tensor, g: Tensor, mode: number, p: BroadcastPlan, shape: readonly number[]): Tensor {
  const r = reduceToMode(gFull, mode, p.rows, p.cols, shape);
  if (r !== gFull && gFull !== g) gFull.dispose();
  return r;
}

function negate(t: Tensor, g: Tensor): Tensor {
  const n = affineRaw(t, -1);
  if (t !== g) t.dispose();
  return n;
}

function binaryOp(name: string, op: number, a: Tensor, b: Tensor): Tensor {
  checkPair(name, a, b);
  const p = broadcastPlan(name, a, b);
  const out = binaryRaw(op, p.rows, p.cols, a, p.aMode, b, p.bMode, p.shape);
  if (!needsGrad2(a, b)) return out;
  const da = a.requiresGrad;
  const db = b.requiresGrad;
  return record(out, name, [a, b], (g) => {
    switch (op) {
      case Binary.add:
        return [da ? gradFor(g, g, p.aMode, p, a.shape) : null, db ? gradFor(g, g, p.bMode, p, b.shape) : null];
      case Binary.sub:
        return [da ? gradFor(g, g, p.aMode, p, a.shape) : null,
          db ? negate(gradFor(g, g, p.bMode, p, b.shape), g) : null];
      case Binary.mul:
        return [
          da ? gradFor(binaryRaw(Binary.mul, p.rows, p.cols, g, Broadcast.full, b, p.bMode, p.shape), g, p.aMode, p, a.shape) : null,
          db ? gradFor(binaryRaw(Binary.mul, p.rows, p.cols, g, Broadcast.full, a, p.aMode, p.shape), g, p.bMode, p, b.shape) : null,
        ];
      case Binary.div: {
        // d/da = g / b; d/db = -g a / b^2 = -(g / b) * out
        const gOverB = binaryRaw(Binary.div, p.rows, p.cols, g, Broadcast.full, b, p.bMode, p.shape);
        let gb: Tensor | null = null;
        if (db) {
          const t = binaryRaw(Binary.mul, p.rows, p.cols, gOverB, Broadcast.full, out, Broadcast.full, p.shape);
          gb = negate(gradFor(t, g, p.bMode, p, b.shape), g);
        }
        if (!da) gOverB.dispose();
        return [da ? gradFor(gOverB, g, p.aMode, p, a.shape) : null, gb];
      }
      default: {
        // maximum: a wins where a - b > 0; minimum: where b - a > 0. Ties send the gradient to b.
        const d = op === Binary.max
          ? binaryRaw(Binary.sub, p.rows, p.cols, a, p.aMode, b, p.bMode, p.shape)
          : binaryRaw(Binary.sub, p.rows, p.cols, b, p.bMode, a, p.aMode, p.shape);
        const gaFull = unaryGradRaw(Unary.relu, d, null, g, 0, p.shape);
        d.dispose();
        const gbFull = db ? binaryRaw(Binary.sub, p.rows, p.cols, g, Broadcast.full, gaFull, Broadcast.full, p.shape) : null;
        const ga = da ? gradFor(gaFull, g, p.aMode, p, a.shape) : null;
        if (!da) gaFull.dispose();
        return [ga, gbFull === null ? null : gradFor(gbFull, g, p.bMode, p, b.shape)];
      }
    }
  });
}

/** y = alpha * x + beta, recorded under the public op's name. */
function affineOp(name: string, x: Tensor, alpha: number, beta: number): Tensor {
  checkLive(name, x);
  if (typeof alpha !== 'number' || typeof beta !== 'number') {
    throw new Error(`${name}: expected numbers, got ${typeof alpha} and ${typeof beta}`);
  }
  const y = affineRaw(x, alpha, beta);
  if (!needsGrad(x)) return y;
  return record(y, name, [x], (g) => [alpha === 1 ? g : affineRaw(g, alpha)]);
}

/** Elementwise max or min with a constant; the gradient goes to x where x is strictly beyond c. */
function clampOp(name: string, op: number, x: Tensor, c: number): Tensor {
  checkLive(name, x);
  const s = scalarRaw(x.device, c);
  const y = binaryRaw(op, x.rows, x.cols, x, Broadcast.full, s, Broadcast.scalar, x.shape);
  s.dispose();
  if (!needsGrad(x)) return y;
  return record(y, name, [x], (g) => {
    const d = op === Binary.max ? affineRaw(x, 1, -c) : affineRaw(x, -1, c);
    const gx = unaryGradRaw(Unary.relu, d, null, g, 0, x.shape);
    d.dispose();
    return [gx];
  });
}

function checkNumber(name: string, v: number): void {
  if (typeof v !== 'number') throw new Error(`${name}: expected a Tensor or a number, got ${typeof v}`);
}

/** a + b, broadcasting a row, column or scalar operand. */
export function add(a: Tensor, b: Tensor | number): Tensor {
  return typeof b === 'number' ? affineOp('add', a, 1, b) : binaryOp('add', Binary.add, a, b);
}

/** a - b, broadcasting a row, column or scalar operand. */
export function sub(a: Tensor, b: Tensor | number): Tensor {
  return typeof b === 'number' ? affineOp('sub', a, 1, -b) : binaryOp('sub', Binary.sub, a, b);
}

/** a * b elementwise, broadcasting a row, column or scalar operand. */
export function mul(a: Tensor, b: Tensor | number): Tensor {
  return typeof b === 'number' ? affineOp('mul', a, b, 0) : binaryOp('mul', Binary.mul, a, b);
}

/** a / b elementwise, broadcasting a row, column or scalar operand. */
export function div(a: Tensor, b: Tensor | number): Tensor {
  return typeof b === 'number' ? affineOp('div', a, 1 / b, 0) : binaryOp('div', Binary.div, a, b);
}

/** max(a, b) elementwise; the gradient goes to a where a > b, else to b. */
export function maximum(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return clampOp('maximum', Binary.max, a, b);
  return binaryOp('maximum', Binary.max, a, b);
}

/** min(a, b) elementwise; the gradient goes to a where a < b, else to b. */
export function minimum(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return clampOp('minimum', Binary.min, a, b);
  return binaryOp('minimum', Binary.min, a, b);
}

/** y = alpha * x + beta for numbers alpha, beta. */
export function affine(x: Tensor, alpha: number, beta = 0): Tensor {
  return affineOp('affine', x, alpha, beta);
}

/** -x */
export function neg(x: Tensor): Tensor {
  return affineOp('neg', x, -1, 0);
}

/** s * x for a number s. */
export function scale(x: Tensor, s: number): Tensor {
  checkNumber('scale', s);
  return affineOp('scale', x, s, 0);
}

/** x + c for a number c. */
export function addScalar(x: Tensor, c: number): Tensor {
  checkNumber('addScalar', c);
  return affineOp('addScalar', x, 1, c);
}

// ---- Tensor methods (t.add() ...): one-line forwards to the ops above, attached where the ops are defined ----

declare module '../tensor.js' {
  interface Tensor {
    add(b: Tensor | number): Tensor;
    sub(b: Tensor | number): Tensor;
    mul(b: Tensor | number): Tensor;
    div(b: Tensor | number): Tensor;
    maximum(b: Tensor | number): Tensor;
    minimum(b: Tensor | number): Tensor;
    neg(): Tensor;
    scale(s: number): Tensor;
    addScalar(c: number): Tensor;
  }
}

const p = Tensor.prototype;
p.add = function (this: Tensor, b: Tensor | number) { return add(this, b); };
p.sub = function (this: Tensor, b: Tensor | number) { return sub(this, b); };
p.mul = function (this: Tensor, b: Tensor | number) { return mul(this, b); };
p.div = function (this: Tensor, b: Tensor | number) { return div(this, b); };
p.maximum = function (this: Tensor, b: Tensor | number) { return maximum(this, b); };
p.minimum = function (this: Tensor, b: Tensor | number) { return minimum(this, b); };
p.neg = function (this: Tensor) { return neg(this); };
p.scale = function (this: Tensor, s: number) { return scale(this, s); };
p.addScalar = function (this: Tensor, c: number) { return addScalar(this, c); };
