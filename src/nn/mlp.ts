// MLP: a stack of fused Linear layers, e.g. new MLP([784, 512, 256, 10]). Hidden layers use `activation` (fused
// into each GEMM) and optional dropout; the last layer uses `outputActivation` (default none: logits).
import { checkActivation, type Activation } from '../ops/activations.js';
import { dropout } from '../ops/random.js';
import { Generator, defaultGenerator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import { Linear, type LinearInit } from './linear.js';
import { Module } from './module.js';

export interface MLPOptions {
  /** hidden-layer nonlinearity (default 'relu') */
  activation?: Activation;
  /** nonlinearity of the last layer (default 'none') */
  outputActivation?: Activation;
  /** dropout probability after each hidden layer while training (default 0) */
  dropout?: number;
  /** negative slope for 'leakyRelu' (default 0.01) */
  slope?: number;
  bias?: boolean;
  init?: LinearInit;
  /** the stream for initial weights and dropout masks (default: the default generator) */
  generator?: Generator;
  device?: Device;
}

export class MLP extends Module {
  readonly layers: Linear[];
  readonly dropoutP: number;
  private readonly generator: Generator;

  /** sizes: [in, hidden..., out], at least two entries */
  constructor(sizes: readonly number[], options: MLPOptions = {}) {
    super();
    if (!Array.isArray(sizes) || sizes.length < 2) {
      throw new Error(`MLP: sizes must list at least an input and an output size, got ${JSON.stringify(sizes)}`);
    }
    const p = options.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new Error(`MLP: dropout must be in [0, 1), got ${String(p)}`);
    const hidden = checkActivation('MLP', options.activation ?? 'relu');
    const output = checkActivation('MLP', options.outputActivation ?? 'none');
    this.dropoutP = p;
    this.generator = options.generator ?? defaultGenerator;
    this.layers = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      this.layers.push(new Linear(sizes[i], sizes[i + 1], {
        activation: i + 2 === sizes.length ? output : hidden,
        slope: options.slope,
        bias: options.bias,
        init: options.init,
        generator: this.generator,
        device: options.device,
      }));
    }
  }

  forward(x: Tensor): Tensor {
    let h = x;
    const last = this.layers.length - 1;
    for (let i = 0; i <= last; i++) {
      h = this.layers[i].forward(h);
      if (i < last && this.dropoutP > 0 && this.training) h = dropout(h, this.dropoutP, this.generator, true);
    }
    return h;
  }
}
