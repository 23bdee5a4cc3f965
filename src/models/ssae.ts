// The semi-supervised autoencoder, the simple baseline: an MLP encoder to a linear code, the mirrored decoder giving
// Bernoulli logits, and a softmax classifier head on the code. One joint loss per step: the mean over batch.x (all
// rows) of the reconstruction BCE summed over pixels (missing pixels masked) + weight · the cross-entropy of the
// head on batch.labelled. The reconstruction shapes the code from every row; the few labels shape its classes.
import { noGrad } from '../autograd.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { MLP } from '../nn/mlp.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { add, scale } from '../ops/elementwise.js';
import { sigmoidCrossEntropy } from '../ops/losses.js';
import { mean, softmax, sum } from '../ops/reduce.js';
import { Generator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import type { ModelOptions } from './ae.js';
import { ConfigReader, asConfig, batchInputs, checkInputs, forwardWithOutput, zeroMissing } from './common.js';
import type { Batch, Classifier, Decoder, Encoder, ModelConfig, TrainableModel } from './model.js';
import { classificationSums, classifierLoss, labelledPart, readSemiSupervised, type SemiSupervisedOptions } from './semi.js';

export interface SSAEConfig extends ModelConfig, SemiSupervisedOptions {
  kind: 'ssae';
  /** encoder hidden sizes; the decoder mirrors them */
  hidden: number[];
  /** size of the code the classifier reads */
  code: number;
  activation: 'relu' | 'leakyRelu' | 'tanh';
  /** weight of the labelled cross-entropy against the reconstruction (nats per image) */
  classifierWeight: number;
  /** Adam learning rate */
  lr: number;
}

/** The parameter tree: encoder, decoder and classifier head. */
export class SSAENetwork extends Module {
  encoder: MLP;
  decoder: MLP;
  head: Linear;

  constructor(c: SSAEConfig, generator: Generator, device: Device) {
    super();
    const options = { activation: c.activation, generator, device };
    this.encoder = new MLP([c.inputSize, ...c.hidden, c.code], options);
    this.decoder = new MLP([c.code, ...[...c.hidden].reverse(), c.inputSize], options);
    this.head = new Linear(c.code, c.classes, { generator, device });
  }
}

export class SSAE implements TrainableModel, Classifier, Encoder, Decoder {
  readonly config: SSAEConfig;
  readonly module: SSAENetwork;
  readonly optimizers: Record<string, Optimizer>;
  readonly generator: Generator;
  readonly device: Device;
  readonly classes: number;
  readonly labelledBatchSize: number;

  constructor(config: Partial<SSAEConfig> & Record<string, unknown>, options: ModelOptions = {}) {
    const r = new ConfigReader('ssae', config);
    const c: SSAEConfig = {
      kind: 'ssae',
      inputSize: r.inputSize(),
      ...readSemiSupervised(r),
      hidden: r.sizes('hidden', [500, 250]),
      code: r.int('code', 50),
      activation: r.choice('activation', 'relu', ['relu', 'leakyRelu', 'tanh'] as const),
      classifierWeight: r.number('classifierWeight', 10, 0, Infinity, false, true),
      lr: r.number('lr', 1e-3, 0, 1, true),
    };
    r.rejectUnknown();
    this.config = asConfig(c);
    this.classes = c.classes;
    this.labelledBatchSize = c.labelledBatchSize;
    this.generator = options.generator ?? new Generator(0);
    if (!(this.generator instanceof Generator)) throw new Error('ssae: generator must be a Generator');
    this.device = options.device ?? 'cpu';
    this.module = new SSAENetwork(this.config, this.generator, this.device);
    this.optimizers = { adam: new Adam(this.module.parameters(), { lr: c.lr }) };
  }

  /** Reconstruction BCE per row, [rows], of decoder(encoder(x)) against x (NaN pixels: 0 in, masked out). */
  reconstructionLoss(x: Tensor): Tensor {
    return sigmoidCrossEntropy(this.module.decoder.forward(this.module.encoder.forward(zeroMissing(x))), x);
  }

  /** The head's logits for x, [rows, classes]. */
  logits(x: Tensor): Tensor {
    return this.module.head.forward(this.module.encoder.forward(zeroMissing(x)));
  }

  trainStep(batch: Batch): Record<string, number> {
    const x = batchInputs('ssae', batch, this.config.inputSize, this.device);
    const labelled = labelledPart('ssae', batch, this.config.inputSize, this.device);
    const reconstruction = mean(this.reconstructionLoss(x));
    const classifier = classifierLoss('ssae', this.logits(labelled.x), labelled.labels, this.config.classWeights);
    const loss = add(reconstruction, scale(classifier, this.config.classifierWeight));
    const adam = this.optimizers.adam;
    adam.zeroGrad();
    loss.backward();
    adam.step();
    return { loss: loss.item(), reconstruction: reconstruction.item(), classifier: classifier.item() };
  }

  /**
   * Sums over rows: reconstruction (BCE of every row) and, over the rows batch.labels labels (NaN skipped), the
   * classifier's error and cross_entropy. Without batch.labels only the reconstruction is reported.
   */
  evaluateBatch(batch: Batch): Record<string, number> {
    const x = batchInputs('ssae', batch, this.config.inputSize, this.device);
    const labels = batch.labels;
    if (labels !== undefined && labels !== null) {
      if (typeof labels !== 'object' || !('shape' in labels)) throw new Error('ssae: batch.labels must be a Tensor');
      labels.assertLive('ssae', 'batch.labels');
      if (labels.size !== x.rows) throw new Error(`ssae: batch.labels has ${labels.size} entries for ${x.rows} rows`);
    }
    return noGrad(() => {
      const reconstruction = sum(this.reconstructionLoss(x)).item();
      if (labels === undefined || labels === null) return { reconstruction };
      return { reconstruction, ...classificationSums(this.logits(x), labels) };
    });
  }

  /** p(y|x) from the head on the code, [rows, classes]. */
  classify(x: Tensor): Tensor {
    return softmax(this.logits(checkInputs('ssae.classify', x, 'x', this.config.inputSize, this.device)));
  }

  /** The code of x, [rows, code]. */
  encode(x: Tensor): Tensor {
    return this.module.encoder.forward(zeroMissing(checkInputs('ssae.encode', x, 'x', this.config.inputSize, this.device)));
  }

  /** sigmoid(decoder(code)) in [0, 1], [rows, inputSize]. */
  decode(z: Tensor): Tensor {
    checkInputs('ssae.decode', z, 'z', this.config.code, this.device);
    return forwardWithOutput(this.module.decoder, z, 'sigmoid');
  }
}
