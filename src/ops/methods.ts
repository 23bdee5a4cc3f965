// Tensor methods (t.add(u), t.relu(), t.sum(), t.backward() ...) as one-line forwards to the op functions. They
// live here, not in tensor.ts, so that the tensor layer imports nothing above it; ops/raw.ts imports this file,
// so every tensor made by a factory or an op already has them.
import { Tensor, type Device } from '../tensor.js';
import { backward } from '../autograd.js';
import { abs, exp, leakyRelu, log, relu, sigmoid, softplus, sqrt, square, tanh } from './activations.js';
import { add, addScalar, div, maximum, minimum, mul, neg, scale, sub } from './elementwise.js';
import { matmul, type MatmulOptions } from './matmul.js';
import { logSoftmax, logsumexp, max, mean, softmax, sum } from './reduce.js';
import { clone, detach, reshape, sliceCols, to } from './shape.js';

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
    sum(axis?: number | null, keepDims?: boolean): Tensor;
    mean(axis?: number | null, keepDims?: boolean): Tensor;
    max(axis?: number | null, keepDims?: boolean): Tensor;
    logsumexp(axis?: number | null, keepDims?: boolean): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    matmul(b: Tensor, options?: MatmulOptions): Tensor;
    /** a view with another shape (one dimension may be -1) */
    reshape(shape: readonly number[]): Tensor;
    /** a view outside the graph */
    detach(): Tensor;
    /** a copy (differentiable) */
    clone(): Tensor;
    /** a copy on another device (this tensor itself when already there) */
    to(device: Device): Tensor;
    sliceCols(start: number, end: number): Tensor;
    /** back-propagates from this one-element tensor (or with an explicit seed gradient) */
    backward(seed?: Tensor): void;
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
p.sum = function (this: Tensor, axis?: number | null, keepDims?: boolean) { return sum(this, axis, keepDims); };
p.mean = function (this: Tensor, axis?: number | null, keepDims?: boolean) { return mean(this, axis, keepDims); };
p.max = function (this: Tensor, axis?: number | null, keepDims?: boolean) { return max(this, axis, keepDims); };
p.logsumexp = function (this: Tensor, axis?: number | null, keepDims?: boolean) { return logsumexp(this, axis, keepDims); };
p.softmax = function (this: Tensor, axis?: number) { return softmax(this, axis); };
p.logSoftmax = function (this: Tensor, axis?: number) { return logSoftmax(this, axis); };
p.matmul = function (this: Tensor, b: Tensor, options?: MatmulOptions) { return matmul(this, b, options); };
p.reshape = function (this: Tensor, shape: readonly number[]) { return reshape(this, shape); };
p.detach = function (this: Tensor) { return detach(this); };
p.clone = function (this: Tensor) { return clone(this); };
p.to = function (this: Tensor, device: Device) { return to(this, device); };
p.sliceCols = function (this: Tensor, start: number, end: number) { return sliceCols(this, start, end); };
p.backward = function (this: Tensor, seed?: Tensor) { backward(this, seed); };
