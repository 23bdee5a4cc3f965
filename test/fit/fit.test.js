// fit(): cross-validation on the labelled rows chooses the kind, the winner is trained on every labelled row for the
// median of its folds' best steps and saved as a run folder, shifted to the unlabelled rows' class prior, a test split
// changes nothing that is chosen, and the fit folder is the fit's alone while it runs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, readFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { hostname, tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { ensembleMembers, fit, FitStopped, lowestPoint } from '../../dist/src/fit/fit.js';
import { openRun } from '../../dist/src/cli/run.js';
import { noGrad } from '../../dist/src/autograd.js';
import { fromArray } from '../../dist/src/ops/creation.js';
import { loadCheckpoint } from '../../dist/src/train/checkpoint.js';
import { evaluateSplit } from '../../dist/src/train/evaluate.js';
import { priorShift } from '../../dist/src/models/ensemble.js';
import { rng } from '../helpers.js';

const s = suite('fit: model choice by cross-validation');
const dir = mkdtempSync(join(tmpdir(), 'semigen-fit-'));
s.after(() => rmSync(dir, { recursive: true, force: true }));

/** Three classes by which of features 0..2 is largest, 5 more features of noise; `labelled` rows of each class labelled;
 *  row i of class classOf(i) (by default evenly). */
function blobs(rows, seed, labelledPerClass = Infinity, classOf = (i) => i % 3) {
  const r = rng(seed);
  const features = 8;
  const x = new Float32Array(rows * features);
  const labels = new Float32Array(rows);
  const kept = [0, 0, 0];
  for (let i = 0; i < rows; i++) {
    const c = classOf(i);
    for (let j = 0; j < features; j++) x[i * features + j] = r.normal() + (j === c ? 2 : 0);
    labels[i] = kept[c] < labelledPerClass ? c : NaN;
    kept[c]++;
  }
  return { x, labels, count: rows, features };
}

const data = { name: 'blobs', train: blobs(300, 1, 10), test: null, classes: 3 };
const test = blobs(300, 2);
const options = { kinds: ['supervised', 'ssae'], folds: 3, budgetSeconds: 3600, seed: 4, maxSteps: 300 };

s('the kind with the lowest fold error wins and is trained on every labelled row; a test split changes no choice', async () => {
  // ensemble: false, the winner alone (the next test averages the kinds the folds cannot tell apart)
  const withTest = await fit(data, { ...options, ensemble: false, outDir: join(dir, 'with-test'), test });
  const withoutTest = await fit(data, { ...options, ensemble: false, outDir: join(dir, 'without-test') });
  try {
    const board = withTest.leaderboard;
    assert.equal(board.map((e) => e.kind).sort(), ['ssae', 'supervised']);
    for (const e of board) {
      assert.is(e.foldErrors.length, 3);
      assert.ok(Math.abs(e.cvError - e.foldErrors.reduce((a, b) => a + b, 0) / 3) < 1e-12);
      assert.ok(e.bestStep >= 1 && e.bestStep <= e.steps, JSON.stringify(e));
      assert.ok(e.testError !== null && e.testError < 0.5, 'the fold models were measured on the test rows');
    }
    assert.ok(board[0].cvError <= board[1].cvError);
    assert.is(withTest.kind, board[0].kind);
    assert.is(withTest.run.steps, board[0].bestStep, 'as many steps as the curve\'s lowest point');
    assert.is(withTest.priorShift, null, 'one kind\'s probabilities are left as learnt');

    // nothing chosen depends on the test rows: the same folds' errors, the same winner, the same final weights
    assert.equal(withoutTest.leaderboard.map((e) => [e.kind, e.foldErrors, e.bestStep]), board.map((e) => [e.kind, e.foldErrors, e.bestStep]));
    assert.equal(withoutTest.leaderboard.map((e) => e.testError), [null, null]);
    const a = loadCheckpoint(join(dir, 'with-test', 'checkpoint.safetensors')).model;
    const b = loadCheckpoint(join(dir, 'without-test', 'checkpoint.safetensors')).model;
    for (const k of Object.keys(a)) assert.equal(Array.from(a[k].data), Array.from(b[k].data), k);

    // the run folder: trained on all 30 labelled rows for the chosen steps, its test figure that of the model returned
    const config = JSON.parse(readFileSync(join(dir, 'with-test', 'config.json'), 'utf8'));
    assert.equal([config.model.kind, config.data.labelledRows, config.totalSteps], [withTest.kind, 30, withTest.run.steps]);
    assert.is(withTest.run.result.test.test_error, evaluateSplit(withTest.model, test, 1000, 'cpu', 'test').test_error);
    const saved = JSON.parse(readFileSync(join(dir, 'with-test', 'leaderboard.json'), 'utf8'));
    assert.is(saved.chosen, withTest.kind);
    assert.not.ok(existsSync(join(dir, 'with-test', 'cv', `${withTest.kind}-fold1`, 'checkpoint.safetensors')), 'fold checkpoints are removed');
    const locks = readdirSync(join(dir, 'with-test'), { recursive: true }).filter((f) => basename(f) === 'lock');
    assert.equal(locks, [], 'the fit folder and its fold folders are released');
  } finally {
    withTest.model.module.dispose();
    withoutTest.model.module.dispose();
  }
});

s('the kinds the folds cannot tell apart are each trained on every labelled row, and the run averages them', async () => {
  const out = join(dir, 'ensemble');
  const r = await fit(data, { ...options, outDir: out, test });
  try {
    const members = ensembleMembers(r.leaderboard, 3);
    // on these blobs the two kinds' fold errors lie within two standard errors of each other
    assert.is(members.length, 2, JSON.stringify(r.leaderboard.map((e) => [e.kind, e.cvError, e.cvErrorStd])));
    assert.equal([r.kind, r.members], ['ensemble', members.map((e) => e.kind)]);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.equal(config.model.members.map((m) => m.kind), r.members);
    assert.equal([config.data.labelledRows, config.totalSteps, r.run.steps], [30, r.run.planned, r.run.planned]);
    let steps = 0;
    for (const e of members) {
      // each member as long as its folds' curve says, on all 30 labelled rows; its weights live in the ensemble's checkpoint
      const member = JSON.parse(readFileSync(join(out, 'members', e.kind, 'config.json'), 'utf8'));
      assert.equal([member.model.kind, member.data.labelledRows, member.totalSteps], [e.kind, 30, e.bestStep]);
      assert.not.ok(existsSync(join(out, 'members', e.kind, 'checkpoint.safetensors')));
      steps += e.bestStep;
    }
    assert.is(r.run.planned, steps);
    // the test figure: that of the members' probabilities averaged and shifted (in float64 here), and of the reopened
    // folder
    assert.equal(config.model.priorShift, r.priorShift);
    const n = test.count;
    const x = fromArray(test.x, [n, test.features]);
    r.model.module.eval();
    const each = r.model.members.map((m) => noGrad(() => m.classify(x)).toArray());
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      const mean = [0, 1, 2].map((c) => (r.priorShift[c] * each.reduce((a, q) => a + q[i * 3 + c], 0)) / each.length);
      if (mean.indexOf(Math.max(...mean)) !== test.labels[i]) wrong++;
    }
    assert.ok(Math.abs(r.run.result.test.test_error - wrong / n) < 1.5 / n, `${r.run.result.test.test_error} vs ${wrong / n}`);
    const reopened = openRun(out);
    try {
      assert.is(reopened.modelConfig.kind, 'ensemble');
      assert.is(evaluateSplit(reopened.model, test, 1000, 'cpu', 'test').test_error, r.run.result.test.test_error);
    } finally {
      reopened.dispose();
    }
    assert.equal(JSON.parse(readFileSync(join(out, 'leaderboard.json'), 'utf8')).members, r.members);
  } finally {
    r.model.dispose();
  }
});

s('an ensemble is shifted to the unlabelled rows\' class prior, which a few labels of each class hide', async () => {
  // classes 6 : 3 : 1 with 10 labels of each; the test rows drawn alike
  const uneven = (i) => (i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2);
  const skewed = { name: 'skewed', train: blobs(600, 3, 10, uneven), test: null, classes: 3 };
  const skewedTest = blobs(600, 4, Infinity, uneven);
  const out = join(dir, 'shifted');
  const r = await fit(skewed, { ...options, outDir: out, test: skewedTest });
  try {
    assert.equal([r.kind, r.members.length], ['ensemble', 2], JSON.stringify(r.leaderboard.map((e) => [e.kind, e.cvError, e.cvErrorStd])));
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.equal([config.model.kind, config.model.priorShift], ['ensemble', r.priorShift]);
    assert.equal(JSON.parse(readFileSync(join(out, 'leaderboard.json'), 'utf8')).priorShift, r.priorShift);
    // the labelled rows are even, the rest 6 : 3 : 1; the shift leans the same way
    assert.ok(r.priorShift[0] > 1.3 && r.priorShift[2] < 0.7, JSON.stringify(r.priorShift));
    // it is the estimate of the model's own p(y|x) on the unlabelled rows, and it lowers the test error
    const unlabelled = [];
    for (let i = 0; i < skewed.train.count; i++) if (Number.isNaN(skewed.train.labels[i])) unlabelled.push(i);
    const rows = new Float32Array(unlabelled.length * 8);
    unlabelled.forEach((row, j) => rows.set(skewed.train.x.subarray(row * 8, row * 8 + 8), j * 8));
    const shifted = r.run.result.test.test_error;
    r.model.setPriorShift(null);
    r.model.module.eval();
    const p = noGrad(() => r.model.classify(fromArray(rows, [unlabelled.length, 8]))).toArray();
    const again = priorShift(p, unlabelled.length, [1 / 3, 1 / 3, 1 / 3]);
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(again[c] - r.priorShift[c]) < 1e-5, `class ${c}`);
    const plain = evaluateSplit(r.model, skewedTest, 1000, 'cpu', 'test').test_error;
    assert.ok(shifted < plain, `shifted ${shifted} against ${plain}`);
    // priorShift: false, the same fit left as learnt
    const unshifted = await fit(skewed, { ...options, priorShift: false, outDir: join(dir, 'unshifted'), test: skewedTest });
    try {
      assert.equal([unshifted.members, unshifted.priorShift, unshifted.run.result.test.test_error], [r.members, null, plain]);
      assert.is(JSON.parse(readFileSync(join(dir, 'unshifted', 'config.json'), 'utf8')).model.priorShift, null);
    } finally {
      unshifted.model.dispose();
    }
  } finally {
    r.model.dispose();
  }
});

s('a fit stopped while it trains its chosen models chooses nothing and leaves no run that eval could open', async () => {
  // a signal that turns aborted `after` reads once `cue` was said: the training loop reads it once a step
  const stopping = (cue, after) => {
    let armed = false;
    let reads = 0;
    return {
      signal: { get aborted() { return armed && ++reads > after; } },
      onProgress: (message) => {
        if (cue.test(message)) armed = true;
      },
    };
  };
  for (const [name, ensemble, cue, at] of [
    ['stop-member', true, /member 2 of 2/, /during the final run of ensemble, at step \d+ of \d+/],
    ['stop-final', false, /on all 30 labelled rows, \d+ steps$/, /during the final run of (supervised|ssae), at step [1-9]\d* of \d+/],
  ]) {
    const out = join(dir, name);
    const e = await fit(data, { ...options, ensemble, outDir: out, ...stopping(cue, 6) }).then(() => null, (err) => err);
    assert.ok(e instanceof FitStopped, String(e));
    assert.match(e.message, at, e.message);
    for (const f of ['checkpoint.safetensors', 'config.json', 'leaderboard.json']) assert.not.ok(existsSync(join(out, f)), `${name}: ${f}`);
  }
});

s('ensemble members: the kinds within two standard errors of the difference from the best fold error', () => {
  const entry = (kind, cvError, cvErrorStd) => ({ kind, cvError, cvErrorStd });
  // 3 folds: sqrt((0.06² + 0.08²) / 3) = 0.0577; twice that is 0.1155 above the best's 0.20
  const board = [entry('m2', 0.2, 0.06), entry('vime', 0.31, 0.08), entry('ssgan', 0.32, 0.08), entry('ladder', null, null)];
  assert.equal(ensembleMembers(board, 3).map((e) => e.kind), ['m2', 'vime']);
  // more folds, a smaller standard error: vime is out
  assert.equal(ensembleMembers(board, 5).map((e) => e.kind), ['m2']);
  // folds that agree exactly tell any other error apart; equal errors are not told apart
  assert.equal(ensembleMembers([entry('a', 0.1, 0), entry('b', 0.1, 0), entry('c', 0.1001, 0)], 3).map((e) => e.kind), ['a', 'b']);
  assert.equal(ensembleMembers([entry('a', null, null)], 3), []);
});

s('the chosen epoch is the lowest point of the folds\' mean curve, cross-entropy breaking ties, none before validFrom', () => {
  const curve = (errors, entropies = errors.map(() => 1)) => errors.map((e, i) => ({
    epoch: i + 1, step: 10 * (i + 1), validation_error: e, validation_cross_entropy: entropies[i],
  }));
  // each fold alone would pick another epoch (0.1 at epochs 1 and 4); their mean is lowest at epoch 3
  assert.is(lowestPoint([curve([0.1, 0.5, 0.3, 0.6]), curve([0.6, 0.5, 0.3, 0.1])], 0), 2);
  // a tie of the mean errors goes to the lower mean cross-entropy
  assert.is(lowestPoint([curve([0.2, 0.2], [0.9, 0.4]), curve([0.2, 0.2], [0.9, 0.6])], 0), 1);
  // epochs before validFrom (a staged model's first stage) are not chosen; nor those a fold did not reach
  assert.is(lowestPoint([curve([0.1, 0.3, 0.2]), curve([0.1, 0.3, 0.2])], 10), 2, 'the first stage\'s last step is not chosen');
  assert.is(lowestPoint([curve([0.3, 0.2, 0.1]), curve([0.3, 0.2])], 0), 1);
  assert.is(lowestPoint([curve([0.3]), curve([0.3])], 20), null);
});

s('bad options are errors naming them; an earlier fit is kept unless overwrite', async () => {
  const out = join(dir, 'bad');
  const fails = async (o, pattern, on = data) => {
    const e = await fit(on, { ...options, outDir: out, ...o }).then(() => null, (err) => err);
    assert.ok(e !== null, JSON.stringify(o));
    assert.match(e.message, pattern);
  };
  await fails({ kinds: ['vae'] }, /fit: vae does not classify/);
  await fails({ kinds: ['ensemble'] }, /fit: ensemble is not trained but built \(fit builds one itself\)/);
  await fails({ kinds: [] }, /kinds must list at least one/);
  await fails({ folds: 1 }, /folds must be an integer of at least 2/);
  await fails({ budgetSeconds: -1 }, /budgetSeconds must be a positive number/);
  await fails({ maxSteps: 0 }, /maxSteps must be a positive integer/);
  await fails({ outDir: join(dir, 'with-test') }, /already holds a run .*overwrite/);
  // a fit folder another live process holds: refused before anything is removed, even with overwrite
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
  try {
    const started = new Date().toISOString();
    writeFileSync(join(dir, 'with-test', 'lock'), JSON.stringify({ pid: holder.pid, started, host: hostname() }));
    await fails({ outDir: join(dir, 'with-test'), overwrite: true }, new RegExp(`with-test: in use by pid ${holder.pid} \\(started ${started}\\)$`));
    assert.ok(existsSync(join(dir, 'with-test', 'leaderboard.json')), 'the fit there is kept');
  } finally {
    holder.kill('SIGKILL');
  }
  const aborted = new AbortController();
  aborted.abort();
  const stopped = await fit(data, { ...options, outDir: join(dir, 'aborted'), signal: aborted.signal }).then(() => null, (e) => e);
  assert.ok(stopped instanceof FitStopped, String(stopped));
  assert.match(stopped.message, /fit: stopped while timing the models; no model was chosen/);
  assert.not.ok(existsSync(join(dir, 'aborted', 'leaderboard.json')));
  const few = { name: 'few', train: blobs(60, 3, 1), test: null, classes: 3 };
  await fails({ outDir: join(dir, 'few') }, /a class of few has 1 labelled row; cross-validation needs at least 2/, few);
});

s.run();
