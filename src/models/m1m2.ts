// Kingma et al.'s stacked M1+M2 (2014): stage 1 trains M1's VAE on every row for m1Steps steps; stage 2 freezes
// it and trains M2 on z1 ~ q(z1|x), a fresh sample per row each step, with p(z1|y,z2) a diagonal Gaussian whose
// mean and log-variance both come from the decoder (the z1 samples' own noise keeps the variance away from
// collapse). classify(x) is M2's q(y|z1) at z1 = E[z1|x]. As in the authors' code, M2 sees only the z1 dimensions
// M1 uses: those whose posterior mean varies by more than activeThreshold over the first stage-2 batch; the others
// are zeroed at M2's inputs and left out of its likelihood. The step count and that mask are module buffers, so a
// checkpoint resumes in the right stage at the right step. M2's labelled bound is weighed by the labelled rows'
// share of the data, as the paper's sum over rows does. How the defaults were chosen: docs/experiments.md.
import { noGrad } from '../autograd.js';
import { Module } from '../nn/module.js';
import type { AdamOptions } from '../optim/adam.js';
import { ones, zeros } from '../ops/creation.js';
import { fill_, upload_ } from '../ops/inplace.js';
import { mul } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';
import { reparameterize } from '../ops/random.js';
import { concatRows } from '../ops/shape.js';
import type { Generator } from '../random.js';
import { markKept, type Device, type Tensor } from '../tensor.js';
import type { Batch } from '../train/contract.js';
import { SemiSupervisedModel, type ModelOptions, type Objective } from './base.js';
import { stageSplit, type KindSpec } from './kind.js';
import { M1_INPUTS, binarizeSample } from './m1.js';
import { labelledWeight, m2Options, objectiveOf } from './m2.js';
import { M2Network, m2Objective } from './m2net.js';
import { choice, likelihood, int, number, rate, sizes, type ConfigInput, type ConfigOf } from './options.js';
import { SEMI_SUPERVISED } from './parts/classifier.js';
import { VAE_ACTIVATIONS, VAENetwork } from './vae.js';

const m1m2Options = {
  /** M1: VAE hidden sizes (decoder mirrored), latent z1, activation, Adam learning rate, steps of stage 1 */
  m1Hidden: sizes([600, 600], 1),
  m1Latent: int(50),
  m1Activation: choice('softplus', VAE_ACTIVATIONS),
  m1Lr: rate(1e-3),
  /** M1's p(x | z1): 'bernoulli' (inputs in [0, 1]), 'gaussian', or a table's mixed columns */
  likelihood: likelihood({ kind: 'bernoulli' }),
  m1Steps: int(100 * 600, 0),
  /** what M1's VAE trains on: the grey levels, or a fresh binary draw of them each step */
  m1Inputs: choice('grey', M1_INPUTS),
  /** KL warm-up: the weight of M1's KL term rises linearly from 0 to 1 over this fraction of m1Steps (0: none) */
  m1KlWarmup: number(0, 0, 1),
  /** z1 dimensions whose posterior mean has a std at most this over the first stage-2 batch are left out of M2
   *  (0 keeps all) */
  activeThreshold: number(0.1, 0, Infinity),
  ...m2Options({ hidden: [500], latent: 10, alpha: 10, lr: 1e-3, labelledWeight: null }),
};

export type M1M2Config = ConfigOf<'m1m2', typeof m1m2Options>;

export class M1M2Network extends Module {
  m1: VAENetwork;
  m2: M2Network;
  /** training steps taken so far (stage 1 while below m1Steps); a buffer so checkpoints carry it */
  steps: Tensor;
  /** [1, m1Latent]: 1 for the z1 dimensions M2 models, 0 for the rest (set when stage 2 starts) */
  active: Tensor;

  constructor(c: M1M2Config, gen: Generator, device: Device) {
    super();
    this.m1 = new VAENetwork({ inputSize: c.inputSize, hidden: c.m1Hidden, latent: c.m1Latent, activation: c.m1Activation,
      likelihood: c.likelihood }, gen, device);
    this.m2 = new M2Network({ ...c, inputSize: c.m1Latent, likelihood: { kind: 'gaussian', variance: 'predicted' } }, gen, device);
    this.steps = zeros([1], { device });
    markKept(this.steps);
    this.active = ones([1, c.m1Latent], { device });
    markKept(this.active);
  }
}

export class M1M2 extends SemiSupervisedModel<M1M2Config, M1M2Network> {
  constructor(config: ConfigInput<'m1m2', typeof m1m2Options>, options: ModelOptions = {}) {
    super(m1m2Kind, config, options, (c, g, d) => new M1M2Network(c, g, d));
  }


  protected override optimizerGroups(): Record<string, [Module, AdamOptions]> {
    return { m1: [this.module.m1, { lr: this.config.m1Lr }], m2: [this.module.m2, { lr: this.config.lr }] };
  }

  /** M2's classifier trains in stage 2 alone: validation before it would measure an untrained classifier. */
  get validFromStep(): number {
    return this.config.m1Steps;
  }

  /** Training steps taken so far (read from the module buffer). */
  get stepsTaken(): number {
    return this.module.steps.item();
  }

  /** 1 while M1 trains (the first m1Steps steps), then 2. */
  get stage(): 1 | 2 {
    return this.stepsTaken < this.config.m1Steps ? 1 : 2;
  }

  /** The number of z1 dimensions M2 models (all of them until stage 2 starts). */
  get activeDims(): number {
    return this.module.active.toArray().reduce((n, v) => n + v, 0);
  }

  /** z1 ~ q(z1|x) of the frozen M1, the inactive dimensions zeroed (no graph). */
  private sampleZ1(x: Tensor): Tensor {
    return noGrad(() => {
      const { mu, logvar } = this.module.m1.posterior(x);
      return mul(reparameterize(mu, logvar, this.generator), this.module.active);
    });
  }

  /** q(y|z1) at z1 = E[z1|x] of the frozen M1, its inactive dimensions zeroed. */
  protected logits(x: Tensor): Tensor {
    return this.module.m2.logits(mul(this.module.m1.posterior(x).mu, this.module.active));
  }

  /** Sets the mask of active z1 dimensions from the posterior means of rows x (at the first stage-2 step). */
  private chooseActive(x: Tensor): void {
    const latent = this.config.m1Latent;
    const mu = noGrad(() => this.module.m1.posterior(x).mu).toArray();
    const rows = x.rows;
    const mask = new Float32Array(latent);
    for (let j = 0; j < latent; j++) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < rows; i++) {
        const v = mu[i * latent + j];
        s += v;
        s2 += v * v;
      }
      const std = Math.sqrt(Math.max(0, s2 / rows - (s / rows) ** 2));
      mask[j] = this.config.activeThreshold === 0 || std > this.config.activeThreshold ? 1 : 0;
    }
    // an M1 that has learned nothing yet (a few steps, a tiny net) has no active dimension: M2 then takes them all
    if (!mask.includes(1)) mask.fill(1);
    const a = this.module.active;
    upload_(a, mask);
  }

  protected losses(batch: Batch): Objective {
    return this.stageLosses(batch, this.stepsTaken);
  }

  /** Stage 1: M1's −ELBO (its KL warmed up); stage 2: M2's objective on z1 samples of the frozen M1. */
  private stageLosses(batch: Batch, taken: number): Objective {
    const x = this.inputs(batch);
    const c = this.config;
    if (taken < c.m1Steps) {
      const xin = c.m1Inputs === 'binarized' ? binarizeSample(x, this.generator) : x;
      const warmup = c.m1KlWarmup * c.m1Steps;
      const klWeight = warmup > 0 ? Math.min(1, taken / warmup) : 1;
      const loss = mean(this.module.m1.negElbo(xin, this.generator, klWeight));
      return { loss, metrics: { ...(warmup > 0 ? { kl_weight: klWeight } : {}), stage: 1 }, optimizers: ['m1'] };
    }
    const labelled = this.labelled(batch);
    if (taken === c.m1Steps) this.chooseActive(concatRows([x, labelled.x]));
    const o = m2Objective(this.kind, this.module.m2, this.sampleZ1(labelled.x), labelled.labels, this.sampleZ1(x),
      c.alpha, c.classWeights, this.generator, this.module.active, labelledWeight(c, labelled.share));
    const objective = objectiveOf(o);
    return { ...objective, metrics: { ...objective.metrics, stage: 2 }, optimizers: ['m2'] };
  }

  /** One step of the current stage; the step counter (read once) moves on after it. */
  override trainStep(batch: Batch): Record<string, number> {
    const taken = this.stepsTaken;
    const metrics = this.minimize(this.stageLosses(batch, taken));
    fill_(this.module.steps, taken + 1);
    return metrics;
  }

  protected override get evaluationNeedsLabels(): boolean {
    return false;
  }

  /** M1's −ELBO summed over every row, and for a table its reconstruction per column family (m1_reconstruction_<kind>). */
  protected override evaluateMore(x: Tensor): Record<string, number> {
    const sums = this.module.m1.evaluationSums(x, this.generator);
    const out: Record<string, number> = { m1_neg_elbo: sums.neg_elbo };
    for (const [k, v] of Object.entries(sums)) if (k.startsWith('reconstruction_')) out[`m1_${k}`] = v;
    return out;
  }
}

export const m1m2Kind: KindSpec = {
  kind: 'm1m2', schema: m1m2Options,
  describe: 'Kingma M1+M2: M1 VAE first, then M2 on its latent samples', ...SEMI_SUPERVISED,
  // M1 trains for m1Steps steps (half the run unless given), then M2 for the rest
  runOptions: stageSplit('m1m2', 'm1Steps', 'M2'),
  create: (config, options) => new M1M2(config as ConfigInput<'m1m2', typeof m1m2Options>, options),
};
