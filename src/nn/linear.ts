// Linear layer: y = act(x·W + b) as one fused GEMM. W is stored [in, out]. Default initialisation is PyTorch's:
// W and b from U(-1/sqrt(in), 1/sqrt(in)).
import { noGrad } from '../autograd.js';
import { checkActivation, type Activation } from '../ops/activations.js';
import { zeros } from '../ops/creation.js';
import { linear } from '../ops/matmul.js';
import type { Generator } from '../random.js';
import { Tensor, markKept, type Device } from '../tensor.js';
import { calculateGain, kaimingUniform, uniform, xavierUniform, type Nonlinearity } from './init.js';
import { Module } from './module.js';

/** How Linear fills its weights: PyTorch's default, Xavier/Glorot or Kaiming/He (bias zero for the last two). */
export type LinearInit = 'default' | 'xavier' | 'kaiming';

export interface LinearOptions {
  /** add a bias (default true) */
  bias?: boolean;
  /** nonlinearity fused into the GEMM (default 'none') */
  activation?: Activation;
  /** negative slope of 'leakyRelu' (default 0.01) */
  slope?: number;
  init?: LinearInit;
  /** the stream weights are drawn from (default: the default generator) */
  generator?: Generator;
  device?: Device;
}

function gainFor(activation: Activation, slope: number): number {
  const nl: Nonlinearity = activation === 'relu' || activation === 'leakyRelu' || activation === 'tanh' ||
    activation === 'sigmoid' ? activation : 'linear';
  return calculateGain(nl, slope);
}

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly activation: Activation;
  readonly slope: number;
  /** [in, out] */
  weight: Tensor;
  /** [out], or null without bias */
  bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    if (!Number.isInteger(inFeatures) || !Number.isInteger(outFeatures) || inFeatures < 1 || outFeatures < 1) {
      throw new Error(`Linear: sizes must be positive integers, got ${inFeatures} -> ${outFeatures}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.activation = checkActivation('Linear', options.activation ?? 'none');
    this.slope = options.slope ?? 0.01;
    const device = options.device ?? 'cpu';
    const init = options.init ?? 'default';
    if (init !== 'default' && init !== 'xavier' && init !== 'kaiming') {
      throw new Error(`Linear: unknown init '${String(init)}' (expected default, xavier or kaiming)`);
    }
    const gen = options.generator;
    const weight = zeros([inFeatures, outFeatures], { device, requiresGrad: true });
    const bias = options.bias === false ? null : zeros([outFeatures], { device, requiresGrad: true });
    noGrad(() => {
      if (init === 'default') {
        const bound = 1 / Math.sqrt(inFeatures);
        uniform(weight, -bound, bound, gen);
        if (bias !== null) uniform(bias, -bound, bound, gen);
      } else if (init === 'xavier') {
        xavierUniform(weight, gainFor(this.activation, this.slope), gen);
      } else {
        const nl = this.activation === 'leakyRelu' ? 'leakyRelu' : 'relu';
        kaimingUniform(weight, { nonlinearity: nl, slope: this.slope }, gen);
      }
    });
    markKept(weight);
    if (bias !== null) markKept(bias);
    this.weight = weight;
    this.bias = bias;
  }

  /** act(x·W + b) for x [..., in] */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias, this.activation, this.slope);
  }
}
