// What the models and their parts share below the base: missing values (NaN) zeroed for an encoder's input, and
// an MLP forward whose last layer takes another activation fused into its GEMM (decode = sigmoid(logits) in one
// kernel).
import { fillMissing, type Activation } from '../ops/activations.js';
import { linear } from '../ops/matmul.js';
import type { MLP } from '../nn/mlp.js';
import type { Tensor } from '../tensor.js';

/** x with missing values (NaN) replaced by 0: what an encoder reads (the loss leaves those entries out). */
export function zeroMissing(x: Tensor): Tensor {
  return fillMissing(x, 0);
}

/** mlp.forward(x) with `activation` on its last layer instead of the layer's own (fused into the GEMM). */
export function forwardWithOutput(mlp: MLP, x: Tensor, activation: Activation): Tensor {
  let h = x;
  const last = mlp.layers.length - 1;
  for (let i = 0; i < last; i++) h = mlp.layers[i].forward(h);
  const out = mlp.layers[last];
  return linear(h, out.weight, out.bias, activation, out.slope);
}
