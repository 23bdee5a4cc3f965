// The autoencoder: an MLP encoder inputSize-hidden...-latent (linear code), the mirrored MLP decoder giving
// logits, and a Bernoulli reconstruction loss: BCE-with-logits summed over each row (missing inputs, NaN, are
// masked by the loss kernel and fed to the encoder as 0), averaged over the batch. Adam by default.
import { noGrad } from '../autograd.js';
import { Module } from '../nn/module.js';
import { MLP } from '../nn/mlp.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { sigmoidCrossEntropy } from '../ops/losses.js';
import { mean, sum } from '../ops/reduce.js';
import { Generator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import { ConfigReader, asConfig, batchInputs, checkInputs, forwardWithOutput, zeroMissing } from './common.js';
import type { Batch, Decoder, Encoder, ModelConfig, TrainableModel } from './model.js';

export interface AEConfig extends ModelConfig {
  kind: 'ae' | 'dae';
  /** encoder hidden sizes; the decoder mirrors them */
  hidden: number[];
  latent: number;
  /** hidden-layer nonlinearity */
  activation: 'relu' | 'leakyRelu' | 'tanh';
  /** Adam learning rate */
  lr: number;
}

/** Construction options shared by every model (the registry passes them through). */
export interface ModelOptions {
  /** the stream for initial weights, noise and sampling (default: a new Generator(0)) */
  generator?: Generator;
  device?: Device;
}

/** Reads the options an autoencoder shares with the denoising one. */
export function readAEConfig(r: ConfigReader, kind: 'ae' | 'dae'): AEConfig {
  return {
    kind,
    inputSize: r.inputSize(),
    hidden: r.sizes('hidden', [512, 256]),
    latent: r.int('latent', 32),
    activation: r.choice('activation', 'relu', ['relu', 'leakyRelu', 'tanh'] as const),
    lr: r.number('lr', 1e-3, 0, 1, true),
  };
}

/** The parameter tree: encoder and decoder MLPs. */
export class AENetwork extends Module {
  encoder: MLP;
  decoder: MLP;

  constructor(c: AEConfig, generator: Generator, device: Device) {
    super();
    const options = { activation: c.activation, generator, device };
    this.encoder = new MLP([c.inputSize, ...c.hidden, c.latent], options);
    this.decoder = new MLP([c.latent, ...[...c.hidden].reverse(), c.inputSize], options);
  }
}

export class Autoencoder implements TrainableModel, Encoder, Decoder {
  readonly config: AEConfig;
  readonly module: AENetwork;
  readonly optimizers: Record<string, Optimizer>;
  readonly generator: Generator;
  readonly device: Device;

  constructor(config: Partial<AEConfig> & Record<string, unknown>, options: ModelOptions = {}) {
    this.config = this.readConfig(config);
    this.generator = options.generator ?? new Generator(0);
    if (!(this.generator instanceof Generator)) throw new Error(`${this.config.kind}: generator must be a Generator`);
    this.device = options.device ?? 'cpu';
    this.module = new AENetwork(this.config, this.generator, this.device);
    this.optimizers = { adam: new Adam(this.module.parameters(), { lr: this.config.lr }) };
  }

  /** Reads and checks the config (the denoising autoencoder adds its noise options). */
  protected readConfig(config: Partial<AEConfig> & Record<string, unknown>): AEConfig {
    const r = new ConfigReader('ae', config);
    const c = readAEConfig(r, 'ae');
    r.rejectUnknown();
    return asConfig(c);
  }

  /** The encoder's input during training: the clean input here; the denoising autoencoder corrupts it. */
  protected corrupt(x: Tensor): Tensor {
    return x;
  }

  /** Reconstruction loss per row, [rows]: BCE-with-logits of decoder(encoder(input)) against x, summed. */
  reconstructionLoss(x: Tensor, input: Tensor = zeroMissing(x)): Tensor {
    const logits = this.module.decoder.forward(this.module.encoder.forward(input));
    return sigmoidCrossEntropy(logits, x);
  }

  trainStep(batch: Batch): Record<string, number> {
    const x = batchInputs(this.config.kind, batch, this.config.inputSize, this.device);
    const loss = mean(this.reconstructionLoss(x, this.corrupt(zeroMissing(x))));
    const adam = this.optimizers.adam;
    adam.zeroGrad();
    loss.backward();
    adam.step();
    return { loss: loss.item() };
  }

  /** {loss: Σ over rows of the reconstruction BCE of the clean input} */
  evaluateBatch(batch: Batch): Record<string, number> {
    const x = batchInputs(this.config.kind, batch, this.config.inputSize, this.device);
    return { loss: noGrad(() => sum(this.reconstructionLoss(x)).item()) };
  }

  /** Codes of x, [rows, latent] (missing inputs read as 0). */
  encode(x: Tensor): Tensor {
    const input = checkInputs(`${this.config.kind}.encode`, x, 'x', this.config.inputSize, this.device);
    return this.module.encoder.forward(zeroMissing(input));
  }

  /** sigmoid(decoder(z)) in [0, 1], [rows, inputSize]. */
  decode(z: Tensor): Tensor {
    checkInputs(`${this.config.kind}.decode`, z, 'z', this.config.latent, this.device);
    return forwardWithOutput(this.module.decoder, z, 'sigmoid');
  }

  /** decode(encode(x)) */
  reconstruct(x: Tensor): Tensor {
    return this.decode(this.encode(x));
  }
}
