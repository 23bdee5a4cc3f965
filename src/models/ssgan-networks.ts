// The two networks of the semi-supervised GAN (Salimans et al. 2016, MNIST): a weight-normalised ReLU
// discriminator with Gaussian noise on its input and on every hidden layer's output (training mode only) and a
// K-way head, and a generator of softplus layers with batch norm (shift only, as the authors') and a
// weight-normalised output (a sigmoid for images; a table's columns as outputAsData says). Noise draws, in order:
// the input's, then one per hidden layer after it.
import { noGrad } from '../autograd.js';
import { BatchNorm1d } from '../nn/batchnorm.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { WeightNormLinear } from '../nn/weightnorm.js';
import { softplus } from '../ops/activations.js';
import { add } from '../ops/elementwise.js';
import { randn } from '../ops/random.js';
import type { Generator } from '../random.js';
import { checkOutputSpec, fusedOutputActivation, generatedData, type LikelihoodSpec } from './parts/likelihood.js';
import type { Device, Tensor } from '../tensor.js';

export interface DiscriminatorOptions {
  inputSize: number;
  hidden: number[];
  classes: number;
  /** standard deviation of the Gaussian noise added to the input (training mode) */
  inputNoise: number;
  /** standard deviation of the Gaussian noise added to each hidden layer's output (training mode) */
  hiddenNoise: number;
}

/** What one pass of the discriminator gives: the last hidden layer's output (before its noise) and the logits. */
export interface DiscriminatorOutput {
  features: Tensor;
  logits: Tensor | null;
}

export class SSGANDiscriminator extends Module {
  layers: WeightNormLinear[];
  head: WeightNormLinear;
  private readonly gen: Generator;
  private readonly noise: { input: number; hidden: number };

  constructor(o: DiscriminatorOptions, gen: Generator, device: Device) {
    super();
    this.gen = gen;
    this.noise = { input: o.inputNoise, hidden: o.hiddenNoise };
    const sizes = [o.inputSize, ...o.hidden];
    this.layers = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      this.layers.push(new WeightNormLinear(sizes[i], sizes[i + 1], { activation: 'relu', generator: gen, device }));
    }
    // only the head's length is learned; the hidden layers keep the lengths initFromData gives them
    this.head = new WeightNormLinear(sizes[sizes.length - 1], o.classes, { trainScale: true, generator: gen, device });
  }

  /** x plus N(0, std^2) noise from the model's stream, in training mode. */
  private perturb(x: Tensor, std: number): Tensor {
    if (!this.training || std === 0) return x;
    return add(x, randn(x.shape, this.gen, { std, device: x.device }));
  }

  /** Every layer's weight (hidden layers, then the head), to reuse over the passes of one update. */
  weights(): Tensor[] {
    return [...this.layers.map((l) => l.weight()), this.head.weight()];
  }

  /** One pass over x: the last hidden features and, when withHead, the K logits (whose draws follow). */
  run(x: Tensor, withHead: boolean, weights: Tensor[] | null = null): DiscriminatorOutput {
    let h = this.perturb(x, this.noise.input);
    const last = this.layers.length - 1;
    for (let i = 0; i < last; i++) h = this.perturb(this.layers[i].forward(h, weights?.[i]), this.noise.hidden);
    const features = this.layers[last].forward(h, weights?.[last]);
    if (!withHead) return { features, logits: null };
    const logits = this.head.forward(this.perturb(features, this.noise.hidden), weights?.[last + 1]);
    return { features, logits };
  }

  /** The K logits of x. */
  logits(x: Tensor): Tensor {
    return this.run(x, true).logits as Tensor;
  }

  /**
   * Data-dependent initialisation (as the authors'): layer by layer, in training mode with its noise, each
   * layer's lengths and biases are set so that its pre-activations on x have mean 0 and standard deviation 1.
   */
  initFromData(x: Tensor): void {
    noGrad(() => {
      let h = this.perturb(x, this.noise.input);
      for (const layer of this.layers) h = this.perturb(layer.initFromData(h), this.noise.hidden);
      this.head.initFromData(h);
    });
  }
}

export interface GeneratorOptions {
  noiseSize: number;
  hidden: number[];
  outputSize: number;
  /** what the output columns are (outputAsData): Bernoulli's sigmoid is fused into the output layer */
  likelihood: LikelihoodSpec;
}

export class SSGANGenerator extends Module {
  /** affine maps without bias (the batch norm's shift replaces it) */
  layers: Linear[];
  norms: BatchNorm1d[];
  output: WeightNormLinear;
  readonly likelihood: LikelihoodSpec;

  constructor(o: GeneratorOptions, gen: Generator, device: Device) {
    super();
    checkOutputSpec(o.likelihood, o.outputSize);
    this.likelihood = o.likelihood;
    const sizes = [o.noiseSize, ...o.hidden];
    this.layers = [];
    this.norms = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      this.layers.push(new Linear(sizes[i], sizes[i + 1], { bias: false, init: 'xavier', generator: gen, device }));
      this.norms.push(new BatchNorm1d(sizes[i + 1], { affine: false, shiftOnly: true, device }));
    }
    this.output = new WeightNormLinear(sizes[sizes.length - 1], o.outputSize,
      { activation: fusedOutputActivation(o.likelihood), trainScale: true, generator: gen, device });
  }

  /** Rows for codes z (images in [0, 1], or a table's encoded columns): batch statistics in training mode (updating
   *  the running ones), else those. */
  forward(z: Tensor): Tensor {
    let h = z;
    for (let i = 0; i < this.layers.length; i++) h = softplus(this.norms[i].forward(this.layers[i].forward(h)));
    const out = this.output.forward(h);
    return generatedData(this.likelihood, out);
  }
}
