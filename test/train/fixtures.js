// Shared by the training tests: a tiny denoising autoencoder that implements TrainableModel (noise and dropout draw
// from its generator, so resuming must restore the stream), synthetic data splits, a silent progress stream, and a
// child-process entry (`node fixtures.js <job> <json>`) for runs that must happen in a fresh process.
import { fileURLToPath } from 'node:url';
import * as sg from '../../dist/src/index.js';
import { train } from '../../dist/src/train/loop.js';
import { captureState, saveCheckpoint } from '../../dist/src/train/checkpoint.js';
import { rng } from '../helpers.js';

export class TinyModel {
  constructor(seed = 1, { inputSize = 8, hidden = 6, lr = 1e-2 } = {}) {
    this.config = { kind: 'tiny', inputSize, hidden, lr };
    this.generator = new sg.Generator(seed);
    this.module = new sg.MLP([inputSize, hidden, inputSize], { activation: 'tanh', dropout: 0.1, generator: this.generator });
    this.optimizers = { adam: new sg.Adam(this.module.parameters(), { lr }) };
  }

  /** the per-row reconstruction loss of noisy inputs: [rows, inputSize] elementwise BCE */
  losses(x) {
    const noisy = sg.add(x, sg.randn(x.shape, this.generator, { std: 0.1 }));
    return sg.sigmoidCrossEntropy(this.module.forward(noisy), x);
  }

  trainStep(batch) {
    const loss = sg.mean(this.losses(batch.x));
    this.optimizers.adam.zeroGrad();
    loss.backward();
    this.optimizers.adam.step();
    return { loss: loss.item() };
  }

  evaluateBatch(batch) {
    return { loss: sg.sum(this.losses(batch.x)).item() };
  }

  dispose() {
    this.optimizers.adam.dispose();
    this.module.dispose();
  }
}

/** rows x features values in [0, 1] with a little structure, labels 0..3 (every fifth unlabelled). */
export function syntheticSplit(rows, features = 8, seed = 3) {
  const r = rng(seed);
  const x = new Float32Array(rows * features);
  const labels = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = i % 4;
    labels[i] = i % 5 === 0 ? NaN : c;
    for (let j = 0; j < features; j++) x[i * features + j] = Math.min(1, Math.max(0, (j % 4 === c ? 0.8 : 0.2) + 0.1 * r.normal()));
  }
  return { x, labels, count: rows, features };
}

export function syntheticData(trainRows = 96, testRows = 40) {
  return { name: 'synthetic', train: syntheticSplit(trainRows, 8, 3), test: syntheticSplit(testRows, 8, 4) };
}

/** A progress stream that keeps what it is given. */
export function memoryStream(isTTY = false) {
  const chunks = [];
  return { isTTY, columns: 120, chunks, write: (s) => chunks.push(s), text: () => chunks.join('') };
}

/** Runs the tiny model for the options given; returns the step losses and the final weights. */
export async function runTiny(options, { modelSeed = 1, data = syntheticData() } = {}) {
  const model = new TinyModel(modelSeed);
  const losses = [];
  try {
    const result = await train(model, data, {
      progress: 'none', ...options,
      onEvent: (e) => {
        if (e.type === 'step') losses.push(e.metrics.loss);
        options.onEvent?.(e);
      },
    });
    return { result, losses, weights: model.module.stateDict() };
  } finally {
    model.dispose();
  }
}

// ---- child-process jobs

async function main(job, args) {
  if (job === 'train') {
    const { result, losses } = await runTiny(args.options);
    process.stdout.write(`${JSON.stringify({ result, losses })}\n`);
  } else if (job === 'big-checkpoint') {
    // a checkpoint large enough that writing it takes a while: the parent kills us while it is written
    const model = new TinyModel(5, { inputSize: 8, hidden: 6 });
    const state = captureState(model, null, { step: args.step, epoch: 1, config: {}, progress: {} });
    state.model['padding'] = { shape: [args.floats], data: new Float32Array(args.floats).fill(1) };
    process.stdout.write('writing\n');
    saveCheckpoint(args.path, state);
    process.stdout.write('written\n');
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(process.argv[2], JSON.parse(process.argv[3]));
}
