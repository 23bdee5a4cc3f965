// Unary math and activations: relu, leakyRelu, sigmoid, tanh, softplus, exp, log, sqrt, square, abs. Forward is
// one `unary` kernel; backward one `unaryBackward` kernel fed with the input x or the output y, whichever the
// derivative needs (kernels.h lists which).
import { Unary } from '../native.js';
import { needsGrad, record } from '../autograd.js';
import type { Tensor } from '../tensor.js';
import { checkLive, unaryGradRaw, unaryRaw } from './raw.js';

/** Activations usable as a Linear/MLP nonlinearity. The first five fuse into the GEMM epilogue. */
export type Activation = 'none' | 'relu' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'softplus';

const ACTIVATIONS: readonly string[] = ['none', 'relu', 'leakyRelu', 'sigmoid', 'tanh', 'softplus'];

/** @internal Checks an activation name. */
export function checkActivation(op: string, act: unknown): Activation {
  if (typeof act !== 'string' || !ACTIVATIONS.includes(act)) {
    throw new Error(`${op}: unknown activation ${String(act)} (expected one of ${ACTIVATIONS.join(', ')})`);
  }
  return act as Activation;
}

/** One unary op: y = f(x); the gradient rule reads y (usesOutput) or x. */
function unaryOp(name: string, op: number, x: Tensor, alpha: number, usesOutput: boolean): Tensor {
  checkLive(name, x);
  const y = unaryRaw(op, x, alpha, 0);
  if (!needsGrad(x)) return y;
  return record(y, name, [x], usesOutput
    ? (g) => [unaryGradRaw(op, null, y, g, alpha, x.shape)]
    : (g) => [unaryGradRaw(op, x, null, g, alpha, x.shape)]);
}

/** max(x, 0) */
export function relu(x: Tensor): Tensor {
  return unaryOp('relu', Unary.relu, x, 0, false);
}

/** x > 0 ? x : slope * x */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new Error(`leakyRelu: slope must be a finite number, got ${slope}`);
  return unaryOp('leakyRelu', Unary.leakyRelu, x, slope, false);
}

/** 1 / (1 + exp(-x)) */
export function sigmoid(x: Tensor): Tensor {
  return unaryOp('sigmoid', Unary.sigmoid, x, 0, true);
}

export function tanh(x: Tensor): Tensor {
  return unaryOp('tanh', Unary.tanh, x, 0, true);
}

/** log(1 + exp(x)), computed stably */
export function softplus(x: Tensor): Tensor {
  return unaryOp('softplus', Unary.softplus, x, 0, false);
}

export function exp(x: Tensor): Tensor {
  return unaryOp('exp', Unary.exp, x, 0, true);
}

/** natural logarithm */
export function log(x: Tensor): Tensor {
  return unaryOp('log', Unary.log, x, 0, false);
}

export function sqrt(x: Tensor): Tensor {
  return unaryOp('sqrt', Unary.sqrt, x, 0, true);
}

/** x * x */
export function square(x: Tensor): Tensor {
  return unaryOp('square', Unary.square, x, 0, false);
}

/** |x|; the gradient at 0 is the kernel's sign(0) */
export function abs(x: Tensor): Tensor {
  return unaryOp('abs', Unary.abs, x, 0, false);
}

/** Applies a named activation ('none' returns x itself). */
export function activate(x: Tensor, activation: Activation, slope = 0.01): Tensor {
  switch (activation) {
    case 'none': return x;
    case 'relu': return relu(x);
    case 'leakyRelu': return leakyRelu(x, slope);
    case 'sigmoid': return sigmoid(x);
    case 'tanh': return tanh(x);
    case 'softplus': return softplus(x);
    default: throw new Error(`activate: unknown activation ${String(activation)}`);
  }
}
