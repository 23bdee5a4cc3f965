// The autoencoder: an MLP encoder inputSize-hidden...-latent (linear code), the mirrored decoder with a Bernoulli
// likelihood (BCE-with-logits summed over each row; missing inputs, NaN, are left out of the loss and fed to the
// encoder as 0), averaged over the batch. Adam. The denoising autoencoder (dae.ts) corrupts the encoder's input.
import { noGrad } from '../autograd.js';
import { Module } from '../nn/module.js';
import { MLP } from '../nn/mlp.js';
import { mean, sum } from '../ops/reduce.js';
import type { Generator } from '../random.js';
import type { Device, Tensor } from '../tensor.js';
import type { Batch, Decoder, Encoder } from '../train/contract.js';
import { Model, type ConfigSpec, type ModelOptions, type Objective } from './base.js';
import { zeroMissing } from './common.js';
import { GENERATIVE, type KindSpec } from './kind.js';
import { choice, likelihood, int, rate, sizes, type ConfigInput, type ConfigOf } from './options.js';
import { LikelihoodDecoder } from './parts/decoder.js';

/** The options an autoencoder shares with the denoising one. */
export const aeOptions = {
  /** encoder hidden sizes; the decoder mirrors them */
  hidden: sizes([512, 256]),
  latent: int(32),
  /** hidden-layer nonlinearity */
  activation: choice('relu', ['relu', 'leakyRelu', 'tanh'] as const),
  /** Adam learning rate */
  lr: rate(1e-3),
  /** p(x | code): 'bernoulli' (inputs in [0, 1]), 'gaussian', or a table's mixed columns */
  likelihood: likelihood({ kind: 'bernoulli' }),
};

export type AEConfig = ConfigOf<'ae' | 'dae', typeof aeOptions>;

/** The parameter tree: an MLP encoder to a linear code of `latent` units and the mirrored Bernoulli decoder. */
export class AENetwork extends Module {
  encoder: MLP;
  decoder: LikelihoodDecoder;

  constructor(c: Pick<AEConfig, 'inputSize' | 'hidden' | 'latent' | 'activation' | 'likelihood'>, generator: Generator, device: Device) {
    super();
    const options = { activation: c.activation, generator, device };
    this.encoder = new MLP([c.inputSize, ...c.hidden, c.latent], options);
    this.decoder = new LikelihoodDecoder([c.latent, ...[...c.hidden].reverse(), c.inputSize], c.likelihood, options);
  }
}

export class Autoencoder extends Model<AEConfig, AENetwork> implements Encoder, Decoder {
  /** spec: the kind whose options are read (the denoising autoencoder's reads its noise too) */
  constructor(config: ConfigInput<'ae', typeof aeOptions>, options: ModelOptions = {}, spec: ConfigSpec = aeKind) {
    super(spec, config, options, (c, g, d) => new AENetwork(c, g, d));
  }

  /** The encoder's input during training: the clean input here; the denoising autoencoder corrupts it. */
  protected corrupt(x: Tensor): Tensor {
    return x;
  }

  /** Reconstruction loss per row, [rows]: −log p(x | decoder(encoder(input))). */
  reconstructionLoss(x: Tensor, input: Tensor = zeroMissing(x)): Tensor {
    return this.module.decoder.nll(this.module.encoder.forward(input), x);
  }

  protected losses(batch: Batch): Objective {
    const x = this.inputs(batch);
    return { loss: mean(this.reconstructionLoss(x, this.corrupt(zeroMissing(x)))) };
  }

  /** {loss: Σ over rows of the reconstruction loss of the clean input} */
  evaluateBatch(batch: Batch): Record<string, number> {
    const x = this.inputs(batch);
    return noGrad(() => {
      const { nll, families } = this.module.decoder.nllWithFamilies(this.module.encoder.forward(zeroMissing(x)), x);
      return { loss: sum(nll).item(), ...families };
    });
  }

  /** Codes of x, [rows, latent] (missing inputs read as 0). */
  encode(x: Tensor): Tensor {
    return this.module.encoder.forward(zeroMissing(this.argument('encode', x)));
  }

  /** The decoder's mean in [0, 1] for codes z, [rows, inputSize]. */
  decode(z: Tensor): Tensor {
    return this.module.decoder.mean(this.argument('decode', z, 'z', this.config.latent));
  }

  /** decode(encode(x)) */
  reconstruct(x: Tensor): Tensor {
    return this.decode(this.encode(x));
  }
}

export const aeKind: KindSpec = {
  kind: 'ae', schema: aeOptions, describe: 'autoencoder, BCE reconstruction', ...GENERATIVE,
  create: (config, options) => new Autoencoder(config as ConfigInput<'ae', typeof aeOptions>, options),
};
