// The semi-supervised autoencoder, the simple baseline: an MLP encoder to a linear code, the mirrored decoder with a
// Bernoulli likelihood, and a softmax classifier head on the code. One joint loss per step: the mean over batch.x
// (all rows) of the reconstruction BCE summed over pixels (missing pixels left out) + weight · the cross-entropy of
// the head on batch.labelled. The reconstruction shapes the code from every row; the few labels shape its classes.
import { add, scale } from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import type { Generator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import type { Batch, Decoder, Encoder } from '../train/contract.js';
import { SemiSupervisedModel, type ModelOptions, type Objective } from './base.js';
import { zeroMissing } from './common.js';
import type { KindSpec } from './kind.js';
import { choice, likelihood, int, rate, sizes, weight, type ConfigInput, type ConfigOf } from './options.js';
import { ClassifierHead, SEMI_SUPERVISED, SEMI_SUPERVISED_OPTIONS } from './parts/classifier.js';
import { AENetwork } from './ae.js';

const ssaeOptions = {
  ...SEMI_SUPERVISED_OPTIONS,
  /** encoder hidden sizes; the decoder mirrors them */
  hidden: sizes([500, 250]),
  /** size of the code the classifier reads */
  code: int(50),
  activation: choice('relu', ['relu', 'leakyRelu', 'tanh'] as const),
  /** weight of the labelled cross-entropy against the reconstruction (nats per image) */
  classifierWeight: weight(10),
  /** Adam learning rate */
  lr: rate(1e-3),
  /** p(x | code): 'bernoulli' (inputs in [0, 1]), 'gaussian', or a table's mixed columns */
  likelihood: likelihood({ kind: 'bernoulli' }),
};

export type SSAEConfig = ConfigOf<'ssae', typeof ssaeOptions>;

/** The parameter tree: the autoencoder's encoder and decoder, and a classifier head on the code. */
export class SSAENetwork extends AENetwork {
  head: ClassifierHead;

  constructor(c: SSAEConfig, generator: Generator, device: Device) {
    super({ ...c, latent: c.code }, generator, device);
    this.head = new ClassifierHead(c.code, [], c.classes, { generator, device });
  }
}

export class SSAE extends SemiSupervisedModel<SSAEConfig, SSAENetwork> implements Encoder, Decoder {
  constructor(config: ConfigInput<'ssae', typeof ssaeOptions>, options: ModelOptions = {}) {
    super(ssaeKind, config, options, (c, g, d) => new SSAENetwork(c, g, d));
  }


  /** Reconstruction loss per row, [rows], of decoder(encoder(x)) against x (NaN pixels: 0 in, left out). */
  reconstructionLoss(x: Tensor): Tensor {
    return this.module.decoder.nll(this.module.encoder.forward(zeroMissing(x)), x);
  }

  /** The head's logits for x, [rows, classes]. */
  protected logits(x: Tensor): Tensor {
    return this.module.head.forward(this.module.encoder.forward(zeroMissing(x)));
  }

  protected losses(batch: Batch): Objective {
    const x = this.inputs(batch);
    const labelled = this.labelled(batch);
    const reconstruction = mean(this.reconstructionLoss(x));
    const classifier = this.module.head.loss(this.kind, this.module.encoder.forward(zeroMissing(labelled.x)), labelled.labels,
      this.config.classWeights);
    return { loss: add(reconstruction, scale(classifier, this.config.classifierWeight)), metrics: { reconstruction, classifier } };
  }

  protected override get evaluationNeedsLabels(): boolean {
    return false;
  }

  /** The reconstruction summed over every row of the batch, labelled or not. */
  protected override evaluateMore(x: Tensor): Record<string, number> {
    const { nll, families } = this.module.decoder.nllWithFamilies(this.module.encoder.forward(zeroMissing(x)), x);
    return { reconstruction: sum(nll).item(), ...families };
  }

  /** The code of x, [rows, code]. */
  encode(x: Tensor): Tensor {
    return this.module.encoder.forward(zeroMissing(this.argument('encode', x)));
  }

  /** sigmoid(decoder(code)) in [0, 1], [rows, inputSize]. */
  decode(z: Tensor): Tensor {
    return this.module.decoder.mean(this.argument('decode', z, 'z', this.config.code));
  }
}

export const ssaeKind: KindSpec = {
  kind: 'ssae', schema: ssaeOptions,
  describe: 'semi-supervised autoencoder (reconstruction + classifier on the code)', ...SEMI_SUPERVISED,
  create: (config, options) => new SSAE(config as ConfigInput<'ssae', typeof ssaeOptions>, options),
};
