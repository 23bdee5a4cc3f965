// The supervised MLP workload of the engine issue: a 784-500-500-10 ReLU classifier with dropout 0.5, Adam 1e-3,
// batch 100, on Fashion-MNIST. `semigen bench mlp-step` times one training step (median over many steps after
// warm-up); `semigen bench mlp-train` trains it (6000 steps by default) and reports the test error.
import { Adam } from '../../optim/adam.js';
import { MLP } from '../../nn/mlp.js';
import { Generator } from '../../random.js';
import { tidy, noGrad } from '../../autograd.js';
import { fromArray } from '../../ops/creation.js';
import { gatherRows } from '../../ops/shape.js';
import { mean } from '../../ops/reduce.js';
import { softmaxCrossEntropy } from '../../ops/losses.js';
import { native } from '../../backend.js';
import type { Tensor } from '../../tensor.js';
import { readImageSet, type ImageSet } from '../../data/idx.js';
import { resolveDataset } from '../../data/resolve.js';
import { ShuffledBatches } from '../../data/batches.js';

const BATCH = 100;

interface Workload {
  model: MLP;
  optimizer: Adam;
  images: Tensor;
  labels: Tensor;
  batches: ShuffledBatches;
}

function toTensors(set: ImageSet): { images: Tensor; labels: Tensor } {
  return {
    images: fromArray(set.images, [set.count, set.features]),
    labels: fromArray(Float32Array.from(set.labels), [set.count]),
  };
}

function setUp(train: ImageSet, seed: number): Workload {
  const gen = new Generator(seed);
  const model = new MLP([train.features, 500, 500, 10], { activation: 'relu', dropout: 0.5, generator: gen });
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  return { model, optimizer, ...toTensors(train), batches: new ShuffledBatches(train.count, BATCH, seed) };
}

/** One training step; returns the batch loss (read back every step, as the PyTorch side does). */
function step(w: Workload): number {
  return tidy(() => {
    const index = w.batches.next();
    const x = gatherRows(w.images, index);
    const y = gatherRows(w.labels, index);
    const loss = mean(softmaxCrossEntropy(w.model.forward(x), y));
    w.optimizer.zeroGrad();
    loss.backward();
    w.optimizer.step();
    return loss.item();
  });
}

function testError(model: MLP, test: ImageSet): number {
  model.eval();
  const { images, labels } = toTensors(test);
  let wrong = 0;
  noGrad(() => {
    for (let start = 0; start < test.count; start += 1000) {
      const end = Math.min(test.count, start + 1000);
      tidy(() => {
        const index = Int32Array.from({ length: end - start }, (_, i) => start + i);
        const logits = model.forward(gatherRows(images, index)).toArray();
        for (let r = 0; r < end - start; r++) {
          let best = 0;
          for (let c = 1; c < 10; c++) if (logits[r * 10 + c] > logits[r * 10 + best]) best = c;
          if (best !== test.labels[start + r]) wrong++;
        }
      });
    }
  });
  images.dispose();
  labels.dispose();
  model.train();
  return wrong / test.count;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface MlpStepRow {
  [key: string]: string | number;
  name: string;
  threads: number;
  ms_per_step: number;
  samples_per_s: number;
  gflops: number;
}

/** Step FLOPs: forward 2·B·Σ(in·out); backward twice that (the first layer's input gradient is skipped). */
export const MLP_STEP_FLOP = 2 * BATCH * (784 * 500 + 500 * 500 + 500 * 10) * 3 - 2 * BATCH * 784 * 500;

export function benchMlpStep(dataDir: string | undefined, threads: number, steps: number): MlpStepRow {
  const previous = native.threads();
  native.setThreads(threads);
  const w = setUp(readImageSet(resolveDataset('fashion-mnist', dataDir), 'train'), 0);
  try {
    for (let i = 0; i < 20; i++) step(w);
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t = process.hrtime.bigint();
      step(w);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const ms = median(times);
    return { name: 'mlp-step', threads, ms_per_step: ms, samples_per_s: (BATCH / ms) * 1e3, gflops: MLP_STEP_FLOP / ms / 1e6 };
  } finally {
    w.images.dispose();
    w.labels.dispose();
    native.setThreads(previous);
  }
}

export interface MlpTrainRow {
  [key: string]: string | number;
  name: string;
  steps: number;
  seed: number;
  test_error: number;
  ms_per_step: number;
  seconds: number;
}

export function benchMlpTrain(dataDir: string | undefined, steps: number, seed: number, progress: (line: string) => void): MlpTrainRow {
  const dir = resolveDataset('fashion-mnist', dataDir);
  const train = readImageSet(dir, 'train');
  const test = readImageSet(dir, 't10k');
  const w = setUp(train, seed);
  const started = Date.now();
  let recent = 0;
  for (let i = 1; i <= steps; i++) {
    recent += step(w);
    if (i % 500 === 0 || i === steps) {
      progress(`step ${i}/${steps} loss ${(recent / (i % 500 === 0 ? 500 : i % 500)).toFixed(4)} ${((Date.now() - started) / i).toFixed(2)} ms/step`);
      recent = 0;
    }
  }
  const seconds = (Date.now() - started) / 1000;
  const error = testError(w.model, test);
  w.images.dispose();
  w.labels.dispose();
  return { name: 'mlp-train', steps, seed, test_error: error, ms_per_step: (seconds * 1e3) / steps, seconds };
}
