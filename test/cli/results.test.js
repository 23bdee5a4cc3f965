// The results table builder: finished runs grouped by dataset, labels and model with mean ± std over seeds and
// minutes per run and the --option settings, unfinished runs left out, the papers' figures beside ours, and the README block replaced;
// runs read from run folders and from the one-file form of results/ (scripts/trim-results.mjs), which keeps their figures.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectRuns, fitTable, ownRowsTable, readRun, replaceTable, resultsTable } from '../../dist/src/cli/results.js';
import { MODEL_KINDS } from '../../dist/src/models/registry.js';

const s = suite('cli: results table');
let root;
s.before(() => {
  root = mkdtempSync(join(tmpdir(), 'semigen-results-'));
});
s.after(() => rmSync(root, { recursive: true, force: true }));

function fakeRun(name, { model, dataset, labels, seed, errors, totalSteps = 20, wall = 120, options = [], config = {} }) {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    model: { kind: model, ...config }, data: { name: dataset, labelledRows: labels }, seed, totalSteps,
    extra: { command: ['train', model, ...options.flatMap((o) => ['--option', o]), '--seed', String(seed)] },
  }));
  const lines = errors.map((e, i) => JSON.stringify({ kind: 'epoch', step: (i + 1) * 10, test_error: e, wall_s: wall * (i + 1) / errors.length }));
  writeFileSync(join(dir, 'metrics.jsonl'), `${lines.join('\n')}\n{"kind":"log","step":`); // last line cut short
}

s('groups seeds, takes each run\'s last test error, skips unfinished runs', () => {
  fakeRun('m2-a', { model: 'm2', dataset: 'mnist', labels: 100, seed: 1, errors: [0.5, 0.10], options: ['lr=0.001', 'alpha=3'] });
  fakeRun('m2-b', { model: 'm2', dataset: 'mnist', labels: 100, seed: 2, errors: [0.4, 0.14], wall: 240,
    options: ['alpha=3', 'latent=50'], config: { alpha: 3, latent: 50 } }); // latent 50 is M2's default: not shown
  fakeRun('m2-c', { model: 'm2', dataset: 'mnist', labels: 100, seed: 3, errors: [0.3], totalSteps: 20 }); // stopped at step 10
  fakeRun('sup', { model: 'supervised', dataset: 'fashion-mnist', labels: 1000, seed: 0, errors: [0.2, 0.18] });
  fakeRun('sup-m', { model: 'supervised', dataset: 'mnist', labels: 100, seed: 1, errors: [0.25], totalSteps: 10 });
  fakeRun('sup-m2', { model: 'supervised', dataset: 'mnist', labels: 100, seed: 2, errors: [0.20], totalSteps: 10 });
  fakeRun('lad', { model: 'ladder', dataset: 'fashion-mnist', labels: 1000, seed: 4, errors: [0.1925], totalSteps: 10 });
  const runs = collectRuns([root]);
  assert.equal(runs.map((r) => r.dir.split('/').pop()).sort(), ['lad', 'm2-a', 'm2-b', 'sup', 'sup-m', 'sup-m2']);
  const table = resultsTable(runs).split('\n');
  assert.is(table.length, 6);
  const m2 = table.find((l) => l.includes('| m2 |'));
  // errors 10% and 14%: mean 12.00, population std 2.00; wall 2 and 4 minutes: 3.0
  // against the supervised-only rows of the same dataset and labels: mean 22.50 on MNIST-100, 18.00 on F-MNIST-1000
  // the options both seeds were trained with, then the one only seed 1 was
  assert.is(m2, '| mnist | 100 | m2 | 12.00 ± 2.00 | 2 (1, 2) | −10.50 | 3.0 | 11.97 (Kingma et al. 2014) | alpha=3; not every seed: lr=0.001 |');
  const sup = table.find((l) => l.includes('| fashion-mnist | 1000 | supervised |'));
  assert.is(sup, '| fashion-mnist | 1000 | supervised | 18.00 | 1 (0) |  | 2.0 | 18.0 ± 0.7 (PyTorch MLP) |  |');
  assert.match(table.find((l) => l.includes('| ladder |')), /\| 19.25 \| 1 \(4\) \| \+1.25 \|/);
  assert.ok(table.indexOf(sup) < table.indexOf(m2), 'datasets sorted by name');
});

s('reads run files (config, labels, epochs) beside run folders; trim-results.mjs turns a folder into one', () => {
  const own = mkdtempSync(join(root, 'files-'));
  const config = (seed) => ({ model: { kind: 'm2' }, data: { name: 'mnist', labelledRows: 100 }, seed, totalSteps: 20, extra: { command: ['train', 'm2'] } });
  const epochs = [{ step: 10, epoch: 1, test_error: 0.3, wall_s: 30 }, { step: 20, epoch: 2, test_error: 0.2, wall_s: 60 }];
  writeFileSync(join(own, 'm2-s1.json'), JSON.stringify({ config: config(1), labels: { count: 100, seed: 1, rows: [], labels: [] }, epochs }));
  writeFileSync(join(own, 'm2-s2.json'), JSON.stringify({ config: config(2), labels: null, epochs: epochs.slice(0, 1) })); // unfinished
  writeFileSync(join(own, 'notes.json'), '{"not":"a run"}');
  writeFileSync(join(own, 'broken.json'), '{"config":');
  // a run folder as `semigen train` leaves it: a log line, an evaluation line, another, a picture
  const dir = join(own, 'm2-s3');
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config(3)));
  writeFileSync(join(dir, 'labels.json'), JSON.stringify({ count: 100, seed: 3, rows: [5, 7], labels: [1, 2] }));
  writeFileSync(join(dir, 'metrics.jsonl'), [
    { kind: 'log', step: 5, loss: 9, wall_s: 15 },
    { kind: 'epoch', step: 10, epoch: 1, loss: 8, stage: 1, test_error: 0.4, test_neg_elbo: 99, samples_per_s: 100, rss_mb: 500, wall_s: 30 },
    { kind: 'epoch', step: 20, epoch: 2, loss: 7, stage: 2, test_error: 0.1, test_neg_elbo: 98, samples_per_s: 100, rss_mb: 500, wall_s: 90 },
  ].map((r) => `${JSON.stringify(r)}\n`).join('') + '{"kind":"log"'); // last line cut short
  writeFileSync(join(dir, 'loss.svg'), '<svg/>');
  const fromFolder = readRun(dir);
  assert.is(fromFolder.testError, 10);
  assert.is(fromFolder.wallSeconds, 90);
  assert.equal(collectRuns([own]).map((r) => [r.dir.split('/').pop(), r.seed, r.testError, r.wallSeconds, r.step]),
    [['m2-s1.json', 1, 20, 60, 20], ['m2-s3', 3, 10, 90, 20]]);

  const script = fileURLToPath(new URL('../../scripts/trim-results.mjs', import.meta.url));
  execFileSync(process.execPath, [script, own], { encoding: 'utf8' });
  assert.not.ok(existsSync(dir), 'the run folder is removed');
  const text = readFileSync(`${dir}.json`, 'utf8');
  assert.is(text.split('\n').length, 7, 'config, labels, "epochs":[, one line per evaluation record, ]}, and the final newline');
  const run = JSON.parse(text);
  assert.equal(run.config, config(3));
  assert.equal(run.labels, { count: 100, seed: 3, rows: [5, 7], labels: [1, 2] });
  assert.equal(run.epochs, [{ step: 10, epoch: 1, test_error: 0.4, test_neg_elbo: 99, wall_s: 30 }, { step: 20, epoch: 2, test_error: 0.1, test_neg_elbo: 98, wall_s: 90 }]);
  const fromFile = readRun(`${dir}.json`);
  assert.equal({ ...fromFile, dir: '' }, { ...fromFolder, dir: '' });
  assert.equal(collectRuns([own]).map((r) => r.dir.split('/').pop()), ['m2-s1.json', 'm2-s3.json']);
});

s("orders rows by the registry's kinds, and a kind it does not know last", () => {
  assert.equal(MODEL_KINDS.filter((k) => ['supervised', 'ssae', 'm2', 'ladder'].includes(k)), ['supervised', 'ssae', 'm2', 'ladder']);
  const run = (model) => ({ dir: model, model, dataset: 'mnist', labels: 100, seed: 1, testError: 10, wallSeconds: 60, step: 1, options: [] });
  // given out of order; the table puts them in the registry's order, and a kind it does not know last
  const rows = resultsTable(['zzz', 'ladder', 'ssae', 'm2', 'supervised'].map(run)).split('\n').slice(2);
  assert.equal(rows.map((l) => l.split(' | ')[2]), ['supervised', 'ssae', 'm2', 'ladder', 'zzz']);
});

s("the users' tables table: each kind's fold models and fit's choice over seeds, the anchors beside, the row's best in bold", () => {
  const board = (m2, ssae) => [{ kind: 'ssae', test_error: ssae }, { kind: 'm2', test_error: m2 }];
  const runs = [
    { table: 'spam', seed: 1, labels: 20, exit: 0, seconds: 120, chosen: 'm2', test_error: 0.10, leaderboard: board(0.12, 0.20) },
    { table: 'spam', seed: 2, labels: 20, exit: 0, seconds: 300, chosen: 'ensemble', members: ['m2', 'ssae'], test_error: 0.14, leaderboard: board(0.14, 0.22) },
    { table: 'spam', seed: 3, labels: 20, exit: 1, seconds: 5 }, // failed: left out
    { table: 'letter', seed: 1, labels: 260, exit: 0, seconds: 60, chosen: 'm2', test_error: 0.30, leaderboard: board(0.31, null) },
  ];
  const anchors = [{ table: 'spam', methods: { 'logreg (labelled only)': { mean: 14.89, std: 0.67 } } }];
  const lines = fitTable(runs, anchors).split('\n');
  assert.is(lines[0], '| table (labels) | ssae (folds) | m2 (folds) | **semigen fit** | fit chose | fit minutes (longest) | logreg (labelled only) |');
  assert.is(lines[2], '| letter (260) | - | **31.00** | 30.00 | m2 ×1 | 1.0 | - |'.replace('**31.00** | 30.00', '31.00 | **30.00**'));
  // spam: m2's folds 12 and 14 (13.00 ± 1.00, numpy's std), ssae's 20 and 22; fit's 10 and 14 (12.00 ± 2.00): the best;
  // an ensemble is named by its members, in the registry's order
  assert.is(lines[3], '| spam (20) | 21.00 ± 1.00 | 13.00 ± 1.00 | **12.00 ± 2.00** | m2 ×1, ssae+m2 ×1 | 5.0 | 14.89 ± 0.67 |');
  const readme = 'a\n<!-- tables:start -->\nold\n<!-- tables:end -->\nb\n';
  assert.is(replaceTable(readme, 'new', '<!-- tables:start -->', '<!-- tables:end -->'), 'a\n<!-- tables:start -->\nnew\n<!-- tables:end -->\nb\n');
});

s('fit beside the anchors on the same rows: seeds paired, the best mean in bold, the difference to the best anchor', () => {
  const runs = [
    { table: 'spam', seed: 1, labels: 20, exit: 0, seconds: 60, test_error: 0.10 },
    { table: 'spam', seed: 2, labels: 20, exit: 0, seconds: 60, test_error: 0.16 },
    { table: 'spam', seed: 3, labels: 20, exit: 0, seconds: 60, test_error: 0.50 }, // no anchor on seed 3: left out
    { table: 'income', seed: 1, labels: 90, exit: 1, seconds: 5 }, // failed: no row
    { table: 'letter', seed: 2, labels: 260, exit: 0, seconds: 60, test_error: 0.30 },
  ];
  const anchors = [
    { table: 'spam', seed: 1, methods: { logreg: 15, 'self-training': 12 } },
    { table: 'spam', seed: 2, methods: { logreg: 19, 'self-training': 16 } },
    { table: 'letter', seed: 2, methods: { logreg: 36, 'self-training': 29.5 } },
    { table: 'income', seed: 1, methods: { logreg: 75, 'self-training': 74 } },
  ];
  const lines = ownRowsTable(runs, anchors).split('\n');
  assert.is(lines[0], '| table (labels) | seeds | **semigen fit** | logreg | self-training | fit − best anchor |');
  assert.is(lines.length, 4);
  assert.is(lines[2], '| letter (260) | 2 | 30.00 | 36.00 | **29.50** | +0.50 |');
  // spam, seeds 1 and 2: fit 10 and 16 (13.00 ± 3.00, numpy's std), self-training 12 and 16 (14.00 ± 2.00)
  assert.is(lines[3], '| spam (20) | 1, 2 | **13.00 ± 3.00** | 17.00 ± 2.00 | 14.00 ± 2.00 | −1.00 |');
});

s('a run stopped early by its validation rows is finished, and its figure is the best epoch\'s', () => {
  const dir = join(root, 'early');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model: { kind: 'm2' }, data: { name: 'mnist', labelledRows: 100 }, seed: 1, totalSteps: 100 }));
  writeFileSync(join(dir, 'metrics.jsonl'), [
    { kind: 'epoch', step: 10, test_error: 0.2, wall_s: 5 }, { kind: 'epoch', step: 20, test_error: 0.3, wall_s: 10 },
    { kind: 'best', step: 10, epoch: 1, validation_error: 0.1, test_error: 0.2 },
  ].map((r) => JSON.stringify(r)).join('\n'));
  const run = readRun(dir);
  assert.ok(run !== null, 'an early stop is a finished run');
  assert.equal([run.testError, run.step, run.wallSeconds], [20, 20, 10]);
  rmSync(dir, { recursive: true });
});

s('replaces only the marked block of the README, and needs the markers', () => {
  const readme = 'intro\n<!-- results:start -->\nold\n<!-- results:end -->\nrest\n';
  assert.is(replaceTable(readme, 'NEW'), 'intro\n<!-- results:start -->\nNEW\n<!-- results:end -->\nrest\n');
  assert.throws(() => replaceTable('no markers here', 'NEW'), /results:start/);
});

s.run();
