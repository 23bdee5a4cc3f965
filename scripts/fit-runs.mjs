// Runs `semigen fit` on each of the UCI tables in $SEMIGEN_DATA/tabular at 10 labels per class, as a user would
// (`semigen fit --data train.csv --test test.csv --labels N --seed S`, nothing else), checks each run (its exit
// code; `eval --json` on its folder, whose test error and row count it records beside fit's, as same_as_eval) and
// appends its figures (chosen model, test error, whole wall time, the leaderboard) to results/tables/fit.jsonl. --summary prints
// test error mean ± std over the seeds beside the best scikit-learn anchor (results/tables/anchors.jsonl). A run
// already in fit.jsonl is not run again, so an interrupted sweep continues where it stopped.
//
// --anchor-rows trains on the very labelled rows scikit-learn's anchors keep at 10 per class and the same seed
// (scripts/anchor-labels.py writes the training file with only those labels, /usr/bin/python3 with python3-pandas),
// as `semigen fit --data that.csv --test test.csv --seed S`, into results/tables/fit-anchor-rows.jsonl: the anchors'
// figures in results/tables/anchors.jsonl were measured on those rows, so the two differ by the method alone.
//
// --anchors-on-fit-rows is the other way round: the anchors (../shared/anchors/tabular_baselines.py) on the labelled
// rows `--labels N --seed S` keeps, seed by seed, into results/tables/anchors-fit-rows.jsonl, beside fit.jsonl's fits.
//
//   SEMIGEN_DATA=../shared/data node scripts/fit-runs.mjs [--tables spam,income] [--seeds 1,2,3] [--budget 10m]
//     [--anchor-rows | --anchors-on-fit-rows] [--summary]
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist/src/cli/main.js');
const out = join(root, 'results/tables');
const anchorRows = process.argv.includes('--anchor-rows');
const log = join(out, anchorRows ? 'fit-anchor-rows.jsonl' : 'fit.jsonl');
const anchorsLog = join(out, 'anchors.jsonl');

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : args[i + 1].split(',');
};
const readLines = (path) => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));

function summary() {
  const anchors = new Map(readLines(anchorsLog).map((a) => [a.table, a.methods]));
  const byTable = new Map();
  for (const r of readLines(log)) if (r.exit === 0) byTable.set(r.table, [...(byTable.get(r.table) ?? []), r]);
  console.log('| table | labels | semigen fit: test error % | chosen | minutes (max) | best scikit-learn anchor | difference |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const [table, runs] of [...byTable].sort()) {
    const errors = runs.map((r) => 100 * r.test_error);
    const methods = anchors.get(table) ?? {};
    const best = Object.entries(methods).sort((a, b) => a[1].mean - b[1].mean)[0];
    const fitMean = mean(errors);
    console.log(`| ${table} | ${runs[0].labels} | ${fitMean.toFixed(2)} ± ${std(errors).toFixed(2)} (${runs.length} seeds) | ` +
      `${runs.map((r) => (r.members ? r.members.join('+') : r.chosen)).join(', ')} | ${Math.max(...runs.map((r) => r.seconds / 60)).toFixed(1)} | ` +
      `${best === undefined ? '-' : `${best[0]} ${best[1].mean.toFixed(2)} ± ${best[1].std.toFixed(2)}`} | ` +
      `${best === undefined ? '-' : (fitMean - best[1].mean).toFixed(2)} |`);
  }
}

/** Rows per class of a table's class column (the last one in these tables), read with the CLI's own reader. */
async function classSizes(path) {
  const { readTable } = await import(join(root, 'dist/src/data/table.js'));
  const t = await readTable(path);
  const sizes = new Map();
  for (const r of t.rows) if (r[r.length - 1] !== '') sizes.set(r[r.length - 1], (sizes.get(r[r.length - 1]) ?? 0) + 1);
  return [...sizes.values()];
}

/** The tables asked for (--tables; default every folder of $SEMIGEN_DATA/tabular with a train.csv), each with its files. */
function tableFiles() {
  const data = process.env.SEMIGEN_DATA;
  if (!data) throw new Error('set SEMIGEN_DATA to the folder holding tabular/');
  const tables = flag('tables', readdirSync(join(data, 'tabular')).filter((t) => existsSync(join(data, 'tabular', t, 'train.csv'))).sort());
  return tables.map((table) => ({ table, train: join(data, 'tabular', table, 'train.csv'), test: join(data, 'tabular', table, 'test.csv') }));
}

/** A Python script's stdout (/usr/bin/python3, Debian's python3-pandas and python3-sklearn); an Error naming it on failure. */
function python(script, args, what) {
  const r = spawnSync('/usr/bin/python3', [script, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${script} on ${what}: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
  return r.stdout;
}

const anchorLabels = join(root, 'scripts/anchor-labels.py');

async function sweep() {
  const seeds = flag('seeds', ['1', '2', '3']).map(Number);
  const budget = flag('budget', ['10m'])[0];
  mkdirSync(out, { recursive: true });
  const done = new Set(readLines(log).filter((r) => r.exit === 0).map((r) => `${r.table}-s${r.seed}`));
  for (const { table, ...files } of tableFiles()) {
    // --labels asks 10 per class; a class with fewer rows gives all it has, so the run has Σ min(10, rows) labels
    const sizes = await classSizes(files.train);
    const asked = 10 * sizes.length;
    const labels = sizes.reduce((n, c) => n + Math.min(10, c), 0);
    for (const seed of seeds) {
      if (done.has(`${table}-s${seed}`)) continue;
      const folder = join(tmpdir(), `semigen-fit-${table}-s${seed}${anchorRows ? '-anchor-rows' : ''}`);
      // with --anchor-rows, the training file with only the labels the anchors kept
      const labelled = anchorRows ? join(tmpdir(), `semigen-anchor-rows-${table}-s${seed}.csv`) : null;
      if (labelled !== null) python(anchorLabels, [files.train, files.test, '--per-class', '10', '--seed', String(seed), '--out', labelled], table);
      const dataFlags = labelled === null ? ['--data', files.train, '--labels', String(asked)] : ['--data', labelled];
      const started = performance.now();
      const r = spawnSync(process.execPath, [cli, 'fit', ...dataFlags, '--test', files.test,
        '--seed', String(seed), '--budget', budget, '--out', folder, '--overwrite', '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
      const seconds = (performance.now() - started) / 1000;
      const record = { table, seed, labels, ...(anchorRows ? { rows: 'anchors' } : {}), budget, exit: r.status, seconds: Number(seconds.toFixed(1)) };
      if (r.status !== 0) {
        record.error = r.stderr.trim().split('\n').pop();
      } else {
        const result = JSON.parse(r.stdout.trim().split('\n').pop());
        const checked = spawnSync(process.execPath, [cli, 'eval', folder, '--json'], { encoding: 'utf8' });
        const evaluated = checked.status === 0 ? JSON.parse(checked.stdout.trim().split('\n').pop()) : { error: checked.stderr.trim() };
        Object.assign(record, {
          chosen: result.chosen, members: result.members ?? null, prior_shift: result.prior_shift ?? null, steps: result.steps, test_error: result.test_error, eval_test_error: evaluated.test_error ?? null,
          // eval on the run folder must give the figure fit printed (over every test row)
          same_as_eval: typeof evaluated.test_error === 'number' && Math.abs(evaluated.test_error - result.test_error) < 1e-9,
          eval_rows: evaluated.rows, leaderboard: result.leaderboard.map((e) => ({
            kind: e.kind, cv_error: e.cvError, cv_error_std: e.cvErrorStd, cv_cross_entropy: e.cvCrossEntropy, test_error: e.testError, minutes: Number((e.seconds / 60).toFixed(2)),
            steps: e.steps, best_epoch: e.bestEpoch, best_step: e.bestStep, note: e.note,
          })),
        });
      }
      appendFileSync(log, `${JSON.stringify(record)}\n`);
      console.log(`${table} s${seed}: ${record.exit === 0 ? `${record.members ? `ensemble of ${record.members.join(', ')}` : record.chosen}, test ${(100 * record.test_error).toFixed(2)}%` : record.error} ` +
        `in ${(seconds / 60).toFixed(1)} min`);
      rmSync(folder, { recursive: true, force: true });
      if (labelled !== null) rmSync(labelled, { force: true });
    }
  }
}

/** The anchors on the rows semigen's `--labels N --seed S` keeps (the CLI's own choice, keepFewLabels), seed by seed. */
async function anchorsOnFitRows() {
  const { loadDataset } = await import(join(root, 'dist/src/data/load.js'));
  const { keepFewLabels } = await import(join(root, 'dist/src/cli/train.js'));
  const anchorsRowsLog = join(out, 'anchors-fit-rows.jsonl');
  const done = new Set(readLines(anchorsRowsLog).map((r) => `${r.table}-s${r.seed}`));
  for (const { table, ...files } of tableFiles()) {
    const seeds = flag('seeds', ['1', '2', '3']).map(Number).filter((seed) => !done.has(`${table}-s${seed}`));
    if (seeds.length === 0) continue;
    const loaded = await loadDataset(files.train, { test: files.test });
    for (const seed of seeds) {
      // --labels asks 10 per class, as the sweep does; keepFewLabels replaces the train split of the copy it is given
      const rows = keepFewLabels({ ...loaded }, 10 * loaded.classes, seed);
      const rowsFile = join(tmpdir(), `semigen-fit-rows-${table}-s${seed}.json`);
      const labelled = join(tmpdir(), `semigen-fit-rows-${table}-s${seed}.csv`);
      writeFileSync(rowsFile, JSON.stringify({ rows: [...rows] }));
      python(anchorLabels, [files.train, files.test, '--rows', rowsFile, '--out', labelled], table);
      const methods = {};
      for (const line of python(join(root, '..', 'shared', 'anchors', 'tabular_baselines.py'), [labelled, files.test, '--seeds', String(seed)], table).split('\n')) {
        const m = line.match(/^\s+(.+?)\s+([\d.]+) ± [\d.]+\s+labelled rows: (\d+)/);
        if (m) {
          if (Number(m[3]) !== rows.length) throw new Error(`anchors on ${table} seed ${seed}: ${m[3]} labelled rows, not ${rows.length}`);
          methods[m[1]] = Number(m[2]);
        }
      }
      rmSync(rowsFile, { force: true });
      rmSync(labelled, { force: true });
      appendFileSync(anchorsRowsLog, `${JSON.stringify({ table, seed, labels: rows.length, rows: 'semigen', methods })}\n`);
      console.log(`${table} s${seed} anchors on semigen's rows: ${JSON.stringify(methods)}`);
    }
  }
}

if (args.includes('--summary')) summary();
else if (args.includes('--anchors-on-fit-rows')) await anchorsOnFitRows();
else await sweep();
