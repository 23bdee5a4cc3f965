// The unary ops of the op list: the activations relu, leakyRelu, sigmoid, tanh, softplus, gelu; exp, log, sqrt, square,
// abs; and missingMask / fillMissing for missing (NaN) values. Forward is one `unary` kernel; backward one `unaryBackward` kernel fed with the input x or the output y, whichever the
// derivative needs (the op list, kernels/include/semigen/op_lists.h, says which).
import { UNARY_OPS, type UnaryOp } from '../native.js';
import { needsGrad, record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { checkLive, unaryGradRaw, unaryRaw } from './raw.js';

/** The layer nonlinearities of the op list (layer = 1 in op_lists.h). */
type LayerOp = Extract<(typeof UNARY_OPS)[number], { layer: true }>['name'];

/** Activations usable as a Linear/MLP nonlinearity: 'none' and the op list's layer ops. */
export type Activation = 'none' | LayerOp;

const ACTIVATIONS: readonly string[] = ['none', ...UNARY_OPS.filter((op) => op.layer).map((op) => op.name)];

/** @internal Checks an activation name. */
export function checkActivation(op: string, act: unknown): Activation {
  if (typeof act !== 'string' || !ACTIVATIONS.includes(act)) {
    throw new Error(`${op}: unknown activation ${String(act)} (expected one of ${ACTIVATIONS.join(', ')})`);
  }
  return act as Activation;
}

const OPS = new Map<string, (typeof UNARY_OPS)[number]>(UNARY_OPS.map((op) => [op.name, op]));

/** One unary op y = f(x), its gradient rule fed with x or y as the op list says the kernel reads. */
function unaryOp(name: UnaryOp, x: Tensor, alpha = 0): Tensor {
  const { id, backward } = OPS.get(name)!;
  checkLive(name, x);
  const y = unaryRaw(id, x, alpha, 0);
  if (!needsGrad(x)) return y;
  return record(y, name, [x], (g) => [unaryGradRaw(id, backward === 'x' ? x : null, backward === 'y' ? y : null, g,
    alpha, x.shape)]);
}

/** max(x, 0) */
export function relu(x: Tensor): Tensor {
  return unaryOp('relu', x);
}

/** x > 0 ? x : slope * x */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new Error(`leakyRelu: slope must be a finite number, got ${slope}`);
  return unaryOp('leakyRelu', x, slope);
}

/** 1 / (1 + exp(-x)) */
export function sigmoid(x: Tensor): Tensor {
  return unaryOp('sigmoid', x);
}

export function tanh(x: Tensor): Tensor {
  return unaryOp('tanh', x);
}

/** log(1 + exp(x)), computed stably */
export function softplus(x: Tensor): Tensor {
  return unaryOp('softplus', x);
}

export function exp(x: Tensor): Tensor {
  return unaryOp('exp', x);
}

/** natural logarithm */
export function log(x: Tensor): Tensor {
  return unaryOp('log', x);
}

export function sqrt(x: Tensor): Tensor {
  return unaryOp('sqrt', x);
}

/** x * x */
export function square(x: Tensor): Tensor {
  return unaryOp('square', x);
}

/** |x|; the gradient at 0 is the kernel's sign(0) */
export function abs(x: Tensor): Tensor {
  return unaryOp('abs', x);
}

/** GELU, tanh form: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
export function gelu(x: Tensor): Tensor {
  return unaryOp('gelu', x);
}

/** 1 where x is a number, 0 where it is NaN (a missing value); a constant for gradients. */
export function missingMask(x: Tensor): Tensor {
  checkLive('missingMask', x);
  return unaryRaw(OPS.get('missingMask')!.id, x, 0, 0);
}

/** x with every NaN replaced by `value` (selected, never computed with); the gradient passes where x is a number. */
export function fillMissing(x: Tensor, value = 0): Tensor {
  if (typeof value !== 'number') throw new Error(`fillMissing: value must be a number, got ${typeof value}`);
  return unaryOp('fillMissing', x, value);
}

/** Applies a named activation ('none' returns x itself); `slope` is leakyRelu's. */
export function activate(x: Tensor, activation: Activation, slope = 0.01): Tensor {
  if (activation === 'none') return x;
  if (activation === 'leakyRelu') return leakyRelu(x, slope);
  if (!ACTIVATIONS.includes(activation)) throw new Error(`activate: unknown activation ${String(activation)}`);
  return unaryOp(activation, x);
}

// ---- Tensor methods (t.relu() ...): one-line forwards to the ops above, attached where the ops are defined ----

declare module '../tensor.js' {
  interface Tensor {
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    square(): Tensor;
    abs(): Tensor;
    relu(): Tensor;
    leakyRelu(slope?: number): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    softplus(): Tensor;
    gelu(): Tensor;
  }
}

const p = Tensor.prototype;
p.exp = function (this: Tensor) { return exp(this); };
p.log = function (this: Tensor) { return log(this); };
p.sqrt = function (this: Tensor) { return sqrt(this); };
p.square = function (this: Tensor) { return square(this); };
p.abs = function (this: Tensor) { return abs(this); };
p.relu = function (this: Tensor) { return relu(this); };
p.leakyRelu = function (this: Tensor, slope?: number) { return leakyRelu(this, slope); };
p.sigmoid = function (this: Tensor) { return sigmoid(this); };
p.tanh = function (this: Tensor) { return tanh(this); };
p.softplus = function (this: Tensor) { return softplus(this); };
p.gelu = function (this: Tensor) { return gelu(this); };
