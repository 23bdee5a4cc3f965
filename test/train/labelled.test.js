// The loop's labelled stream for semi-supervised models: every step gets a batch of labelled rows only, each pass
// over them covers every labelled row once, with the labelled rows' share of the split, fewer labelled rows than
// the batch size give all of them, a resumed run continues the same sequence, and a semi-supervised model on data
// with no labels is an Error.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../../dist/src/train/loop.js';
import { TinyModel, syntheticData } from './fixtures.js';

const s = suite('train: labelled batches');
let dir;
s.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'semigen-labelled-'));
});
s.after(() => rmSync(dir, { recursive: true, force: true }));

/** The tiny model made semi-supervised: it records each labelled batch's labels and which rows they were. */
class RecordingModel extends TinyModel {
  constructor(labelledBatchSize) {
    super(1);
    this.labelledBatchSize = labelledBatchSize;
    this.seen = [];
    this.shares = [];
  }

  trainStep(batch) {
    const x = batch.labelled.x.toArray();
    const labels = batch.labelled.labels.toArray();
    const f = this.config.inputSize;
    this.seen.push(Array.from(labels, (l, i) => ({ label: l, first: x[i * f] })));
    this.shares.push(batch.labelled.share);
    return super.trainStep(batch);
  }
}

/** row indices of the data's labelled rows, found by their first feature (distinct in the synthetic data) */
function rowsOf(data, seen) {
  const f = data.train.features;
  return seen.map((batch) => batch.map(({ label, first }) => {
    const row = Array.from({ length: data.train.count }, (_, r) => r).find((r) => data.train.x[r * f] === first);
    assert.ok(row !== undefined, 'a labelled batch row is a training row');
    assert.is(label, data.train.labels[row], `row ${row}'s label`);
    return row;
  }));
}

async function run(model, data, options) {
  return train(model, data, { progress: 'none', batchSize: 16, seed: 3, ...options });
}

s('each step gets labelled rows only, and every pass covers each labelled row once', async () => {
  const data = syntheticData();
  const labelled = [];
  for (let r = 0; r < data.train.count; r++) if (!Number.isNaN(data.train.labels[r])) labelled.push(r);
  const firsts = new Set(labelled.map((r) => data.train.x[r * 8]));
  assert.is(firsts.size, labelled.length, 'first features identify rows');
  const model = new RecordingModel(19);
  try {
    await run(model, data, { steps: 8, outDir: join(dir, 'cover') });
    const rows = rowsOf(data, model.seen);
    assert.ok(rows.every((b) => b.length === 19));
    const perPass = labelled.length / 19; // 76 labelled rows: 4 batches per pass
    for (let pass = 0; pass < 2; pass++) {
      const covered = rows.slice(pass * perPass, (pass + 1) * perPass).flat().sort((a, b) => a - b);
      assert.equal(covered, labelled, `pass ${pass} covers every labelled row once`);
    }
    assert.not.equal(rows[0], rows[perPass], 'each pass is shuffled afresh');
    assert.equal(model.shares, new Array(8).fill(labelled.length / data.train.count), 'labelled rows / all rows');
  } finally {
    model.dispose();
  }
});

s('fewer labelled rows than the batch size: every step gets all of them', async () => {
  const data = syntheticData();
  const labels = new Float32Array(data.train.count).fill(NaN);
  for (const r of [3, 41, 77]) labels[r] = data.train.labels[r];
  const few = { ...data, train: { ...data.train, labels } };
  const model = new RecordingModel(100);
  try {
    await run(model, few, { steps: 3, outDir: join(dir, 'few') });
    for (const batch of rowsOf(few, model.seen)) assert.equal([...batch].sort((a, b) => a - b), [3, 41, 77]);
  } finally {
    model.dispose();
  }
});

s('a resumed run continues the labelled sequence exactly', async () => {
  const data = syntheticData();
  const whole = new RecordingModel(10);
  const first = new RecordingModel(10);
  const second = new RecordingModel(10);
  try {
    await run(whole, data, { steps: 12, outDir: join(dir, 'whole') });
    const controller = new AbortController();
    await run(first, data, {
      steps: 12, outDir: join(dir, 'parts'), signal: controller.signal,
      onEvent: (e) => { if (e.type === 'step' && e.step === 5) controller.abort(); },
    });
    assert.is(first.seen.length, 5);
    await run(second, data, { steps: 12, outDir: join(dir, 'parts'), resume: true });
    assert.equal([...first.seen, ...second.seen], whole.seen);
  } finally {
    for (const m of [whole, first, second]) m.dispose();
  }
});

s('a semi-supervised model on data without labels is an Error naming the remedy', async () => {
  const data = syntheticData();
  const none = { ...data, train: { ...data.train, labels: new Float32Array(data.train.count).fill(NaN) } };
  const model = new RecordingModel(10);
  try {
    let message = '';
    try {
      await run(model, none, { steps: 2, outDir: join(dir, 'none') });
    } catch (e) {
      message = e.message;
    }
    assert.match(message, /semi-supervised and needs labelled rows/);
    assert.match(message, /--labels/);
  } finally {
    model.dispose();
  }
});

s.run();
