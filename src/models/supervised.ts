// The supervised-only baseline of the semi-supervised table: an MLP classifier trained on the labelled rows alone
// (the unlabelled batch is ignored). Defaults are ../shared/anchors/torch_supervised_baseline.py's: 784-500-500-10,
// ReLU, dropout 0.5, Adam 1e-3, labelled batches of 100 (run it for 3000 steps: --steps 3000).
import { noGrad } from '../autograd.js';
import { MLP } from '../nn/mlp.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { softmax } from '../ops/reduce.js';
import { Generator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import type { ModelOptions } from './ae.js';
import { ConfigReader, asConfig, checkInputs, zeroMissing } from './common.js';
import type { Batch, Classifier, ModelConfig, TrainableModel } from './model.js';
import { classificationSums, classifierLoss, labelledPart, readSemiSupervised, type SemiSupervisedOptions } from './semi.js';

export interface SupervisedConfig extends ModelConfig, SemiSupervisedOptions {
  kind: 'supervised';
  hidden: number[];
  dropout: number;
  lr: number;
}

export class SupervisedMLP implements TrainableModel, Classifier {
  readonly config: SupervisedConfig;
  readonly module: MLP;
  readonly optimizers: Record<string, Optimizer>;
  readonly generator: Generator;
  readonly device: Device;
  readonly classes: number;
  readonly labelledBatchSize: number;

  constructor(config: Partial<SupervisedConfig> & Record<string, unknown>, options: ModelOptions = {}) {
    const r = new ConfigReader('supervised', config);
    const c: SupervisedConfig = {
      kind: 'supervised',
      inputSize: r.inputSize(),
      hidden: r.sizes('hidden', [500, 500]),
      dropout: r.number('dropout', 0.5, 0, 1, false, true),
      lr: r.number('lr', 1e-3, 0, 1, true),
      ...readSemiSupervised(r),
    };
    r.rejectUnknown();
    this.config = asConfig(c);
    this.classes = c.classes;
    this.labelledBatchSize = c.labelledBatchSize;
    this.generator = options.generator ?? new Generator(0);
    if (!(this.generator instanceof Generator)) throw new Error('supervised: generator must be a Generator');
    this.device = options.device ?? 'cpu';
    this.module = new MLP([c.inputSize, ...c.hidden, c.classes],
      { activation: 'relu', dropout: c.dropout, generator: this.generator, device: this.device });
    this.optimizers = { adam: new Adam(this.module.parameters(), { lr: c.lr }) };
  }

  private logits(x: Tensor): Tensor {
    return this.module.forward(zeroMissing(x));
  }

  trainStep(batch: Batch): Record<string, number> {
    const { x, labels } = labelledPart('supervised', batch, this.config.inputSize, this.device);
    const loss = classifierLoss('supervised', this.logits(x), labels, this.config.classWeights);
    const adam = this.optimizers.adam;
    adam.zeroGrad();
    loss.backward();
    adam.step();
    return { loss: loss.item() };
  }

  evaluateBatch(batch: Batch): Record<string, number> {
    const x = checkInputs('supervised', batch?.x, 'batch.x', this.config.inputSize, this.device);
    if (batch.labels === undefined) throw new Error('supervised: evaluation needs batch.labels');
    return noGrad(() => classificationSums(this.logits(x), batch.labels as Tensor));
  }

  classify(x: Tensor): Tensor {
    checkInputs('supervised.classify', x, 'x', this.config.inputSize, this.device);
    return softmax(this.logits(x));
  }
}
