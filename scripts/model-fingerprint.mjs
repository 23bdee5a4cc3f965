// Prints, as JSON, what a short seeded run of every model kind gives: its per-step training metrics, its test
// metrics, a digest of its weights and of what it classifies, encodes and samples. Run it before and after a change
// that must not alter behaviour and compare the two files with --compare (relative tolerance 1e-5: float rounding).
//
//   SEMIGEN_DATA=../shared/data node scripts/model-fingerprint.mjs > before.json
//   SEMIGEN_DATA=../shared/data node scripts/model-fingerprint.mjs --compare before.json
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL_KINDS, createModel, defaultConfig, disposeModel, Generator, loadDataset, noGrad, subsetRows,
  fewLabels, tensor, train } from '../dist/src/index.js';

const TRAIN_ROWS = 600;
const TEST_ROWS = 200;
const STEPS = 12;

// small networks so that every kind runs in seconds; the options each kind reads
const SMALL = {
  ae: { hidden: [64, 32], latent: 8 },
  dae: { hidden: [64, 32], latent: 8, noise: 'gaussian' },
  vae: { hidden: [64, 32], latent: 8 },
  gan: { generatorHidden: [64], discriminatorHidden: [64, 32] },
  supervised: { hidden: [64, 64] },
  ladder: { hidden: [64, 32], decayStart: 6, decayEnd: 12, labelledBatchSize: 20 },
  gamma: { hidden: [64, 32], labelledBatchSize: 20 },
  ssae: { hidden: [64, 32], code: 16, labelledBatchSize: 20 },
  ssgan: { generatorHidden: [64], discriminatorHidden: [64, 32, 32], labelledBatchSize: 20 },
  m1: { hidden: [64, 64], latent: 8, labelledBatchSize: 20 },
  m2: { classifierHidden: [64], encoderHidden: [64], decoderHidden: [64], latent: 8, labelledBatchSize: 20 },
  m1m2: { m1Hidden: [64], m1Latent: 8, m1Steps: 6, classifierHidden: [32], encoderHidden: [32], decoderHidden: [32],
    latent: 4, labelledBatchSize: 20, m1KlWarmup: 0.5 },
  vime: { hidden: [64], predictorHidden: [32], selfSteps: 6, labelledBatchSize: 20 },
};

function digest(values) {
  let s = 0;
  let a = 0;
  for (let i = 0; i < values.length; i++) {
    s += values[i] * ((i % 7) + 1);
    a += Math.abs(values[i]);
  }
  return [s, a];
}

async function fingerprint(kind, data) {
  const out = mkdtempSync(join(tmpdir(), `fp-${kind}-`));
  const config = defaultConfig(kind, data.train.features, { ...(SMALL[kind] ?? {}),
    ...(['supervised', 'ladder', 'gamma', 'ssae', 'ssgan', 'm1', 'm2', 'm1m2', 'vime'].includes(kind) ? { classes: 10 } : {}) });
  const model = createModel(config, { generator: new Generator(7) });
  try {
    const result = await train(model, data, { steps: STEPS, batchSize: 50, seed: 3, outDir: out, progress: 'none' });
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const steps = lines.filter((l) => l.kind !== 'error').map((l) => {
      const { samples_per_s: _s, rss_mb: _r, wall_s: _w, ...rest } = l;
      return rest;
    });
    // summed over tensors, so that renaming or reordering a module's members leaves it the same
    const weights = [0, 0];
    for (const [, t] of model.module.namedTensors()) digest(t.toArray()).forEach((v, i) => { weights[i] += v; });
    model.module.eval();
    const x = tensor(data.test.x.subarray(0, 20 * data.test.features), [20, data.test.features]);
    const outputs = {};
    noGrad(() => {
      if (typeof model.classify === 'function') outputs.classify = digest(model.classify(x).toArray());
      if (typeof model.encode === 'function') outputs.encode = digest(model.encode(x).toArray());
      if (typeof model.sample === 'function') outputs.sample = digest(model.sample(5).toArray());
    });
    return { config, steps, test: result.test, weights, outputs };
  } finally {
    disposeModel(model);
    rmSync(out, { recursive: true, force: true });
  }
}

function compare(before, after, path = '') {
  const problems = [];
  if (typeof before === 'number' && typeof after === 'number') {
    const scale = Math.max(1, Math.abs(before));
    if (!(Math.abs(before - after) <= 1e-5 * scale)) problems.push(`${path}: ${before} -> ${after}`);
  } else if (before !== null && typeof before === 'object' && after !== null && typeof after === 'object') {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (!(key in before) || !(key in after)) problems.push(`${path}.${key}: only ${key in before ? 'before' : 'after'}`);
      else problems.push(...compare(before[key], after[key], `${path}.${key}`));
    }
  } else if (before !== after) {
    problems.push(`${path}: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
  }
  return problems;
}

const data = await loadDataset('mnist');
const chosen = fewLabels(subsetRows(data.train, Array.from({ length: TRAIN_ROWS }, (_, i) => i)), 60, 1);
const small = { name: 'mnist', train: chosen.split, test: subsetRows(data.test, Array.from({ length: TEST_ROWS }, (_, i) => i)), classes: 10 };
const results = {};
for (const kind of MODEL_KINDS) results[kind] = await fingerprint(kind, small);

const at = process.argv.indexOf('--compare');
if (at < 0) {
  console.log(JSON.stringify(results, null, 1));
} else {
  const before = JSON.parse(readFileSync(process.argv[at + 1], 'utf8'));
  let bad = 0;
  for (const kind of new Set([...Object.keys(before), ...Object.keys(results)])) {
    const problems = compare(before[kind], results[kind], kind);
    console.log(`${kind.padEnd(11)} ${problems.length === 0 ? 'same' : `DIFFERS (${problems.length})`}`);
    for (const p of problems.slice(0, 8)) console.log(`  ${p}`);
    bad += problems.length > 0 ? 1 : 0;
  }
  process.exitCode = bad > 0 ? 1 : 0;
}
