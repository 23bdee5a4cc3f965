// The Ladder network for semi-supervised classification (Rasmus et al. 2015) and its Γ-model variant (kind 'gamma':
// only the top layer's denoising cost, so no decoder below it). Each step runs the labelled rows through the
// corrupted encoder and the unlabelled rows through the clean and the corrupted encoder and the decoder
// (ladder-network.ts); the loss is the cross-entropy of the corrupted path's output on the labelled rows plus
// Σ_l λ_l · mean over unlabelled rows and units of (z_l - ẑ_BN,l)², with the clean z as targets. Prediction uses
// the clean path (running batch-norm statistics in eval mode). Adam, with an optional linear decay of the learning
// rate to 0 (the paper: 0.002, decayed over the last third of training).
import { noGrad } from '../autograd.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { square } from '../ops/activations.js';
import { add, addScalar, mul, scale, sub } from '../ops/elementwise.js';
import { mean, softmax } from '../ops/reduce.js';
import { Generator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import type { ModelOptions } from './ae.js';
import { ConfigReader, asConfig, batchInputs, checkInputs, zeroMissing } from './common.js';
import { LadderNetwork } from './ladder-network.js';
import type { Batch, Classifier, ModelConfig, TrainableModel } from './model.js';
import { classificationSums, classifierLoss, labelledPart, readSemiSupervised } from './semi.js';

export interface LadderConfig extends ModelConfig {
  kind: 'ladder' | 'gamma';
  /** hidden layer sizes (the paper's MNIST network: 1000-500-250-250-250) */
  hidden: number[];
  classes: number;
  classWeights: number[] | null;
  labelledBatchSize: number;
  /** standard deviation of the Gaussian noise added to the input and to every normalised z_pre (corrupted path) */
  noise: number;
  /** denoising cost multipliers λ_l, input layer first, one per layer (hidden.length + 2); Γ-model: all but the top 0 */
  lambdas: number[];
  /** Adam learning rate */
  lr: number;
  /** the step (optimizer steps taken) from which the learning rate falls linearly; with decayEnd 0: no decay */
  decayStart: number;
  /** the step at which the learning rate reaches 0 (0: constant learning rate) */
  decayEnd: number;
}

const EPS = 1e-5;

/** The paper's MNIST multipliers for any depth: 1000 on the input, 10 on the first layer, 0.1 above. */
function ladderLambdas(layers: number): number[] {
  return Array.from({ length: layers }, (_, l) => (l === 0 ? 1000 : l === 1 ? 10 : 0.1));
}

export class Ladder implements TrainableModel, Classifier {
  readonly config: LadderConfig;
  readonly module: LadderNetwork;
  readonly optimizers: Record<string, Optimizer>;
  readonly generator: Generator;
  readonly device: Device;
  readonly classes: number;
  readonly labelledBatchSize: number;
  private readonly name: string;

  constructor(config: Partial<LadderConfig> & Record<string, unknown>, options: ModelOptions = {}) {
    const kind = config?.kind === 'gamma' ? 'gamma' : 'ladder';
    const r = new ConfigReader(kind, config);
    const inputSize = r.inputSize();
    const hidden = r.sizes('hidden', [1000, 500, 250, 250, 250]);
    const semi = readSemiSupervised(r);
    const layers = hidden.length + 2;
    const gammaLambdas = Array.from({ length: layers }, (_, l) => (l === layers - 1 ? 1 : 0));
    const c: LadderConfig = {
      kind,
      inputSize,
      hidden,
      ...semi,
      noise: r.number('noise', 0.3, 0, Infinity, false, true),
      lambdas: r.optionalNumbers('lambdas') ?? (kind === 'gamma' ? gammaLambdas : ladderLambdas(layers)),
      lr: r.number('lr', 0.002, 0, 1, true),
      decayStart: r.int('decayStart', 0, 0),
      decayEnd: r.int('decayEnd', 0, 0),
    };
    r.rejectUnknown();
    if (c.lambdas.length !== layers) {
      throw new Error(`${kind}: lambdas must hold ${layers} multipliers (input, ${hidden.length} hidden layers, top), ` +
        `got ${c.lambdas.length}`);
    }
    if (c.lambdas.some((v) => v < 0)) throw new Error(`${kind}: lambdas must be >= 0, got ${JSON.stringify(c.lambdas)}`);
    if (kind === 'gamma' && c.lambdas.slice(0, -1).some((v) => v !== 0)) {
      throw new Error(`gamma: the Γ-model has only the top layer's denoising cost; lambdas must be 0 below the top ` +
        `(got ${JSON.stringify(c.lambdas)}; use kind 'ladder' for more)`);
    }
    if (c.decayEnd > 0 && c.decayStart >= c.decayEnd) {
      throw new Error(`${kind}: decayStart (${c.decayStart}) must come before decayEnd (${c.decayEnd})`);
    }
    if (c.decayEnd === 0 && c.decayStart !== 0) throw new Error(`${kind}: decayStart needs a decayEnd after it`);
    this.name = kind;
    this.config = asConfig(c);
    this.classes = c.classes;
    this.labelledBatchSize = c.labelledBatchSize;
    this.generator = options.generator ?? new Generator(0);
    if (!(this.generator instanceof Generator)) throw new Error(`${kind}: generator must be a Generator`);
    this.device = options.device ?? 'cpu';
    const positive = c.lambdas.findIndex((v) => v > 0);
    const lowest = positive < 0 ? layers : positive;
    this.module = new LadderNetwork([inputSize, ...hidden, c.classes], lowest, EPS, this.generator, this.device);
    this.optimizers = { adam: new Adam(this.module.parameters(), { lr: c.lr }) };
  }

  /** The learning rate after `steps` optimizer steps: constant, then linear to 0 between decayStart and decayEnd. */
  learningRate(steps: number): number {
    const { lr, decayStart, decayEnd } = this.config;
    if (decayEnd === 0 || steps <= decayStart) return lr;
    return steps >= decayEnd ? 0 : (lr * (decayEnd - steps)) / (decayEnd - decayStart);
  }

  /**
   * The training loss: {loss, supervised, denoising (Σ_l λ_l cost_l, null without decoder), layers (cost_l before
   * λ, undefined where λ_l = 0)}. The labelled and the unlabelled rows pass the encoders apart, so each is
   * normalised by its own batch statistics (as the paper's code does: the labelled rows, the same few every step,
   * would otherwise dominate the statistics the unlabelled rows see); the decoder and the denoising costs use the
   * unlabelled rows, whose clean statistics also feed the running averages. Noise draws: the labelled rows'
   * corrupted pass, then the unlabelled rows' (see LadderNetwork.corrupted).
   */
  losses(batch: Batch): { loss: Tensor; supervised: Tensor; denoising: Tensor | null; layers: (Tensor | undefined)[] } {
    const c = this.config;
    const labelled = labelledPart(this.name, batch, c.inputSize, this.device);
    const raw = batchInputs(this.name, batch, c.inputSize, this.device);
    const x = zeroMissing(raw);
    const net = this.module;
    const corruptedLabelled = net.corrupted(zeroMissing(labelled.x), c.noise, this.generator);
    const supervised = classifierLoss(this.name, corruptedLabelled.logits, labelled.labels, c.classWeights);
    const clean = net.clean(x);
    const layers: (Tensor | undefined)[] = [];
    let denoising: Tensor | null = null;
    if (net.lowest < c.lambdas.length) {
      const zHat = net.decode(net.corrupted(x, c.noise, this.generator), clean);
      for (let l = net.lowest; l < c.lambdas.length; l++) {
        if (c.lambdas[l] === 0) continue;
        let d = sub(clean.z[l], zHat[l]);
        // missing pixels are no reconstruction target: (raw - raw) + 1 is NaN there, zeroMissing makes it 0
        if (l === 0) d = mul(d, zeroMissing(addScalar(sub(raw, raw), 1)));
        layers[l] = mean(square(d));
        const weighted = scale(layers[l] as Tensor, c.lambdas[l]);
        denoising = denoising === null ? weighted : add(denoising, weighted);
      }
    }
    return { loss: denoising === null ? supervised : add(supervised, denoising), supervised, denoising, layers };
  }

  trainStep(batch: Batch): Record<string, number> {
    const { loss, supervised, denoising } = this.losses(batch);
    const adam = this.optimizers.adam;
    adam.lr = this.learningRate(adam.steps);
    adam.zeroGrad();
    loss.backward();
    adam.step();
    return { loss: loss.item(), supervised: supervised.item(), denoising: denoising === null ? 0 : denoising.item() };
  }

  /** Sums over the labelled rows of the clean path's predictions: error (misclassified rows) and cross_entropy. */
  evaluateBatch(batch: Batch): Record<string, number> {
    const x = batchInputs(this.name, batch, this.config.inputSize, this.device);
    const labels = batch.labels;
    if (labels === undefined || labels === null) throw new Error(`${this.name}: evaluateBatch needs batch.labels`);
    if (typeof labels !== 'object' || !('shape' in labels)) throw new Error(`${this.name}: batch.labels must be a Tensor`);
    labels.assertLive(this.name, 'batch.labels');
    if (labels.size !== x.rows) throw new Error(`${this.name}: batch.labels has ${labels.size} entries for ${x.rows} rows`);
    return noGrad(() => classificationSums(this.module.clean(zeroMissing(x)).logits, labels));
  }

  /** p(y|x) from the clean path, [rows, classes] (batch statistics in training mode, running ones in eval mode). */
  classify(x: Tensor): Tensor {
    checkInputs(`${this.name}.classify`, x, 'x', this.config.inputSize, this.device);
    return softmax(this.module.clean(zeroMissing(x)).logits);
  }
}
