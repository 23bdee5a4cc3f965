// The training loop on a tiny denoising autoencoder: the run folder's files and records, exact resume (fresh
// objects in this process, and fresh processes) with bit-identical losses, log lines and final weights, a NaN or
// Inf metric stopping the run with the last good checkpoint untouched, abort and resume, bad options, and live
// tensors flat across epochs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as sg from '../../dist/src/index.js';
import { train } from '../../dist/src/train/loop.js';
import { loadCheckpoint } from '../../dist/src/train/checkpoint.js';
import { readMetrics } from '../../dist/src/train/metrics.js';
import { createModel, disposeModel } from '../../dist/src/models/registry.js';
import { TinyModel, syntheticData, runTiny } from './fixtures.js';

const s = suite('train: loop');
const dir = mkdtempSync(join(tmpdir(), 'semigen-loop-'));
s.after(() => rmSync(dir, { recursive: true, force: true }));
const fixtures = fileURLToPath(new URL('./fixtures.js', import.meta.url));

// 96 rows in batches of 16: 6 steps an epoch; 30 steps = 5 epochs; logs every 4 steps (not aligned with epochs)
const BASE = { batchSize: 16, seed: 7, logEvery: 4 };
const curve = (records) => records.filter((r) => r.kind === 'log' || r.kind === 'epoch')
  .map(({ kind, step, epoch, loss, test_loss: t }) => ({ kind, step, epoch, loss, t }));
const bits = (state) => Object.keys(state).sort()
  .map((k) => `${k}:${Buffer.from(state[k].data.buffer, state[k].data.byteOffset, state[k].data.byteLength).toString('hex')}`);

let reference; // the uninterrupted 30-step run
let liveAtStart;
s.before(async () => {
  liveAtStart = sg.liveTensors();
  reference = await runTiny({ ...BASE, steps: 30, outDir: join(dir, 'reference') });
  reference.records = readMetrics(join(dir, 'reference', 'metrics.jsonl'));
});

s('a run writes config.json, metrics.jsonl (log and epoch lines), a checkpoint and loss.svg', async () => {
  const out = join(dir, 'files');
  const { result, losses } = await runTiny({ ...BASE, epochs: 3, logEvery: 2, outDir: out });
  assert.equal({ step: result.step, epoch: result.epoch, stopped: result.stopped }, { step: 18, epoch: 3, stopped: 'done' });
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(config.model, { kind: 'tiny', inputSize: 8, hidden: 6, lr: 1e-2 });
  const { labelledHash, ...data } = config.data;
  assert.equal(data, { name: 'synthetic', trainRows: 96, testRows: 40, validationRows: 0, features: 8, labelledRows: 96 - 20, evaluated: 'test' });
  assert.match(labelledHash, /^[0-9a-f]{8}$/);
  assert.is(config.seed, 7);
  assert.is(config.epochs, 3);
  const records = readMetrics(join(out, 'metrics.jsonl'));
  assert.equal(records.map((r) => `${r.kind}@${r.step}`), [
    'log@2', 'log@4', 'log@6', 'epoch@6', 'log@8', 'log@10', 'log@12', 'epoch@12', 'log@14', 'log@16', 'log@18', 'epoch@18']);
  for (const r of records) {
    assert.ok(r.samples_per_s > 0 && r.rss_mb > 10 && r.wall_s >= 0, JSON.stringify(r));
    const from = r.kind === 'log' ? r.step - 2 : r.step - 6;
    const window = losses.slice(from, r.step);
    assert.is(r.loss, window.reduce((a, b) => a + b, 0) / window.length, `${r.kind}@${r.step} averages its steps`);
    if (r.kind === 'epoch') assert.ok(Number.isFinite(r.test_loss) && r.test_loss > 0, 'evaluated each epoch');
    else assert.is(r.test_loss, undefined);
  }
  assert.equal(result.test, { test_loss: records.at(-1).test_loss });
  assert.is(loadCheckpoint(join(out, 'checkpoint.safetensors')).step, 18);
  const svg = readFileSync(join(out, 'loss.svg'), 'utf8');
  assert.match(svg, /data-name="loss"/);
  assert.match(svg, /data-name="test_loss"/);
});

s('resume with fresh objects continues bit-identically: losses, log lines and final weights', async () => {
  const out = join(dir, 'resumed');
  const first = await runTiny({ ...BASE, steps: 14, outDir: out }); // stops mid-epoch and mid-log-interval
  assert.is(first.result.step, 14);
  const second = await runTiny({ ...BASE, steps: 30, outDir: out, resume: true }, { modelSeed: 12345 });
  assert.is(second.result.step, 30);
  assert.equal([...first.losses, ...second.losses], reference.losses);
  assert.equal(bits(second.weights), bits(reference.weights));
  assert.equal(curve(readMetrics(join(out, 'metrics.jsonl'))), curve(reference.records));
  assert.equal(second.result.test, reference.result.test);
});

s('resume in fresh processes continues bit-identically', () => {
  const out = join(dir, 'processes');
  const child = (options) => JSON.parse(execFileSync(process.execPath, [fixtures, 'train', JSON.stringify({ options })], { encoding: 'utf8' }));
  const a = child({ ...BASE, steps: 12, outDir: out });
  const b = child({ ...BASE, steps: 30, outDir: out, resume: true });
  assert.equal([...a.losses, ...b.losses], reference.losses);
  assert.equal(curve(readMetrics(join(out, 'metrics.jsonl'))), curve(reference.records));
  const saved = loadCheckpoint(join(out, 'checkpoint.safetensors')).model;
  assert.equal(bits(saved), bits(reference.weights));
});

s('aborting stops after the step with a checkpoint; resuming reaches the same end', async () => {
  const out = join(dir, 'aborted');
  const controller = new AbortController();
  const first = await runTiny({
    ...BASE, steps: 30, outDir: out, signal: controller.signal,
    onEvent: (e) => { if (e.type === 'step' && e.step === 9) controller.abort(); },
  });
  assert.equal({ step: first.result.step, stopped: first.result.stopped }, { step: 9, stopped: 'aborted' });
  assert.is(loadCheckpoint(join(out, 'checkpoint.safetensors')).step, 9);
  const second = await runTiny({ ...BASE, steps: 30, outDir: out, resume: true });
  assert.equal([...first.losses, ...second.losses], reference.losses);
  assert.equal(bits(second.weights), bits(reference.weights));
});

/** A run whose step `at` reports `value` as its loss. */
async function poisoned(out, at, value) {
  const model = new TinyModel(1);
  const step = model.trainStep.bind(model);
  let n = 0;
  model.trainStep = (batch) => {
    const m = step(batch);
    return ++n === at ? { loss: value } : m;
  };
  let checkpointBytes = null;
  try {
    await train(model, syntheticData(), {
      ...BASE, steps: 30, outDir: out, progress: 'none',
      onEvent: (e) => { if (e.type === 'checkpoint') checkpointBytes = readFileSync(e.path); },
    });
  } catch (e) {
    return { error: e, checkpointBytes };
  } finally {
    model.dispose();
  }
  return { error: null, checkpointBytes };
}

s('a NaN loss stops the run, names the step and epoch and the last good checkpoint, which stays untouched', async () => {
  const out = join(dir, 'nan');
  const path = join(out, 'checkpoint.safetensors');
  const { error, checkpointBytes } = await poisoned(out, 15, NaN);
  assert.ok(error instanceof Error, 'the run rejects');
  assert.is(error.message, `loss became NaN at step 15 (epoch 3); the last good checkpoint is ${path}`);
  assert.ok(readFileSync(path).equals(checkpointBytes), 'checkpoint unchanged since step 12');
  assert.is(loadCheckpoint(path).step, 12);
  const last = readMetrics(join(out, 'metrics.jsonl')).at(-1);
  assert.equal({ kind: last.kind, step: last.step }, { kind: 'error', step: 15 });

  const early = await poisoned(join(dir, 'inf'), 2, -Infinity);
  assert.is(early.error.message, 'loss became -Infinity at step 2 (epoch 1); no checkpoint was written yet');
  assert.not.ok(existsSync(join(dir, 'inf', 'checkpoint.safetensors')));
  assert.is(sg.liveTensors(), liveAtStart, 'no tensors leak from a failed run');
});

s('bad options and a checkpoint of another run are Errors saying what is wrong', async () => {
  const data = syntheticData();
  const model = new TinyModel(1);
  const cases = [
    [{ batchSize: 16, seed: 0, outDir: dir }, /give exactly one of epochs and steps/],
    [{ epochs: 1, steps: 3, batchSize: 16, seed: 0, outDir: dir }, /exactly one/],
    [{ epochs: 0, batchSize: 16, seed: 0, outDir: dir }, /epochs must be a positive integer, got 0/],
    [{ epochs: 1, batchSize: 1.5, seed: 0, outDir: dir }, /batchSize must be a positive integer, got 1.5/],
    [{ epochs: 1, batchSize: 500, seed: 0, outDir: dir }, /batchSize 500 is larger than the 96 training rows/],
    [{ epochs: 1, batchSize: 16, seed: -1, outDir: dir }, /seed must be a non-negative integer/],
    [{ epochs: 1, batchSize: 16, seed: 0, outDir: '' }, /outDir/],
    [{ epochs: 1, batchSize: 16, seed: 0, outDir: dir, device: 'tpu' }, /device must be 'cpu' or 'cuda:N', got tpu/],
    [{ epochs: 1, batchSize: 16, seed: 0, outDir: dir, progress: 'fancy' }, /progress must be/],
    [{ epochs: 1, batchSize: 16, seed: 0, outDir: join(dir, 'nothing-here'), resume: true }, /nothing-here.checkpoint\.safetensors: cannot be read \(ENOENT\)/],
    [{ ...BASE, steps: 30, outDir: join(dir, 'reference'), resume: true, seed: 8 }, /reference.checkpoint\.safetensors: was written by a run with another seed \(7, this run has 8\)/],

    [{ ...BASE, steps: 30, outDir: join(dir, 'reference') }, /reference already holds a run \(metrics\.jsonl, checkpoint\.safetensors, checkpoint\.prev\.safetensors\); continue it with --resume, start afresh with --overwrite \(train\(\)'s resume \/ overwrite options\), or choose another --out folder/],
    [{ ...BASE, steps: 30, outDir: dir, resume: true, overwrite: true }, /resume and overwrite exclude each other/],
    [{ ...BASE, steps: 20, outDir: join(dir, 'reference'), resume: true }, /reference.checkpoint\.safetensors: is at step 30, past this run's 20 steps/],
  ];
  for (const [options, pattern] of cases) {
    let error = null;
    try {
      await train(model, data, { progress: 'none', ...options });
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof Error, `${JSON.stringify(options)} should fail`);
    assert.match(error.message, pattern);
  }
  const otherRate = new TinyModel(1, { lr: 0.02 });
  await train(otherRate, data, { progress: 'none', ...BASE, steps: 30, outDir: join(dir, 'reference'), resume: true })
    .then(() => assert.unreachable(), (e) => assert.match(e.message,
      /reference.checkpoint\.safetensors: was written by a run with another model config \(lr: 0\.01 → 0\.02\); resume with/));
  otherRate.dispose();
  const wide = { ...data, train: { ...data.train, features: 9 } };
  await train(model, wide, { epochs: 1, batchSize: 16, seed: 0, outDir: dir }).then(() => assert.unreachable(), (e) =>
    assert.match(e.message, /data.train has 9 features, the model takes 8/));
  const short = { ...data, test: { ...data.test, x: data.test.x.subarray(1) } };
  await train(model, short, { epochs: 1, batchSize: 16, seed: 0, outDir: dir }).then(() => assert.unreachable(), (e) =>
    assert.match(e.message, /data.test holds 319 values and 40 labels for 40 rows of 8/));
  model.dispose();
});

s('live tensors and allocator bytes stay flat across epochs; RSS is sampled into every epoch line', async () => {
  const live = [];
  const bytes = [];
  const { result } = await runTiny({
    ...BASE, epochs: 8, outDir: join(dir, 'memory'),
    onEvent: (e) => {
      if (e.type === 'epoch') {
        live.push(sg.liveTensors());
        bytes.push(sg.memoryStats().liveBytes);
      }
    },
  });
  assert.is(result.epoch, 8);
  assert.equal(live, Array(8).fill(live[0]), `live tensors per epoch ${live}`);
  assert.equal(bytes.slice(1), Array(7).fill(bytes[1]), `allocator live bytes per epoch ${bytes}`);
  const epochs = readMetrics(join(dir, 'memory', 'metrics.jsonl')).filter((r) => r.kind === 'epoch');
  assert.is(epochs.length, 8);
  for (const r of epochs) assert.ok(r.rss_mb > 10, `rss ${r.rss_mb}`);
  assert.is(sg.liveTensors(), liveAtStart, 'the run frees its data tensors');
});

s('without a test split the run trains and logs without test metrics', async () => {
  const out = join(dir, 'no-test');
  const { result } = await runTiny({ ...BASE, epochs: 2, outDir: out }, { data: { ...syntheticData(), test: null } });
  assert.is(result.test, null);
  const records = readMetrics(join(out, 'metrics.jsonl'));
  assert.equal(records.filter((r) => r.kind === 'epoch').map((r) => Object.keys(r).filter((k) => k.startsWith('test_'))), [[], []]);
});

s('overwrite starts a run afresh in a folder that holds one', async () => {
  const out = join(dir, 'again');
  await runTiny({ ...BASE, steps: 12, outDir: out });
  const { result } = await runTiny({ ...BASE, steps: 6, outDir: out, overwrite: true, logEvery: 3 });
  assert.is(result.step, 6);
  assert.equal(readMetrics(join(out, 'metrics.jsonl')).map((r) => `${r.kind}@${r.step}`), ['log@3', 'log@6', 'epoch@6']);
  assert.is(loadCheckpoint(join(out, 'checkpoint.safetensors')).step, 6);
  assert.not.ok(existsSync(join(out, 'checkpoint.prev.safetensors')), 'the old run\'s checkpoints are gone');
});

s('every registered model kind resumes bit-identically (AE, DAE, VAE, GAN at small sizes)', async () => {
  const configs = [
    { kind: 'ae', inputSize: 8, hidden: [6], latent: 3 },
    { kind: 'dae', inputSize: 8, hidden: [6], latent: 3, noise: 'gaussian', noiseLevel: 0.2 },
    { kind: 'vae', inputSize: 8, hidden: [6], latent: 3 },
    { kind: 'gan', inputSize: 8, noiseSize: 4, generatorHidden: [6], discriminatorHidden: [6] },
  ];
  const data = syntheticData();
  const run = async (config, options) => {
    const model = createModel(config, { generator: new sg.Generator(3) });
    const losses = [];
    try {
      await train(model, data, {
        batchSize: 16, seed: 2, progress: 'none', ...options,
        onEvent: (e) => { if (e.type === 'step') losses.push(e.metrics); },
      });
      return { losses, weights: model.module.stateDict() };
    } finally {
      disposeModel(model);
    }
  };
  for (const config of configs) {
    const whole = await run(config, { steps: 16, outDir: join(dir, `${config.kind}-whole`) });
    const a = await run(config, { steps: 7, outDir: join(dir, `${config.kind}-parts`) });
    const b = await run(config, { steps: 16, outDir: join(dir, `${config.kind}-parts`), resume: true });
    assert.equal([...a.losses, ...b.losses], whole.losses, `${config.kind}: step metrics`);
    assert.equal(bits(b.weights), bits(whole.weights), `${config.kind}: final weights`);
  }
});

s.run();
