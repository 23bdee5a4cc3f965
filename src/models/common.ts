// What the models and their parts share below the base: missing values (NaN) zeroed for an encoder's input, the
// mask of present entries, and an MLP forward whose last layer takes another activation fused into its GEMM
// (decode = sigmoid(logits) in one kernel).
import { Unary } from '../native.js';
import type { Activation } from '../ops/activations.js';
import { addScalar, neg, sub } from '../ops/elementwise.js';
import { linear } from '../ops/matmul.js';
import { unaryGradRaw } from '../ops/raw.js';
import type { MLP } from '../nn/mlp.js';
import type { Tensor } from '../tensor.js';

/**
 * x with missing values (NaN) replaced by 0 and every value <= 0 too: the encoder's input for data in [0, 1]. One
 * kernel: relu's backward selects dy where x > 0 and writes 0 elsewhere, NaN included (the kernel selects rather
 * than multiplies, so 0 · NaN never arises).
 */
export function zeroMissing(x: Tensor): Tensor {
  return unaryGradRaw(Unary.relu, x, null, x, 0, x.shape);
}

/** x with NaN replaced by 0, every other value kept: its positive part less the positive part of −x. */
export function fillMissing(x: Tensor): Tensor {
  return sub(zeroMissing(x), zeroMissing(neg(x)));
}

/** 1 where x holds a number, 0 where it is NaN (x − x + 1 is 1 or NaN). */
export function presentMask(x: Tensor): Tensor {
  return zeroMissing(addScalar(sub(x, x), 1));
}

/** mlp.forward(x) with `activation` on its last layer instead of the layer's own (fused into the GEMM). */
export function forwardWithOutput(mlp: MLP, x: Tensor, activation: Activation): Tensor {
  let h = x;
  const last = mlp.layers.length - 1;
  for (let i = 0; i < last; i++) h = mlp.layers[i].forward(h);
  const out = mlp.layers[last];
  return linear(h, out.weight, out.bias, activation, out.slope);
}
