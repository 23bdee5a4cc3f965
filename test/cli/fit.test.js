// `semigen fit` end to end on a small table: the leaderboard, the chosen model's run folder taken by eval and
// predict, the test file reported and never chosen on, and bad flags as one line each.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const cli = (...args) => spawnSync(process.execPath, [main, ...args], {
  encoding: 'utf8', timeout: 300_000, env: { ...process.env, SEMIGEN_NUM_THREADS: '1' },
});
const dir = mkdtempSync(join(tmpdir(), 'semigen-fit-cli-'));
const path = (name) => join(dir, name);

/** Rows of three classes told apart by two numeric columns and a category, with noise. */
function table(name, count, seed) {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const lines = ['size,weight,shade,class'];
  for (let r = 0; r < count; r++) {
    const k = r % 3;
    lines.push([(10 * k + 6 * rand()).toFixed(2), (100 - 20 * k + 15 * rand()).toFixed(1), ['dark', 'mid', 'light'][rand() < 0.7 ? k : (k + 1) % 3],
      `"${['small one', 'medium', 'large'][k]}"`].join(','));
  }
  writeFileSync(path(name), `${lines.join('\n')}\n`);
  return path(name);
}
const train = table('train.csv', 240, 3);
const test = table('test.csv', 90, 7);

const s = suite('cli: fit');
s.after(() => rmSync(dir, { recursive: true, force: true }));

function fails(r, pattern) {
  assert.is(r.status, 1, `expected exit 1, got ${r.status}: ${r.stdout} ${r.stderr}`);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('warning: '));
  assert.is(lines.length, 1, r.stderr);
  assert.match(lines[0], pattern);
}

s('fit prints a leaderboard and leaves a run folder eval and predict take', () => {
  const out = path('fitted');
  const r = cli('fit', '--data', train, '--test', test, '--labels', '30', '--models', 'supervised,ssae', '--budget', '40s', '--folds', '2', '--seed', '2', '--out', out);
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^model\s+fold error %\s+minutes\s+test error % \(fold models\)/);
  const rows = lines.slice(1, 3).map((l) => l.split(/\s{2,}/));
  assert.equal(rows.map((c) => c[0]).sort(), ['ssae', 'supervised']);
  for (const c of rows) assert.match(c[1], /^\d+\.\d\d ± \d+\.\d\d$/);
  const board = JSON.parse(readFileSync(join(out, 'leaderboard.json'), 'utf8'));
  // the best fold error first; the folds tell it from the other kind (one model) or not (an ensemble of both)
  // on a slow or busy machine the budget may end the final run early; the line then says how many steps were planned
  assert.ok(board.steps <= board.planned, `${board.steps} steps of ${board.planned} planned`);
  const short = board.steps < board.planned ? ` \\(the budget ran out; ${board.planned} were planned\\)` : '';
  if (board.chosen === 'ensemble') {
    // an ensemble's probabilities shifted to the unlabelled rows' class prior, its factors printed as saved
    assert.is(board.priorShift.length, 3);
    const shifted = `; shifted to the unlabelled rows' class prior \\(${board.priorShift.map((w) => w.toFixed(2)).join(', ')} times the labelled rows'\\)`;
    assert.equal(board.members, rows.map((c) => c[0]));
    assert.match(lines[3], new RegExp(`^chosen: an ensemble of ${board.members.join(', ')} \\(the folds could not tell them apart\\), each trained ` +
      `on every labelled row, ${board.steps} steps in all, their class probabilities averaged${short}${shifted}; test error \\d+\\.\\d\\d% over 90 test rows$`));
  } else {
    assert.is(board.chosen, rows[0][0]);
    assert.is(board.priorShift, null);
    assert.match(lines[3], new RegExp(`^chosen: ${board.chosen}, trained on every labelled row for ${board.steps} steps${short}; test error \\d+\\.\\d\\d% over 90 test rows$`));
  }
  assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).model.priorShift, board.priorShift ?? undefined);
  assert.match(r.stderr, /fit: 2 models × 2 folds of 30 labelled rows/);
  assert.ok(existsSync(join(out, 'schema.json')) && existsSync(join(out, 'labels.json')));

  const evaluated = JSON.parse(cli('eval', out, '--json').stdout);
  assert.equal([evaluated.model, evaluated.evaluated, evaluated.rows, evaluated.labels], [board.chosen, 'test', 90, 30]);
  assert.equal(evaluated.members, board.members, 'an ensemble\'s members, as fit chose them');
  assert.match(cli('eval', out).stdout, new RegExp(`^${board.chosen === 'ensemble' ? `an ensemble of ${board.members.join(', ')}` : board.chosen} at step ${board.steps},`));
  assert.is(evaluated.test_error.toFixed(4), board.test.test_error.toFixed(4));
  const predicted = cli('predict', out, '--input', test, '--out', path('preds.csv'));
  assert.is(predicted.status, 0, predicted.stderr);
  assert.match(readFileSync(path('preds.csv'), 'utf8').split('\n')[0], /^class,p\(large\),p\(medium\),p\(small one\)$/);

  fails(cli('fit', '--data', train, '--out', out), /already holds a run .*--overwrite/);
});

s('--one-model keeps the model of lowest fold error alone, its probabilities as learnt', () => {
  const out = path('one-model');
  const r = cli('fit', '--data', train, '--labels', '30', '--models', 'supervised,ssae', '--budget', '25s', '--folds', '2', '--seed', '2',
    '--one-model', '--out', out, '--json');
  assert.is(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout.trim().split('\n').pop());
  assert.ok(['supervised', 'ssae'].includes(result.chosen), result.chosen);
  assert.equal([result.members, result.prior_shift], [undefined, null]);
  assert.is(result.chosen, result.leaderboard[0].kind);
  assert.not.ok(existsSync(join(out, 'members')));
  assert.is(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).model.kind, result.chosen);
});

s('bad flags are one line each', () => {
  fails(cli('fit', '--data', train, '--budget', '10'), /--budget must be a time with its unit, e.g. 90s, 10m or 1h, got '10'/);
  fails(cli('fit', '--data', train, '--models', 'vae'), /--models: 'vae' is not one of the classifiers/);
  fails(cli('fit', '--data', train, '--folds', '1'), /--folds must be at least 2/);
  fails(cli('fit', 'm2', '--data', train), /fit takes no model \(it chooses one\)/);
  fails(cli('fit'), /fit needs --data FILE/);
});

s.run();
