// The semi-supervised commands end to end on a small CSV: train with --labels (a balanced split saved with the
// run, the same for the same seed), eval --json with labels and test_error, predict writing labels and class
// probabilities, --class-weights, --option KEY=null, m1m2's stage split, and one-line errors for bad label counts
// and flags.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as npyFiles from '../../dist/src/data/npy.js';

const main = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const cli = (...args) => spawnSync(process.execPath, [main, ...args], {
  encoding: 'utf8', timeout: 120_000, env: { ...process.env, SEMIGEN_NUM_THREADS: '1' },
});
const dir = mkdtempSync(join(tmpdir(), 'semigen-semi-cli-'));
const csv = join(dir, 'stripes.csv');
const ROWS = 300;

// 300 rows of 16 "pixels": three kinds of stripes (column 0, 1 or 2 of each 4x4 row bright), all labelled
{
  const lines = [[...Array.from({ length: 16 }, (_, i) => `p${i}`), 'label'].join(',')];
  let s = 11;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let r = 0; r < ROWS; r++) {
    const k = r % 3;
    const px = Array.from({ length: 16 }, (_, i) => ((i % 4 === k) ? 0.8 : 0.2) + 0.2 * rand());
    lines.push([...px.map((v) => v.toFixed(3)), String(k)].join(','));
  }
  writeFileSync(csv, `${lines.join('\n')}\n`);
}

const s = suite('cli: semi-supervised train, eval, predict');
s.after(() => rmSync(dir, { recursive: true, force: true }));

function json(r) {
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function fails(r, pattern) {
  assert.is(r.status, 1, `expected exit 1, got ${r.status}: ${r.stdout}`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, r.stderr);
  assert.match(lines[0], pattern);
}

const train = (out, ...extra) => cli('train', 'supervised', '--data', csv, '--labels', '9', '--steps', '60',
  '--hidden', '8', '--out', out, '--json', ...extra);

s('train --labels keeps a balanced split chosen by the seed, saved in the run', () => {
  const out = join(dir, 'sup');
  const summary = json(train(out, '--seed', '4'));
  assert.is(summary.labels, 9);
  const split = JSON.parse(readFileSync(join(out, 'labels.json'), 'utf8'));
  assert.is(split.count, 9);
  assert.is(split.seed, 4);
  assert.equal(split.labels.slice().sort(), [0, 0, 0, 1, 1, 1, 2, 2, 2]);
  assert.equal(split.labels, split.rows.map((r) => r % 3), 'each saved label is its row\'s');
  const again = join(dir, 'sup-again');
  json(train(again, '--seed', '4'));
  assert.equal(JSON.parse(readFileSync(join(again, 'labels.json'), 'utf8')).rows, split.rows);
  const other = join(dir, 'sup-other');
  json(train(other, '--seed', '5'));
  assert.not.equal(JSON.parse(readFileSync(join(other, 'labels.json'), 'utf8')).rows, split.rows);
});

s('eval --json of a run with no test file reports its labelled training rows under their own name, not as test', () => {
  const result = json(cli('eval', join(dir, 'sup'), '--json'));
  assert.is(result.model, 'supervised');
  assert.is(result.labels, 9);
  assert.is(result.seed, 4);
  assert.is(result.dataset, csv);
  assert.equal([result.evaluated, result.rows], ['train_labelled', 9]);
  assert.not.ok('test_error' in result, 'no test figure from rows it trained on');
  assert.ok(result.train_labelled_error >= 0 && result.train_labelled_error < 0.4, `train_labelled_error ${result.train_labelled_error} (chance: 0.67)`);
  // on a labelled file it never saw, the figures are test figures over that file's rows
  const held = join(dir, 'held.csv');
  writeFileSync(held, readFileSync(csv, 'utf8').split('\n').slice(0, 31).join('\n'));
  const onFile = json(cli('eval', join(dir, 'sup'), '--data', held, '--json'));
  assert.equal([onFile.evaluated, onFile.rows], ['test', 30]);
  assert.ok(onFile.test_error >= 0 && onFile.test_error < 0.4, `test_error ${onFile.test_error}`);
});

s('predict writes a label and class probabilities per row, atomically', () => {
  const out = join(dir, 'preds.csv');
  const summary = json(cli('predict', join(dir, 'sup'), '--input', csv, '--out', out, '--json'));
  assert.is(summary.rows, ROWS);
  assert.is(summary.labelled, ROWS);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.is(lines[0], 'class,p(0),p(1),p(2)');
  assert.is(lines.length, ROWS + 1);
  let wrong = 0;
  for (let r = 0; r < ROWS; r++) {
    const [label, ...p] = lines[r + 1].split(',').map(Number);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-4, `row ${r} probabilities sum to 1`);
    assert.is(label, p.indexOf(Math.max(...p)));
    if (label !== r % 3) wrong++;
  }
  assert.ok(Math.abs(wrong / ROWS - summary.error) < 1e-12, 'the reported error is the CSV\'s');
  fails(cli('predict', join(dir, 'sup'), '--input', csv, '--out', join(dir, 'p.txt')), /--out must end in \.csv/);
  fails(cli('predict', join(dir, 'sup'), '--out', out), /needs --input/);
});

s('a run trained on a .npy array predicts a CSV of plain numbers, taken as they are, its classes numbered', () => {
  const rowsOf = readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const { writeNpy } = npyFiles;
  writeNpy(join(dir, 'stripes.npy'), Float32Array.from(rowsOf.flat()), [ROWS, 17]);
  json(cli('train', 'supervised', '--data', join(dir, 'stripes.npy'), '--label-column', '16', '--labels', '9', '--steps', '60',
    '--hidden', '8', '--out', join(dir, 'npy'), '--json'));
  writeFileSync(join(dir, 'plain.csv'), `${rowsOf.map((r) => r.join(',')).join('\n')}\n`); // no header, label last
  const summary = json(cli('predict', join(dir, 'npy'), '--input', join(dir, 'plain.csv'), '--label-column', '16',
    '--out', join(dir, 'npy-preds.csv'), '--json'));
  assert.equal([summary.rows, summary.labelled], [ROWS, ROWS]);
  const fromArray = json(cli('predict', join(dir, 'npy'), '--input', join(dir, 'stripes.npy'), '--label-column', '16',
    '--out', join(dir, 'npy-preds2.csv'), '--json'));
  assert.is(summary.error, fromArray.error);
  const written = readFileSync(join(dir, 'npy-preds.csv'), 'utf8');
  assert.is(written, readFileSync(join(dir, 'npy-preds2.csv'), 'utf8'), 'the CSV of the same numbers predicts the same');
  assert.is(written.split('\n')[0], 'label,p0,p1,p2');
  // the run remembers its label column: eval reads its array as it was trained on
  const evaluated = json(cli('eval', join(dir, 'npy'), '--json'));
  assert.equal([evaluated.evaluated, evaluated.rows], ['train_labelled', 9]);
});

s('--class-weights balanced is saved in the model config', () => {
  const out = join(dir, 'weighted');
  json(train(out, '--class-weights', 'balanced'));
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(config.model.classWeights, [1, 1, 1]); // a balanced split: every class weighs the same
  fails(train(join(dir, 'w2'), '--class-weights', 'inverse'), /--class-weights must be 'balanced'/);
  fails(cli('train', 'vae', '--data', csv, '--class-weights', 'balanced', '--steps', '2', '--out', join(dir, 'w3')),
    /--class-weights is for the semi-supervised models/);
});

s('--option KEY=null gives a nullable key its automatic value; a bad value names the key', () => {
  const m2 = (out, ...extra) => cli('train', 'm2', '--data', csv, '--labels', '9', '--steps', '2', '--out', out, '--json',
    '--option', 'latent=2', ...extra);
  const read = (out) => JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).model;
  json(m2(join(dir, 'lw-default')));
  assert.is(read(join(dir, 'lw-default')).labelledWeight, 1, "M2's default on pixels");
  json(m2(join(dir, 'lw-null'), '--option', 'labelledWeight=null'));
  assert.is(read(join(dir, 'lw-null')).labelledWeight, null);
  fails(m2(join(dir, 'lw-bad'), '--option', 'labelledWeight=nil'), /m2: labelledWeight must be null or a number in \[0, 1\], got "nil"/);
});

s('m1m2 trains M1 for half the run unless m1Steps is given (a resumed run keeps its split), and refuses a split that leaves M2 no steps', () => {
  const m1m2 = (out, ...extra) => cli('train', 'm1m2', '--data', csv, '--labels', '9', '--steps', '40',
    '--option', 'm1Hidden=[8]', '--option', 'm1Latent=4', '--out', out, '--json', ...extra);
  const read = (out) => JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).model;
  json(m1m2(join(dir, 'm1m2-half')));
  assert.equal([read(join(dir, 'm1m2-half')).m1Steps, read(join(dir, 'm1m2-half')).m1Hidden], [20, [8]]);
  // resumed to more steps, the run keeps its split instead of being refused as another model config
  const longer = json(cli('train', 'm1m2', '--data', csv, '--labels', '9', '--steps', '60', '--option', 'm1Hidden=[8]',
    '--option', 'm1Latent=4', '--out', join(dir, 'm1m2-half'), '--json', '--resume'));
  assert.is(longer.step, 60);
  assert.is(read(join(dir, 'm1m2-half')).m1Steps, 20);
  json(m1m2(join(dir, 'm1m2-set'), '--option', 'm1Steps=30'));
  assert.is(read(join(dir, 'm1m2-set')).m1Steps, 30);
  fails(m1m2(join(dir, 'm1m2-none'), '--option', 'm1Steps=40'), /m1m2: m1Steps 40 leaves M2 none of the run's 40 steps/);
  fails(m1m2(join(dir, 'm1m2-list'), '--option', 'm1Hidden=[8'), /--option value '\[8' is not a JSON list/);
});

s('bad label counts and an occupied run folder are one-line errors', () => {
  fails(train(join(dir, 'bad1'), '--labels', '2'), /--labels 2: 2 labels cannot cover 3 classes/);
  fails(cli('train', 'supervised', '--data', csv, '--labels', '0', '--out', join(dir, 'bad2')), /--labels must be a positive integer/);
  fails(train(join(dir, 'bad3')).status === 0 ? train(join(dir, 'bad3')) : { status: 0 }, /already holds a run/);
});

s.run();
