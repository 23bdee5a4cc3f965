// Validation rows and early stopping: held-out rows never reach a training batch, the epoch with the lowest
// validation error is kept as best.safetensors (and is what the run reports on its test rows), patience stops a
// run whose validation error has stopped falling, a resumed run keeps its best epoch, and stratified holdouts and
// folds split the labelled rows as they say.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as sg from '../../dist/src/index.js';
import { train } from '../../dist/src/train/loop.js';
import { loadCheckpoint } from '../../dist/src/train/checkpoint.js';
import { readMetrics } from '../../dist/src/train/metrics.js';
import { evaluateSplit } from '../../dist/src/train/evaluate.js';
import { createModel, disposeModel, defaultConfig } from '../../dist/src/models/registry.js';
import { holdOut, stratifiedFolds, stratifiedHoldout } from '../../dist/src/data/subset.js';
import { rng } from '../helpers.js';

const s = suite('train: validation and early stopping');
const dir = mkdtempSync(join(tmpdir(), 'semigen-validation-'));
s.after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Two classes told apart by feature 0's sign, 12 more features of noise; feature 1 carries the row's id (scaled
 * small, so it hardly matters to the model) so that a batch's rows can be named. `flip`: the share of labels that
 * are wrong; `labelled`: the share of rows with a label.
 */
function blobs(rows, { seed, flip = 0, labelled = 1, idBase = 0 }) {
  const r = rng(seed);
  const features = 14;
  const x = new Float32Array(rows * features);
  const labels = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = i % 2;
    x[i * features] = (c === 0 ? -1 : 1) * (0.5 + Math.abs(r.normal()));
    x[i * features + 1] = (idBase + i) * 1e-4;
    for (let j = 2; j < features; j++) x[i * features + j] = r.normal();
    const label = r.uniform(0, 1) < flip ? 1 - c : c;
    labels[i] = r.uniform(0, 1) < labelled ? label : NaN;
  }
  return { x, labels, count: rows, features };
}

const ids = (x, features) => {
  const out = [];
  for (let i = 1; i < x.length; i += features) out.push(Math.round(x[i] * 1e4));
  return out;
};

s('stratifiedHoldout takes round(fraction · n) of each class, at least one, never all; folds are stratified and disjoint', () => {
  const labels = Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, NaN, NaN, 3]);
  const held = stratifiedHoldout(labels, 0.2, 5);
  const byClass = [0, 1, 2, 3].map((c) => Array.from(held).filter((r) => labels[r] === c).length);
  assert.equal(byClass, [2, 1, 1, 0]); // 10 → 2, 5 → 1, 2 → 1 (at least one), 1 → 0 (never a class's only row)
  assert.equal(Array.from(stratifiedHoldout(labels, 0.2, 5)), Array.from(held), 'the same seed gives the same rows');
  assert.not.equal(Array.from(stratifiedHoldout(labels, 0.2, 6)), Array.from(held));
  const folds = stratifiedFolds(labels, 3, 1);
  const all = folds.flatMap((f) => Array.from(f)).sort((a, b) => a - b);
  assert.equal(all, [...Array(17).keys(), 19], 'every labelled row in exactly one fold');
  assert.ok(Math.max(...folds.map((f) => f.length)) - Math.min(...folds.map((f) => f.length)) <= 1);
  for (const f of folds) assert.ok(Array.from(f).filter((r) => labels[r] === 0).length >= 3, 'each fold has its share of class 0');
  assert.throws(() => stratifiedHoldout(labels, 1, 0), /fraction must be in \(0, 1\)/);
  assert.throws(() => stratifiedFolds(labels, 30, 0), /fewer labelled rows than the 30 folds/);
});

s('validation rows never appear in a training batch, labelled or unlabelled', async () => {
  const data = blobs(300, { seed: 1, labelled: 0.3 });
  const { train: rest, validation, rows } = holdOut(data, 0.25, 2);
  const held = new Set(ids(validation.x, 14));
  assert.is(held.size, rows.length);
  assert.ok(held.size > 15);
  for (const r of rows) assert.ok(!Number.isNaN(data.labels[r]), 'only labelled rows are held out');
  const model = createModel(defaultConfig('ssae', 14, { classes: 2, hidden: [16], code: 4, likelihood: { kind: 'gaussian' } }),
    { generator: new sg.Generator(1) });
  const seen = new Set();
  const step = model.trainStep.bind(model);
  model.trainStep = (batch) => {
    for (const id of ids(batch.x.toArray(), 14)) seen.add(id);
    for (const id of ids(batch.labelled.x.toArray(), 14)) seen.add(id);
    return step(batch);
  };
  try {
    await train(model, { train: rest, test: null, validation }, {
      epochs: 6, batchSize: 50, seed: 3, outDir: join(dir, 'disjoint'), progress: 'none',
    });
  } finally {
    disposeModel(model);
  }
  assert.is(seen.size, rest.count, 'every training row was seen');
  assert.equal([...held].filter((id) => seen.has(id)), [], 'no validation row was trained on');
});

s('a run that overfits its labels keeps the epoch of lowest validation error, stops on patience, and reports its test rows', async () => {
  const train40 = blobs(40, { seed: 11, flip: 0.3 }); // few, noisy labels: a large MLP learns the noise
  const validation = blobs(300, { seed: 12 });
  const test = blobs(400, { seed: 13 });
  const out = join(dir, 'overfit');
  const model = createModel(defaultConfig('supervised', 14, { classes: 2, hidden: [256, 256], dropout: 0, labelledBatchSize: 40 }),
    { generator: new sg.Generator(4) });
  let result;
  try {
    result = await train(model, { name: 'blobs', train: train40, test, validation }, {
      epochs: 400, batchSize: 40, seed: 1, outDir: out, progress: 'none', patience: 60,
    });
  } finally {
    disposeModel(model);
  }
  const records = readMetrics(join(out, 'metrics.jsonl'));
  const epochs = records.filter((r) => r.kind === 'epoch');
  const last = epochs[epochs.length - 1];
  assert.is(result.stopped, 'early');
  assert.is(last.epoch - result.best.epoch, 60, 'stopped 60 epochs after the best one');
  assert.is(result.best.metric, 'validation_error');
  assert.is(result.best.value, Math.min(...epochs.map((r) => r.validation_error)));
  assert.ok(last.validation_error > result.best.value + 0.02,
    `the last epoch is worse on the validation rows (${last.validation_error} vs ${result.best.value})`);

  // the kept weights are the best epoch's: evaluated afresh they give its validation error, and the run's test figures
  const best = loadCheckpoint(join(out, 'best.safetensors'));
  assert.is(best.step, result.best.step);
  const again = createModel(best.config.model, { generator: new sg.Generator(0) });
  try {
    again.module.loadStateDict(best.model);
    again.module.eval();
    assert.is(evaluateSplit(again, validation, 1000, 'cpu', 'validation').validation_error, result.best.value);
    const testMetrics = evaluateSplit(again, test, 1000, 'cpu', 'test');
    assert.is(result.test.test_error, testMetrics.test_error);
    const bestRecord = records.filter((r) => r.kind === 'best');
    assert.is(bestRecord.length, 1);
    assert.is(bestRecord[0].step, result.best.step);
    assert.is(bestRecord[0].test_error, testMetrics.test_error);
    const lastWeights = createModel(best.config.model, { generator: new sg.Generator(0) });
    try {
      lastWeights.module.loadStateDict(loadCheckpoint(join(out, 'checkpoint.safetensors')).model);
      lastWeights.module.eval();
      assert.ok(evaluateSplit(lastWeights, validation, 1000, 'cpu', 'validation').validation_error > result.best.value,
        'the last checkpoint has the higher validation error');
    } finally {
      disposeModel(lastWeights);
    }
  } finally {
    disposeModel(again);
  }

  // resuming the stopped run keeps its best epoch and stops again at once, with one best record
  const resumed = createModel(best.config.model, { generator: new sg.Generator(4) });
  try {
    const r2 = await train(resumed, { name: 'blobs', train: train40, test, validation }, {
      epochs: 400, batchSize: 40, seed: 1, outDir: out, progress: 'none', patience: 60, resume: true,
    });
    assert.is(r2.step, result.step);
    assert.is(r2.stopped, 'early');
    assert.equal(r2.best.step, result.best.step);
    assert.is(readMetrics(join(out, 'metrics.jsonl')).filter((r) => r.kind === 'best').length, 1);
  } finally {
    disposeModel(resumed);
  }
  // other validation rows, as many as before, would choose by other rows: the resume is refused
  const other = createModel(best.config.model, { generator: new sg.Generator(4) });
  try {
    let message = null;
    try {
      await train(other, { name: 'blobs', train: train40, test, validation: blobs(300, { seed: 99 }) }, {
        epochs: 400, batchSize: 40, seed: 1, outDir: out, progress: 'none', patience: 60, resume: true,
      });
    } catch (e) {
      message = e.message;
    }
    assert.match(message ?? 'resumed', /checkpoint\.safetensors: was written by a run that held out other validation rows/);
  } finally {
    disposeModel(other);
  }
});

s('a run stopped between epoch ends and resumed chooses its best epoch and counts patience as one that never stopped', async () => {
  const train40 = blobs(40, { seed: 21, flip: 0.3 });
  const validation = blobs(60, { seed: 22 });
  const config = defaultConfig('supervised', 14, { classes: 2, hidden: [256, 256], dropout: 0, labelledBatchSize: 10 });
  // 4 steps an epoch; the stopped run ends at step 602, between the ends of epochs 150 and 151, and resumes to 800:
  // by then the noisy labels are learnt and the validation error has long stopped falling
  const run = async (out, steps, resume = false) => {
    const model = createModel(config, { generator: new sg.Generator(3) });
    try {
      return await train(model, { name: 'blobs', train: train40, test: null, validation }, {
        steps, batchSize: 10, seed: 2, outDir: join(dir, out), progress: 'none', patience: 1000, resume,
      });
    } finally {
      disposeModel(model);
    }
  };
  const straight = await run('straight', 800);
  const stopped = await run('stopped', 602);
  const mid = readMetrics(join(dir, 'stopped', 'metrics.jsonl')).filter((r) => r.kind === 'end');
  assert.is(mid.length, 1);
  assert.type(mid[0].validation_error, 'number', 'the stop between epochs still reports the validation rows');
  const resumed = await run('stopped', 800, true);
  assert.equal({ step: resumed.best.step, value: resumed.best.value }, { step: straight.best.step, value: straight.best.value });
  const since = (out) => loadCheckpoint(join(dir, out, 'checkpoint.safetensors')).progress.best.since;
  assert.ok(since('straight') > 10, `the validation error was still falling (${since('straight')} epochs since the best)`);
  assert.is(since('stopped'), since('straight'), 'patience counted an evaluation between epoch ends');
});

s('patience and monitor without validation rows are errors; a monitor the rows do not give is named', async () => {
  const data = blobs(60, { seed: 1 });
  const model = createModel(defaultConfig('supervised', 14, { classes: 2, hidden: [8] }), { generator: new sg.Generator(1) });
  try {
    let error = await train(model, { train: data, test: null }, { epochs: 1, batchSize: 20, seed: 0, outDir: join(dir, 'p1'), progress: 'none', patience: 3 })
      .then(() => null, (e) => e);
    assert.match(error?.message ?? '', /patience and monitor need data.validation/);
    error = await train(model, { train: data, test: null, validation: blobs(20, { seed: 2 }) },
      { epochs: 1, batchSize: 20, seed: 0, outDir: join(dir, 'p2'), progress: 'none', monitor: 'neg_elbo' }).then(() => null, (e) => e);
    assert.match(error?.message ?? '', /validation rows give no validation_neg_elbo \(they give validation_error, validation_cross_entropy\)/);
    assert.not.ok(existsSync(join(dir, 'p2', 'best.safetensors')));
  } finally {
    disposeModel(model);
  }
});

s.run();
