// Kingma et al.'s stacked M1+M2 (2014): stage 1 trains M1's VAE on every row for m1Steps steps; stage 2 freezes
// it and trains M2 on z1 ~ q(z1|x), a fresh sample per row each step, with p(z1|y,z2) a diagonal Gaussian whose
// mean and log-variance both come from the decoder (the paper's Gaussian p(z1|y,z2); the z1 samples' own noise
// keeps the variance away from collapse). classify(x) is M2's q(y|z1) at z1 = E[z1|x]. The number of steps taken
// is a module buffer, so a checkpoint resumes in the right stage at the right step. On MNIST with 100 labels,
// 10 epochs of M1 then 28 of M2 (500-unit layers, M2's defaults) gave 10.5% test error (the paper: 3.33%).
import { noGrad } from '../autograd.js';
import { addon } from '../backend.js';
import { Module } from '../nn/module.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { zeros } from '../ops/creation.js';
import { mean, softmax, sum } from '../ops/reduce.js';
import { reparameterize } from '../ops/random.js';
import { Generator } from '../random.js';
import { markKept, type Device, type Tensor } from '../tensor.js';
import type { ModelOptions } from './ae.js';
import { ConfigReader, asConfig, batchInputs, checkInputs } from './common.js';
import { objectiveMetrics, readM2Options, type M2Options } from './m2.js';
import { M2_ACTIVATIONS, M2Network, m2Objective, type M2Activation } from './m2net.js';
import { vaeNegElbo, vaeNetworkConfig, vaePosterior } from './m1.js';
import type { Batch, Classifier, ModelConfig, TrainableModel } from './model.js';
import { classificationSums, labelledPart } from './semi.js';
import { VAENetwork } from './vae.js';

export interface M1M2Config extends ModelConfig, M2Options {
  kind: 'm1m2';
  /** M1: VAE hidden sizes (decoder mirrored), latent z1, activation, Adam learning rate, steps of stage 1 */
  m1Hidden: number[];
  m1Latent: number;
  m1Activation: M2Activation;
  m1Lr: number;
  m1Steps: number;
}

export class M1M2Network extends Module {
  m1: VAENetwork;
  m2: M2Network;
  /** training steps taken so far (stage 1 while below m1Steps); a buffer so checkpoints carry it */
  steps: Tensor;

  constructor(c: M1M2Config, gen: Generator, device: Device) {
    super();
    this.m1 = new VAENetwork(vaeNetworkConfig(c.inputSize, c.m1Hidden, c.m1Latent, c.m1Activation), gen, device);
    this.m2 = new M2Network({ ...c, inputSize: c.m1Latent, likelihood: 'gaussian' }, gen, device);
    this.steps = zeros([1], { device });
    markKept(this.steps);
  }
}

export class M1M2 implements TrainableModel, Classifier {
  readonly config: M1M2Config;
  readonly module: M1M2Network;
  readonly optimizers: Record<string, Optimizer>;
  readonly generator: Generator;
  readonly device: Device;
  readonly classes: number;
  readonly labelledBatchSize: number;

  constructor(config: Partial<M1M2Config> & Record<string, unknown>, options: ModelOptions = {}) {
    const r = new ConfigReader('m1m2', config);
    const c: M1M2Config = {
      kind: 'm1m2',
      inputSize: r.inputSize(),
      m1Hidden: r.sizes('m1Hidden', [600, 600]),
      m1Latent: r.int('m1Latent', 50),
      m1Activation: r.choice('m1Activation', 'softplus', M2_ACTIVATIONS),
      m1Lr: r.number('m1Lr', 1e-3, 0, 1, true),
      m1Steps: r.int('m1Steps', 30 * 600, 0),
      ...readM2Options(r, { hidden: [500], latent: 50 }),
    };
    r.rejectUnknown();
    if (c.m1Hidden.length === 0) throw new Error('m1m2: m1Hidden must list at least one layer size');
    this.config = asConfig(c);
    this.classes = c.classes;
    this.labelledBatchSize = c.labelledBatchSize;
    this.generator = options.generator ?? new Generator(0);
    if (!(this.generator instanceof Generator)) throw new Error('m1m2: generator must be a Generator');
    this.device = options.device ?? 'cpu';
    this.module = new M1M2Network(this.config, this.generator, this.device);
    this.optimizers = {
      m1: new Adam(this.module.m1.parameters(), { lr: c.m1Lr }),
      m2: new Adam(this.module.m2.parameters(), { lr: c.lr }),
    };
  }

  /** Training steps taken so far (read from the module buffer). */
  get stepsTaken(): number {
    return this.module.steps.item();
  }

  /** 1 while M1 trains (the first m1Steps steps), then 2. */
  get stage(): 1 | 2 {
    return this.stepsTaken < this.config.m1Steps ? 1 : 2;
  }

  /** z1 ~ q(z1|x) of the frozen M1 (no graph). */
  private sampleZ1(x: Tensor): Tensor {
    return noGrad(() => {
      const { mu, logvar } = vaePosterior(this.module.m1, x);
      return reparameterize(mu, logvar, this.generator);
    });
  }

  trainStep(batch: Batch): Record<string, number> {
    const x = batchInputs('m1m2', batch, this.config.inputSize, this.device);
    const taken = this.stepsTaken;
    const stage = taken < this.config.m1Steps ? 1 : 2;
    let metrics: Record<string, number>;
    if (stage === 1) {
      const loss = mean(vaeNegElbo(this.module.m1, x, this.generator));
      const opt = this.optimizers.m1;
      opt.zeroGrad();
      loss.backward();
      opt.step();
      metrics = { loss: loss.item() };
    } else {
      const labelled = labelledPart('m1m2', batch, this.config.inputSize, this.device);
      const o = m2Objective('m1m2', this.module.m2, this.sampleZ1(labelled.x), labelled.labels, this.sampleZ1(x),
        this.config.alpha, this.config.classWeights, this.generator);
      const opt = this.optimizers.m2;
      opt.zeroGrad();
      o.loss.backward();
      opt.step();
      metrics = objectiveMetrics(o);
    }
    const s = this.module.steps;
    addon().fill(s.storage, s.offset, 1, taken + 1);
    return { ...metrics, stage };
  }

  /** Sums over rows: error and cross_entropy of q(y|E[z1|x]) against batch.labels (NaN skipped), M1's neg_elbo. */
  evaluateBatch(batch: Batch): Record<string, number> {
    const x = batchInputs('m1m2', batch, this.config.inputSize, this.device);
    return noGrad(() => {
      const negElbo = sum(vaeNegElbo(this.module.m1, x, this.generator)).item();
      if (batch.labels === undefined) return { m1_neg_elbo: negElbo };
      if (batch.labels.size !== x.rows) throw new Error(`m1m2: batch.labels has ${batch.labels.size} entries for ${x.rows} rows`);
      const logits = this.module.m2.logits(vaePosterior(this.module.m1, x).mu);
      return { ...classificationSums(logits, batch.labels), m1_neg_elbo: negElbo };
    });
  }

  /** q(y|z1) at z1 = E[z1|x], [rows, classes]. */
  classify(x: Tensor): Tensor {
    checkInputs('m1m2.classify', x, 'x', this.config.inputSize, this.device);
    return softmax(this.module.m2.logits(vaePosterior(this.module.m1, x).mu));
  }
}
