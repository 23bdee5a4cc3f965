// Quality check of a semi-supervised model (m2, m1, m1m2 ...) on MNIST-format data with a few balanced labels:
// every step one labelled batch (cycling through the labelled rows in shuffled order) beside one batch of all
// training rows, as the training loop does; the test error every EVAL_EVERY steps, one JSON line each.
// Run: node dist/bench/semi_quality.js; environment: KIND (m2), DATASET (mnist), LABELS (100), STEPS (6000),
// BATCH (100, rows of batch.x), EVAL_EVERY (600), SEED (0), CONFIG (JSON overrides of the model config),
// SEMIGEN_DATA, SEMIGEN_NUM_THREADS.
import { noGrad, tidy } from '../src/autograd.js';
import { ShuffledBatches } from '../src/data/batches.js';
import { readImageSet } from '../src/data/idx.js';
import { resolveDataset } from '../src/data/resolve.js';
import { balancedSubset } from '../src/data/subset.js';
import { createModel, disposeModel } from '../src/models/registry.js';
import { fromArray } from '../src/ops/creation.js';
import { gatherRows } from '../src/ops/shape.js';
import { Generator } from '../src/random.js';
import type { Tensor } from '../src/tensor.js';

const env = (key: string, fallback: string) => process.env[key] ?? fallback;
const kind = env('KIND', 'm2');
const labelsWanted = Number(env('LABELS', '100'));
const steps = Number(env('STEPS', '6000'));
const batch = Number(env('BATCH', '100'));
const evalEvery = Number(env('EVAL_EVERY', '600'));
const seed = Number(env('SEED', '0'));
const overrides = JSON.parse(env('CONFIG', '{}')) as Record<string, unknown>;

const dir = resolveDataset(env('DATASET', 'mnist'));
const train = readImageSet(dir, 'train');
const test = readImageSet(dir, 't10k');
const trainLabels = Float32Array.from(train.labels);
const chosen = balancedSubset(trainLabels, labelsWanted, seed);
const images = fromArray(train.images, [train.count, train.features]);
const labelledX = gatherRows(images, chosen);
const labelledY = fromArray(Float32Array.from(chosen, (i) => trainLabels[i]), [chosen.length]);
const testX = fromArray(test.images, [test.count, test.features]);
const testY = fromArray(Float32Array.from(test.labels), [test.count]);

const model = createModel({ kind, inputSize: train.features, ...overrides }, { generator: new Generator(seed) });
const labelledBatch = model.labelledBatchSize ?? 100;
const all = new ShuffledBatches(train.count, batch, seed);
const labelled = new ShuffledBatches(chosen.length, Math.min(labelledBatch, chosen.length), seed + 1);

function evaluate(): Record<string, number> {
  model.module.eval();
  const sums: Record<string, number> = {};
  for (let start = 0; start < test.count; start += 1000) {
    const rows = Int32Array.from({ length: Math.min(1000, test.count - start) }, (_, i) => start + i);
    const part = noGrad(() => tidy(() => model.evaluateBatch({ x: gatherRows(testX, rows), labels: gatherRows(testY, rows) })));
    for (const [k, v] of Object.entries(part)) sums[k] = (sums[k] ?? 0) + v;
  }
  model.module.train();
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [`test_${k}`, v / test.count]));
}

const started = Date.now();
let running: Record<string, number> = {};
for (let step = 1; step <= steps; step++) {
  const m = tidy(() => {
    const l = labelled.next();
    const x: Tensor = gatherRows(images, all.next());
    return model.trainStep({ x, labelled: { x: gatherRows(labelledX, l), labels: gatherRows(labelledY, l) } });
  });
  for (const [k, v] of Object.entries(m)) running[k] = (running[k] ?? 0) + v;
  if (!Number.isFinite(m.loss ?? 0)) throw new Error(`step ${step}: loss ${m.loss}`);
  if (step % evalEvery === 0 || step === steps) {
    const n = step % evalEvery === 0 ? evalEvery : step % evalEvery;
    const means = Object.fromEntries(Object.entries(running).map(([k, v]) => [k, v / n]));
    running = {};
    const epoch = (step * batch) / train.count;
    console.log(JSON.stringify({ kind, step, epoch, seconds: (Date.now() - started) / 1e3, ...means, ...evaluate() }));
  }
}
disposeModel(model);
