// The supervised-only baseline of the semi-supervised table: an MLP classifier trained on the labelled rows alone
// (the unlabelled batch is ignored). Defaults are ../shared/anchors/torch_supervised_baseline.py's: 784-500-500-10,
// ReLU, dropout 0.5, Adam 1e-3, labelled batches of 100 (run it for 3000 steps: --steps 3000).
import type { Tensor } from '../tensor.js';
import type { Batch } from '../train/contract.js';
import { SemiSupervisedModel, type ModelOptions, type Objective } from './base.js';
import { zeroMissing } from './common.js';
import type { KindSpec } from './kind.js';
import { fraction, rate, sizes, type ConfigInput, type ConfigOf } from './options.js';
import { ClassifierHead, SEMI_SUPERVISED, SEMI_SUPERVISED_OPTIONS } from './parts/classifier.js';

const supervisedOptions = {
  hidden: sizes([500, 500]),
  dropout: fraction(0.5),
  lr: rate(1e-3),
  ...SEMI_SUPERVISED_OPTIONS,
};

export type SupervisedConfig = ConfigOf<'supervised', typeof supervisedOptions>;

export class SupervisedMLP extends SemiSupervisedModel<SupervisedConfig, ClassifierHead> {
  constructor(config: ConfigInput<'supervised', typeof supervisedOptions>, options: ModelOptions = {}) {
    super(supervisedKind, config, options, (c, generator, device) =>
      new ClassifierHead(c.inputSize, c.hidden, c.classes, { activation: 'relu', dropout: c.dropout, generator, device }));
  }

  protected logits(x: Tensor): Tensor {
    return this.module.forward(zeroMissing(x));
  }

  protected losses(batch: Batch): Objective {
    const { x, labels } = this.labelled(batch);
    return { loss: this.module.loss(this.kind, zeroMissing(x), labels, this.config.classWeights) };
  }
}

export const supervisedKind: KindSpec = {
  kind: 'supervised', schema: supervisedOptions,
  describe: 'MLP classifier on the labelled rows alone (the baseline)', ...SEMI_SUPERVISED,
  create: (config, options) => new SupervisedMLP(config as ConfigInput<'supervised', typeof supervisedOptions>, options),
};
