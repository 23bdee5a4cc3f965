// The Ladder network for semi-supervised classification (Rasmus et al. 2015) and its Γ-model variant (kind 'gamma':
// only the top layer's denoising cost, so no decoder below it). Each step runs the labelled rows through the
// corrupted encoder and the unlabelled rows through the clean and the corrupted encoder and the decoder
// (ladder-network.ts); the loss is the cross-entropy of the corrupted path's output on the labelled rows plus
// Σ_l λ_l · mean over unlabelled rows and units of (z_l - ẑ_BN,l)², with the clean z as targets. Prediction uses
// the clean path (running batch-norm statistics in eval mode). Adam, with an optional linear decay of the learning
// rate to 0 (the paper: 0.002, decayed over the last third of training).
import { missingMask, square } from '../ops/activations.js';
import { add, mul, scale, sub } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';
import type { Tensor } from '../tensor.js';
import type { Batch, ModelConfig } from '../train/contract.js';
import { SemiSupervisedModel, type ModelOptions, type Objective } from './base.js';
import { zeroMissing } from './common.js';
import type { KindSpec, RunShape } from './kind.js';
import { LadderNetwork } from './ladder-network.js';
import { int, numbers, optionalLikelihood, rate, sizes, weight, type ConfigInput, type ConfigOf } from './options.js';
import { createLikelihood } from './parts/likelihood.js';
import { checkClassWeights, classifierLoss, SEMI_SUPERVISED, SEMI_SUPERVISED_OPTIONS } from './parts/classifier.js';

/** The paper's MNIST multipliers for any depth: 1000 on the input, 10 on the first layer, 0.1 above. */
function ladderLambdas(layers: number): number[] {
  return Array.from({ length: layers }, (_, l) => (l === 0 ? 1000 : l === 1 ? 10 : 0.1));
}

/** The Γ-model's multipliers: the top layer's alone. */
function gammaLambdas(layers: number): number[] {
  return Array.from({ length: layers }, (_, l) => (l === layers - 1 ? 1 : 0));
}

function ladderOptions(lambdas: (layers: number) => number[]) {
  return {
    /** hidden layer sizes (the paper's MNIST network: 1000-500-250-250-250) */
    hidden: sizes([1000, 500, 250, 250, 250]),
    ...SEMI_SUPERVISED_OPTIONS,
    /** standard deviation of the Gaussian noise added to the input and to every normalised z_pre (corrupted path) */
    noise: weight(0.3),
    /** denoising cost multipliers λ_l, input layer first, one per layer (hidden.length + 2); Γ-model: all but the top 0 */
    lambdas: numbers((c) => lambdas((c.hidden as number[]).length + 2)),
    /** Adam learning rate */
    lr: rate(0.002),
    /** the step (optimizer steps taken) from which the learning rate falls linearly; with decayEnd 0: no decay */
    decayStart: int(0, 0),
    /** the step at which the learning rate reaches 0 (0: constant learning rate) */
    decayEnd: int(0, 0),
    /** the input layer's denoising cost: null, the squared error (the paper's); or a likelihood (a table's mixed
     *  columns) whose −log p(x | ẑ) per entry reads the decoder's ẑ as its output layer (logits, Gaussian means) */
    likelihood: optionalLikelihood(),
  };
}

const ladderSchema = ladderOptions(ladderLambdas);

export type LadderConfig = Omit<ConfigOf<'ladder', typeof ladderSchema>, 'kind' | 'lambdas'> & {
  kind: 'ladder' | 'gamma';
  lambdas: number[];
};

const EPS = 1e-5;

export class Ladder extends SemiSupervisedModel<LadderConfig, LadderNetwork> {
  constructor(config: ConfigInput<'ladder' | 'gamma', typeof ladderSchema>, options: ModelOptions = {}) {
    super(config?.kind === 'gamma' ? gammaKind : ladderKind, config, options, (c, generator, device) => {
      // the decoder reaches down to the lowest layer with a denoising cost
      const positive = c.lambdas.findIndex((v) => v > 0);
      const net = new LadderNetwork([c.inputSize, ...c.hidden, c.classes], positive < 0 ? c.lambdas.length : positive, EPS,
        generator, device);
      // only where the input layer has a cost (not the Γ-model's): parameters without a gradient would idle in Adam
      if (c.likelihood !== null && c.lambdas[0] > 0) {
        if (c.likelihood.kind === 'gaussian' && c.likelihood.variance === 'predicted') {
          throw new Error(`${c.kind}: a predicted variance needs a decoder layer to predict it from; use 'gaussian' (learned)`);
        }
        net.inputLikelihood = createLikelihood(c.likelihood, c.inputSize, 1, generator, device);
      }
      return net;
    });
  }

  /** The learning rate after `steps` optimizer steps: constant, then linear to 0 between decayStart and decayEnd. */
  learningRate(steps: number): number {
    const { lr, decayStart, decayEnd } = this.config;
    if (decayEnd === 0 || steps <= decayStart) return lr;
    return steps >= decayEnd ? 0 : (lr * (decayEnd - steps)) / (decayEnd - decayStart);
  }

  /** The clean path's logits (batch statistics in training mode, running ones in eval mode). */
  protected logits(x: Tensor): Tensor {
    return this.module.clean(zeroMissing(x)).logits;
  }

  /**
   * The training loss: {loss, supervised, denoising (Σ_l λ_l cost_l, null without decoder), layers (cost_l before
   * λ, undefined where λ_l = 0)}. The labelled and the unlabelled rows pass the encoders apart, so each is
   * normalised by its own batch statistics (as the paper's code does: the labelled rows, the same few every step,
   * would otherwise dominate the statistics the unlabelled rows see); the decoder and the denoising costs use the
   * unlabelled rows, whose clean statistics also feed the running averages. Noise draws: the labelled rows'
   * corrupted pass, then the unlabelled rows' (see LadderNetwork.corrupted).
   */
  terms(batch: Batch): { loss: Tensor; supervised: Tensor; denoising: Tensor | null; layers: (Tensor | undefined)[] } {
    const c = this.config;
    const labelled = this.labelled(batch);
    const raw = this.inputs(batch);
    const x = zeroMissing(raw);
    const net = this.module;
    const corruptedLabelled = net.corrupted(zeroMissing(labelled.x), c.noise, this.generator);
    const supervised = classifierLoss(this.kind, corruptedLabelled.logits, labelled.labels, c.classWeights);
    const clean = net.clean(x);
    const layers: (Tensor | undefined)[] = [];
    let denoising: Tensor | null = null;
    if (net.lowest < c.lambdas.length) {
      const zHat = net.decode(net.corrupted(x, c.noise, this.generator), clean);
      for (let l = net.lowest; l < c.lambdas.length; l++) {
        if (c.lambdas[l] === 0) continue;
        if (l === 0 && net.inputLikelihood !== null) {
          // per entry, as the squared error is, so λ_0 weighs it alike; missing entries are left out by the likelihood
          layers[l] = scale(mean(net.inputLikelihood.nll({ out: zHat[0], top: zHat[0] }, raw)), 1 / raw.cols);
        } else {
          let d = sub(clean.z[l], zHat[l]);
          // missing pixels are no reconstruction target
          if (l === 0) d = mul(d, missingMask(raw));
          layers[l] = mean(square(d));
        }
        const weighted = scale(layers[l] as Tensor, c.lambdas[l]);
        denoising = denoising === null ? weighted : add(denoising, weighted);
      }
    }
    return { loss: denoising === null ? supervised : add(supervised, denoising), supervised, denoising, layers };
  }

  protected losses(batch: Batch): Objective {
    const { loss, supervised, denoising } = this.terms(batch);
    return { loss, metrics: { supervised, denoising: denoising ?? 0 } };
  }

  override trainStep(batch: Batch): Record<string, number> {
    const adam = this.optimizers.adam;
    adam.lr = this.learningRate(adam.steps);
    return super.trainStep(batch);
  }
}

/** Checks across a Ladder's options: one multiplier per layer, the Γ-model's top one alone, a decay window. */
function checkLadder(c: ModelConfig): void {
  const kind = c.kind;
  const hidden = c.hidden as number[];
  const lambdas = c.lambdas as number[];
  const layers = hidden.length + 2;
  if (lambdas.length !== layers) {
    throw new Error(`${kind}: lambdas must hold ${layers} multipliers (input, ${hidden.length} hidden layers, top), ` +
      `got ${lambdas.length}`);
  }
  if (lambdas.some((v) => v < 0)) throw new Error(`${kind}: lambdas must be >= 0, got ${JSON.stringify(lambdas)}`);
  if (kind === 'gamma' && lambdas.slice(0, -1).some((v) => v !== 0)) {
    throw new Error(`gamma: the Γ-model has only the top layer's denoising cost; lambdas must be 0 below the top ` +
      `(got ${JSON.stringify(lambdas)}; use kind 'ladder' for more)`);
  }
  const { decayStart, decayEnd } = c as unknown as { decayStart: number; decayEnd: number };
  if (decayEnd > 0 && decayStart >= decayEnd) {
    throw new Error(`${kind}: decayStart (${decayStart}) must come before decayEnd (${decayEnd})`);
  }
  if (decayEnd === 0 && decayStart !== 0) throw new Error(`${kind}: decayStart needs a decayEnd after it`);
  checkClassWeights(c);
}

/** The learning rate decays linearly to 0 over the run's last lrDecay fraction, unless the decay is given. */
function decaySchedule(run: RunShape, given: Record<string, unknown>): void {
  const decay = run.lrDecay ?? 0;
  const start = Math.round(run.steps * (1 - decay));
  if (decay > 0 && start < run.steps && given.decayEnd === undefined) {
    given.decayStart = start;
    given.decayEnd = run.steps;
  }
}

const traits = { ...SEMI_SUPERVISED, lrDecay: 0.33 };

export const ladderKind: KindSpec = {
  kind: 'ladder', schema: ladderSchema, ...traits,
  describe: 'Ladder network (semi-supervised classifier, denoising cost on every layer)',
  check: checkLadder, runOptions: decaySchedule,
  create: (config, options) => new Ladder(config as ConfigInput<'ladder', typeof ladderSchema>, options),
};

export const gammaKind: KindSpec = {
  kind: 'gamma', schema: ladderOptions(gammaLambdas), ...traits,
  describe: 'Γ-model Ladder network (denoising cost on the top layer only)',
  check: checkLadder, runOptions: decaySchedule,
  create: (config, options) => new Ladder(config as ConfigInput<'gamma', typeof ladderSchema>, options),
};
