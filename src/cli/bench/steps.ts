// The reference training steps of DESIGN.md, mirroring ../shared/anchors/torch_steps.py: `vae-step` (the VAE
// model, 784-512-256-z32, batch 128, Adam 1e-3) and `gan-step` (its SS-GAN step: generator 100-500-500-784,
// discriminator 784-1000-500-250-250-250 + a 10-way head, batch 100 labelled + 100 unlabelled, Adam 3e-4 each,
// D loss = CE(labelled) + the unsupervised log-sum-exp terms, G loss = feature matching) and `m2-step` (Kingma's
// M2, see m2_step.ts). Each step reads its loss back once, as the PyTorch side does. `semigen bench
// vae-step|gan-step|m2-step` prints the median step time, its GFLOP (the matmuls computed, forward and backward)
// and the fraction of this machine's measured FMA peak; m2-step also PyTorch's FLOP count for the same step.
import { noGrad, tidy } from '../../autograd.js';
import { native } from '../../backend.js';
import { ShuffledBatches } from '../../data/batches.js';
import { readImageSet } from '../../data/idx.js';
import { resolveDataset } from '../../data/resolve.js';
import { VAE } from '../../models/vae.js';
import { Linear } from '../../nn/linear.js';
import { MLP } from '../../nn/mlp.js';
import { withFrozen } from '../../nn/frozen.js';
import { fromArray } from '../../ops/creation.js';
import { sub } from '../../ops/elementwise.js';
import { square } from '../../ops/activations.js';
import { sigmoidCrossEntropy, softmaxCrossEntropy } from '../../ops/losses.js';
import { rand } from '../../ops/random.js';
import { logsumexp, mean, sum } from '../../ops/reduce.js';
import { concatCols, gatherRows, reshape, sliceCols } from '../../ops/shape.js';
import { Adam } from '../../optim/adam.js';
import { Generator } from '../../random.js';
import type { Device, Tensor } from '../../tensor.js';
import { M2_BATCH, M2_STEP_FLOP, M2_STEP_TORCH_FLOP, m2Workload } from './m2_step.js';
import { measuredPeak } from './peak.js';

/** The training images and labels on the workload's device, and a seeded batch stream over them. */
export interface Data {
  images: Tensor;
  labels: Tensor;
  batches: ShuffledBatches;
}

export function loadData(dataDir: string | undefined, batch: number, seed: number, device: Device = 'cpu'): Data {
  const set = readImageSet(resolveDataset('fashion-mnist', dataDir), 'train');
  return {
    images: fromArray(set.images, [set.count, set.features], { device }),
    labels: fromArray(Float32Array.from(set.labels), [set.count], { device }),
    batches: new ShuffledBatches(set.count, batch, seed),
  };
}

/** Multiply-adds of x·W for every layer of an MLP of `sizes`, per row. */
function macs(sizes: readonly number[]): number {
  let n = 0;
  for (let i = 0; i + 1 < sizes.length; i++) n += sizes[i] * sizes[i + 1];
  return n;
}

// ---- vae-step --------------------------------------------------------------------------------------------

const VAE_BATCH = 128;
const VAE_ENCODER = [784, 512, 256];
const VAE_HEADS = 256 * 32 * 2;
const VAE_DECODER = [32, 256, 512, 784];
/** forward 2·B·M; backward dW for every layer and dX for all but the first (its input is data): 2·B·(2M − 784·512) */
export const VAE_STEP_FLOP = (() => {
  const m = macs(VAE_ENCODER) + VAE_HEADS + macs(VAE_DECODER);
  return 2 * VAE_BATCH * (3 * m - 784 * 512);
})();

/** Returns one step of the VAE workload (the model's own trainStep) and a cleanup. */
function vaeWorkload(data: Data, device: Device): { step: () => number; dispose: () => void } {
  const model = new VAE({ inputSize: 784, hidden: [512, 256], latent: 32, lr: 1e-3 }, { generator: new Generator(0), device });
  return {
    step: () => tidy(() => model.trainStep({ x: gatherRows(data.images, data.batches.next()) }).loss),
    dispose: () => {
      model.optimizers.adam.dispose();
      model.module.dispose();
    },
  };
}

// ---- gan-step --------------------------------------------------------------------------------------------

const GAN_BATCH = 100;
const GAN_NOISE = 100;
const G_SIZES = [GAN_NOISE, 500, 500, 784];
const D_SIZES = [784, 1000, 500, 250, 250, 250];
const CLASSES = 10;
/**
 * D step: G forward on 100 rows, D forward on the 300 rows [labelled; unlabelled; fake], D backward (dW every
 * layer, dX all but the first). G step: D features of the unlabelled rows, G forward, D forward and its dX only
 * (D's weights get no gradient there: PyTorch computes one and discards it), G backward (dX all but the first).
 */
export const GAN_STEP_FLOP = (() => {
  const g = macs(G_SIZES);
  const d = macs(D_SIZES) + 250 * CLASSES;
  const feat = macs(D_SIZES);
  const dStep = GAN_BATCH * g + 3 * GAN_BATCH * (d + d + (d - 784 * 1000));
  const gStep = GAN_BATCH * (feat + g + feat + feat + g + (g - GAN_NOISE * 500));
  return 2 * (dStep + gStep);
})();

/** One step of the SS-GAN workload of torch_steps.py (gan_step), a cleanup, and its networks (for checks). */
export function ganWorkload(data: Data, seed: number, device: Device = 'cpu'): {
  step: () => number; dispose: () => void; gen: Generator; generator: MLP; features: MLP; head: Linear;
} {
  const gen = new Generator(seed);
  const generator = new MLP(G_SIZES, { activation: 'relu', outputActivation: 'sigmoid', generator: gen, device });
  const features = new MLP(D_SIZES, { activation: 'relu', outputActivation: 'relu', generator: gen, device });
  const head = new Linear(250, CLASSES, { generator: gen, device });
  const dParams = [...features.parameters(), ...head.parameters()];
  const optD = new Adam(dParams, { lr: 3e-4 });
  const optG = new Adam(generator.parameters(), { lr: 3e-4 });
  // the unsupervised terms as BCE-with-logits of lse: -lse + softplus(lse) = BCE(lse, 1), softplus(lse) =
  // BCE(lse, 0); NaN targets mask the labelled rows out of it
  const targets = new Float32Array(3 * GAN_BATCH).fill(NaN);
  targets.fill(1, GAN_BATCH, 2 * GAN_BATCH).fill(0, 2 * GAN_BATCH);
  const lseTargets = fromArray(targets, [3 * GAN_BATCH, 1], { device });
  const n = GAN_BATCH;
  const step = (): number => tidy(() => {
    const labelled = data.batches.next();
    const unlabelled = data.batches.next();
    const index = new Int32Array(2 * n);
    index.set(labelled, 0);
    index.set(unlabelled, n);
    const y = gatherRows(data.labels, labelled);
    const xu = gatherRows(data.images, unlabelled);
    // D step: one pass over [labelled; unlabelled; fake]; contiguous rows concatenate as one long row each
    const fake = noGrad(() => generator.forward(rand([n, GAN_NOISE], gen, { device })));
    const real = gatherRows(data.images, index);
    const all = reshape(concatCols([reshape(real, [1, 2 * n * 784]), reshape(fake, [1, n * 784])]), [3 * n, 784]);
    const logits = head.forward(features.forward(all));
    const labelledLogits = reshape(sliceCols(reshape(logits, [1, 3 * n * CLASSES]), 0, n * CLASSES), [n, CLASSES]);
    const lse = reshape(logsumexp(logits, -1), [3 * n, 1]);
    const unsupervised = sum(sigmoidCrossEntropy(lse, lseTargets)).mul(1 / n);
    const lossD = mean(softmaxCrossEntropy(labelledLogits, y)).add(unsupervised);
    optD.zeroGrad();
    lossD.backward();
    optD.step();
    // G step: feature matching against the unlabelled rows' mean features; D's weights frozen
    const target = noGrad(() => mean(features.forward(xu), 0));
    withFrozen([features, head], () => {
      const generated = mean(features.forward(generator.forward(rand([n, GAN_NOISE], gen, { device }))), 0);
      const lossG = mean(square(sub(target, generated)));
      optG.zeroGrad();
      lossG.backward();
    });
    optG.step();
    return lossD.item();
  });
  return {
    step,
    gen,
    generator,
    features,
    head,
    dispose: () => {
      optD.dispose();
      optG.dispose();
      for (const m of [generator, features, head]) m.dispose();
      lseTargets.dispose();
    },
  };
}

// ---- timing ----------------------------------------------------------------------------------------------

export interface StepRow {
  /** also, on the CPU: peak_fraction, the achieved GFLOP/s over the measured FMA peak at the same thread count */
  [key: string]: string | number;
  name: string;
  device: string;
  threads: number;
  ms_per_step: number;
  samples_per_s: number;
  gflop_per_step: number;
}

export const STEP_WORKLOADS = ['vae-step', 'gan-step', 'm2-step'] as const;
export type StepWorkload = (typeof STEP_WORKLOADS)[number];

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Per workload: rows drawn per batch, samples per step, FLOP per step (and PyTorch's count where it differs). */
const SIZES: Record<StepWorkload, { batch: number; samples: number; flop: number; torchFlop?: number }> = {
  'vae-step': { batch: VAE_BATCH, samples: VAE_BATCH, flop: VAE_STEP_FLOP },
  'gan-step': { batch: GAN_BATCH, samples: 2 * GAN_BATCH, flop: GAN_STEP_FLOP },
  'm2-step': { batch: M2_BATCH, samples: 2 * M2_BATCH, flop: M2_STEP_FLOP, torchFlop: M2_STEP_TORCH_FLOP },
};

/**
 * Times `steps` steps (after 10 of warm-up, as the PyTorch side) on `device` and reports the median. Each step ends
 * by reading its loss, so a GPU step's time includes all its work.
 */
export function benchStep(name: StepWorkload, dataDir: string | undefined, threads: number, steps: number,
  device: Device = 'cpu', peak = device === 'cpu' ? measuredPeak(threads) : undefined): StepRow {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`bench ${name}: steps must be a positive integer, got ${steps}`);
  const previous = native.threads();
  native.setThreads(threads);
  const size = SIZES[name];
  const data = loadData(dataDir, size.batch, 0, device);
  const work = name === 'vae-step' ? vaeWorkload(data, device)
    : name === 'gan-step' ? ganWorkload(data, 0, device) : m2Workload(data, 0, device);
  try {
    for (let i = 0; i < 10; i++) work.step();
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t = process.hrtime.bigint();
      const loss = work.step();
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (!Number.isFinite(loss)) throw new Error(`bench ${name}: the loss became ${loss} at step ${i + 1}`);
    }
    const ms = median(times);
    const row: StepRow = {
      name,
      device,
      threads,
      ms_per_step: ms,
      samples_per_s: (size.samples / ms) * 1e3,
      gflop_per_step: size.flop / 1e9,
    };
    if (peak !== undefined) row.peak_fraction = size.flop / (ms * 1e6) / peak;
    if (size.torchFlop !== undefined) {
      // PyTorch's count of the same step over our time: the rate a framework computing it PyTorch's way would need
      row.torch_gflop_per_step = size.torchFlop / 1e9;
      if (peak !== undefined) row.torch_flop_peak_fraction = size.torchFlop / (ms * 1e6) / peak;
    }
    return row;
  } finally {
    work.dispose();
    data.images.dispose();
    data.labels.dispose();
    native.setThreads(previous);
  }
}
