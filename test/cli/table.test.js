// A user's table end to end: string labels with spaces, a categorical column with empty cells, a binary column,
// numbers on scales far from [0, 1] and an identifier column, in a training file and a separate test file. Trained
// with --test, eval reports test_error over exactly the test file's rows (checked against predict's own count);
// predict writes class names; a VAE's samples are rows of the table's own values; every kind of bad table is one
// line and exit code 1.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const cli = (...args) => spawnSync(process.execPath, [main, ...args], {
  encoding: 'utf8', timeout: 120_000, env: { ...process.env, SEMIGEN_NUM_THREADS: '1' },
});
const dir = mkdtempSync(join(tmpdir(), 'semigen-table-cli-'));
const path = (name) => join(dir, name);
const CLASSES = ['bad', 'good', 'so so'];
const COLOURS = ['blue', 'green', 'red'];

/** Rows whose class follows from income and colour, with noise; a colour cell empty now and then. */
function rows(count, seed, first) {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out = [];
  for (let r = 0; r < count; r++) {
    const k = r % 3;
    const income = Math.round(1000 + 2000 * k + 900 * rand());
    const colour = rand() < 0.1 ? '' : COLOURS[(k + (rand() < 0.2 ? 1 : 0)) % 3];
    const age = (20 + 60 * rand()).toFixed(1);
    out.push([first + r, age, income, colour, rand() < 0.5 ? 'yes' : 'no', `"${CLASSES[k]}"`].join(','));
  }
  return out;
}
const HEADER = 'id,age,income,colour,smoker,class';
const table = (name, lines) => {
  writeFileSync(path(name), `${[HEADER, ...lines].join('\n')}\n`);
  return path(name);
};
const train = table('train.csv', rows(300, 5, 1));
const test = table('test.csv', rows(90, 9, 1001));

const s = suite('cli: a user\'s table');
s.after(() => rmSync(dir, { recursive: true, force: true }));

function json(r) {
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function fails(r, pattern) {
  assert.is(r.status, 1, `expected exit 1, got ${r.status}: ${r.stdout} ${r.stderr}`);
  // warnings about the data (the identifier column left out) may come first; the error itself is one line
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('warning: '));
  assert.is(lines.length, 1, r.stderr);
  assert.match(lines[0], pattern);
}

s('train m2 with --test: the schema is saved, the decoder is mixed, test_error is over exactly the test file\'s rows', () => {
  const out = path('m2');
  const r = cli('train', 'm2', '--data', train, '--test', test, '--labels', '30', '--steps', '60', '--option', 'latent=4',
    '--option', 'classifierHidden=[16]', '--option', 'encoderHidden=[16]', '--option', 'decoderHidden=[16]', '--out', out, '--json');
  const summary = json(r);
  assert.match(r.stderr, /^warning: .*train\.csv: column left out: 'id' \(its values count up row by row, like an identifier\)$/m);
  assert.equal(summary.evaluated, { rows: 'test', count: 90 });
  const schema = JSON.parse(readFileSync(join(out, 'schema.json'), 'utf8'));
  assert.equal(schema.columns.map((c) => c.type), ['ignored', 'numeric', 'numeric', 'categorical', 'binary']);
  assert.equal(schema.label, { name: 'class', classes: CLASSES });
  const model = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).model;
  assert.equal(model.likelihood.families.map((f) => f.kind), ['gaussian', 'gaussian', 'categorical', 'bernoulli']);
  assert.ok(Number.isFinite(summary.test_reconstruction_categorical), 'the reconstruction is reported per family');

  const result = json(cli('eval', out, '--json'));
  assert.equal([result.evaluated, result.rows], ['test', 90]);
  assert.ok(Math.abs(result.test_error - summary.test_error) < 1e-12, `${result.test_error} vs ${summary.test_error}`);
  // the divisor: predict counts its own mistakes over the same 90 labelled rows
  const preds = json(cli('predict', out, '--input', test, '--out', path('preds.csv'), '--json'));
  assert.is(preds.labelled, 90);
  assert.ok(Math.abs(preds.error - result.test_error) < 1e-12, `predict ${preds.error} vs eval ${result.test_error}`);
  const lines = readFileSync(path('preds.csv'), 'utf8').trim().split('\n');
  assert.is(lines[0], 'class,p(bad),p(good),p(so so)');
  assert.is(lines.length, 91);
  assert.ok(lines.slice(1).every((l) => CLASSES.includes(l.split(',')[0])), 'predictions are class names');
  // the training file through eval --data is named for what it is
  const own = json(cli('eval', out, '--data', train, '--json'));
  assert.equal([own.evaluated, own.rows], ['train_labelled', 30]);
});

s("a VAE's samples and reconstructions are rows in the table's own columns and values", () => {
  const out = path('vae');
  json(cli('train', 'vae', '--data', train, '--steps', '40', '--hidden', '16', '--latent', '2', '--out', out, '--json'));
  json(cli('sample', out, '--count', '50', '--seed', '3', '--json'));
  const lines = readFileSync(join(out, 'samples.csv'), 'utf8').trim().split('\n');
  assert.is(lines[0], 'age,income,colour,smoker');
  assert.is(lines.length, 51);
  for (const line of lines.slice(1)) {
    const [age, income, colour, smoker] = line.split(',');
    assert.ok(Number.isFinite(Number(age)) && Number.isInteger(Number(income)), line);
    assert.ok(COLOURS.includes(colour) && ['yes', 'no'].includes(smoker), line);
  }
  const again = cli('sample', out, '--count', '50', '--seed', '3', '--out', path('again.csv'));
  assert.is(again.status, 0, again.stderr);
  assert.is(readFileSync(path('again.csv'), 'utf8'), readFileSync(join(out, 'samples.csv'), 'utf8'), 'the same --seed, the same rows');
  json(cli('reconstruct', out, '--count', '4', '--json'));
  assert.is(readFileSync(join(out, 'reconstructions.csv'), 'utf8').trim().split('\n').length, 5);
  // more than there are: the 300 training rows, and the figure printed says so
  assert.is(json(cli('reconstruct', out, '--count', '1000000000', '--out', path('all.csv'), '--json')).count, 300);
  assert.is(readFileSync(path('all.csv'), 'utf8').trim().split('\n').length, 301);
  const codes = json(cli('encode', out, '--input', test, '--out', path('codes.csv'), '--json'));
  assert.equal([codes.rows, codes.dims], [90, 2]);
});

s('--labels keeps every row of a short class with a warning naming it; --class-weights balanced works with named classes', () => {
  const few = table('few.csv', [...rows(60, 3, 1).filter((l) => !l.endsWith('"so so"')), ...rows(6, 4, 500).filter((l) => l.endsWith('"so so"'))]);
  const r = cli('train', 'supervised', '--data', few, '--labels', '15', '--steps', '5', '--hidden', '4', '--class-weights', 'balanced',
    '--out', path('few'), '--json');
  const summary = json(r);
  assert.match(r.stderr, /warning: --labels 15: class 'so so' has 2 labelled rows, fewer than its share of 5: all of them are kept/);
  assert.is(summary.labels, 12);
  const weights = JSON.parse(readFileSync(join(path('few'), 'config.json'), 'utf8')).model.classWeights;
  assert.ok(weights[2] > weights[0], `the short class weighs more: ${weights}`);
});

s('each kind of bad table is one line naming the file and exit code 1', () => {
  const m2 = (data, ...extra) => cli('train', 'm2', '--data', data, '--steps', '2', '--out', path('bad'), '--overwrite', ...extra);
  const good = rows(30, 1, 1);
  fails(m2(table('ragged.csv', [...good.slice(0, 5), '7,30.5,1000', ...good.slice(5)])), /ragged\.csv: line 7: 3 fields where the header has 6/);
  fails(m2(train, '--test', table('unseen.csv', ['1,30,1000,purple,yes,bad'])), /unseen\.csv: line 2, column 'colour': 'purple' was not among the training rows' values/);
  writeFileSync(path('nocolumn.csv'), 'id,age,colour,smoker,class\n1,30,red,yes,bad\n');
  fails(m2(train, '--test', path('nocolumn.csv')), /nocolumn\.csv: has no column 'income', which the run's schema uses/);
  fails(m2(table('one.csv', good.map((l) => l.replace(/"[^"]*"$/, 'good')))), /m2 needs at least 2 classes; every label of .*one\.csv is 'good'/);
  fails(m2(train, '--test', table('newclass.csv', ['1,30,1000,red,yes,great'])), /newclass\.csv: line 2, column 'class': label 'great' is no class of the training rows \(bad, good, so so\)/);
  fails(m2(table('nolabels.csv', good.map((l) => l.replace(/"[^"]*"$/, '')))), /m2 needs labelled rows; no row of .*nolabels\.csv has a label/);
  fails(m2(table('word.csv', good.map((l, i) => (i === 12 ? l.replace(/^(\d+),[^,]*,/, '$1,thirty,') : l)))), /word\.csv: line 14, column 'age': 'thirty' is not a number, in a column of numbers/);
  fails(m2(train, '--test', table('unlabelled.csv', ['1,30,1000,red,yes,bad', '2,30,1000,red,yes,'])), /unlabelled\.csv: line 3 has no label; every row of a test file needs one/);
  fails(m2(train, '--delimiter', 'ab'), /--delimiter must be one character/);
  fails(m2(train, '--scaling', 'minmax'), /--scaling must be standard or robust, got 'minmax'/);
  fails(cli('train', 'm2', '--dataset', 'mnist', '--test', test), /--test is for your own data file/);
  fails(m2(train, '--labels', '2'), /--labels 2: 2 labels cannot cover 3 classes/);
  assert.not.ok(existsSync(join(path('bad'), 'checkpoint.safetensors')), 'no run was written by a refused table');
});

s('--resume refuses a table that no longer reads as the run began, and resumes the same file', () => {
  const data = table('changing.csv', rows(60, 2, 1));
  const run = (steps) => cli('train', 'vae', '--data', data, '--steps', steps, '--hidden', '4', '--latent', '2', '--out', path('changing'), '--json');
  json(run('4'));
  writeFileSync(data, `${[HEADER, ...rows(60, 2, 1), '61,30,99999,purple,yes,"bad"'].join('\n')}\n`);
  fails(cli('train', 'vae', '--data', data, '--steps', '8', '--hidden', '4', '--latent', '2', '--out', path('changing'), '--resume'),
    /--resume: .*changing\.csv no longer reads as the run's .*schema\.json says/);
  table('changing.csv', rows(60, 2, 1));
  assert.is(json(cli('train', 'vae', '--data', data, '--steps', '8', '--hidden', '4', '--latent', '2', '--out', path('changing'), '--resume',
    '--json')).step, 8);
});

s('--validation holds out labelled rows it never trains on; eval and predict use the best epoch; bad values are one line', () => {
  const out = path('validated');
  const r = json(cli('train', 'ssae', '--data', train, '--test', test, '--labels', '60', '--validation', '0.25', '--epochs', '12',
    '--hidden', '16', '--patience', '4', '--seed', '2', '--out', out, '--json'));
  const labels = JSON.parse(readFileSync(join(out, 'labels.json'), 'utf8'));
  const held = JSON.parse(readFileSync(join(out, 'validation.json'), 'utf8'));
  assert.is(held.count, 15, 'a quarter of the 60 labels, 5 of each class');
  assert.is(labels.count, 45, 'labels.json lists the labels trained on');
  assert.equal(held.rows.filter((row) => labels.rows.includes(row)), []);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal([config.data.trainRows, config.data.validationRows, config.data.labelledRows], [300 - 15, 15, 45]);
  assert.ok(existsSync(join(out, 'best.safetensors')));
  assert.is(typeof r.best.validation_error, 'number');
  const evaluated = json(cli('eval', out, '--json'));
  assert.is(evaluated.step, r.best.step, 'eval takes the best epoch');
  assert.is(evaluated.test_error, r.test_error, 'the test error train reported is that of the best epoch');
  assert.match(evaluated.checkpoint, /best\.safetensors$/);

  // without a test file, eval measures the validation rows, named so
  const noTest = path('validated-no-test');
  json(cli('train', 'ssae', '--data', train, '--labels', '60', '--validation', '0.25', '--epochs', '3', '--hidden', '16', '--out', noTest, '--json'));
  const v = json(cli('eval', noTest, '--json'));
  assert.equal([v.evaluated, v.rows], ['validation', 15]);

  // a validation file
  const file = json(cli('train', 'ssae', '--data', train, '--test', test, '--validation', table('validation.csv', rows(30, 4, 2001)),
    '--labels', '30', '--epochs', '3', '--hidden', '16', '--out', path('validated-file'), '--json'));
  assert.is(file.best.epoch >= 1, true);

  // a new run in the folder does not inherit the held-out rows or the best weights of the run before it
  json(cli('train', 'ssae', '--data', train, '--labels', '60', '--epochs', '2', '--hidden', '16', '--out', noTest, '--overwrite', '--json'));
  assert.not.ok(existsSync(join(noTest, 'validation.json')) || existsSync(join(noTest, 'best.safetensors')));
  assert.is(json(cli('eval', noTest, '--json')).evaluated, 'train_labelled');

  fails(cli('train', 'gan', '--data', train, '--validation', '0.2', '--out', path('v-bad')), /--validation: gan reports no validation metric/);
  fails(cli('train', 'ssae', '--data', train, '--patience', '3', '--out', path('v-bad')), /--patience needs --validation/);
  fails(cli('train', 'ssae', '--data', train, '--validation', '1.5', '--out', path('v-bad')), /--validation must be a fraction in \(0, 1\) or a file, got '1.5'/);
  fails(cli('train', 'ssae', '--data', train, '--validation', path('nope.csv'), '--out', path('v-bad')), /nope\.csv/);
});

s.run();
