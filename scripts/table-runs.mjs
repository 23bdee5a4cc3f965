// Trains every semi-supervised model, the VAE and the GAN on each of the UCI tables in $SEMIGEN_DATA/tabular at
// 10 labels per class, as a user would (`semigen train KIND --data train.csv --test test.csv --labels N --seed S`,
// nothing else), checks each run (exit code 0, finite metrics, `eval --json` giving the same test_error over
// exactly the test file's rows), keeps it in results/tables/runs as results/ keeps runs (scripts/trim-results.mjs)
// and appends its figures to results/tables/runs.jsonl. --anchors runs scikit-learn's anchors on the same files
// (../shared/anchors/tabular_baselines.py, /usr/bin/python3 with python3-sklearn and python3-pandas) into
// results/tables/anchors.jsonl. --summary prints the table of test errors (mean ± std over seeds) beside them.
// A run already in runs.jsonl is not trained again, so an interrupted sweep continues where it stopped.
//
//   SEMIGEN_DATA=../shared/data node scripts/table-runs.mjs [--tables spam,income] [--kinds m2,ladder]
//     [--seeds 1,2,3] [--anchors] [--summary]
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist/src/cli/main.js');
const out = join(root, 'results/tables');
const log = join(out, 'runs.jsonl');
const anchorsLog = join(out, 'anchors.jsonl');
const ALL_KINDS = ['supervised', 'ssae', 'm1', 'm2', 'm1m2', 'ladder', 'gamma', 'vime', 'ssgan', 'vae', 'gan'];

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : args[i + 1].split(',');
};
const data = process.env.SEMIGEN_DATA;
if (!data) throw new Error('set SEMIGEN_DATA to the folder holding tabular/');
const tables = flag('tables', readdirSync(join(data, 'tabular')).filter((t) => existsSync(join(data, 'tabular', t, 'train.csv'))).sort());
const kinds = flag('kinds', ALL_KINDS);
const seeds = flag('seeds', ['1']).map(Number);
mkdirSync(join(out, 'runs'), { recursive: true });

const readLines = (path) => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

/** The distinct labels of a table's last column (the tables' class column), read with the CLI's own reader. */
async function classCount(path) {
  const { readTable } = await import(join(root, 'dist/src/data/table.js'));
  const t = await readTable(path);
  return new Set(t.rows.map((r) => r[r.length - 1]).filter((c) => c !== '')).size;
}

function runOne(table, kind, seed, labels) {
  const files = { train: join(data, 'tabular', table, 'train.csv'), test: join(data, 'tabular', table, 'test.csv') };
  const name = `${table}-${kind}-s${seed}`;
  const folder = join(out, 'runs', name);
  const started = performance.now();
  const trained = spawnSync(process.execPath, [cli, 'train', kind, '--data', files.train, '--test', files.test, '--labels', String(labels),
    '--seed', String(seed), '--out', folder, '--overwrite', '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - started) / 1000;
  const record = { table, kind, seed, labels, exit: trained.status, seconds: Number(seconds.toFixed(1)) };
  if (trained.status !== 0) {
    record.error = trained.stderr.trim().split('\n').pop();
  } else {
    const summary = JSON.parse(trained.stdout.trim().split('\n').pop());
    const evaluated = spawnSync(process.execPath, [cli, 'eval', folder, '--json'], { encoding: 'utf8' });
    const result = JSON.parse(evaluated.stdout.trim().split('\n').pop());
    const metrics = Object.fromEntries(Object.entries(result).filter(([k]) => k.startsWith('test_')));
    record.rows = result.rows;
    record.evaluated = result.evaluated;
    record.finite = Object.values(metrics).every(Number.isFinite);
    record.metrics = metrics;
    if (summary.test_error !== undefined) record.same_as_training = Math.abs(summary.test_error - result.test_error) < 1e-12;
    spawnSync(process.execPath, [join(root, 'scripts/trim-results.mjs'), folder], { encoding: 'utf8' });
  }
  appendFileSync(log, `${JSON.stringify(record)}\n`);
  console.log(`${name}: exit ${record.exit}, ${record.seconds} s${record.metrics?.test_error === undefined ? ''
    : `, test_error ${(100 * record.metrics.test_error).toFixed(2)}% over ${record.rows} rows`}${record.error ? `: ${record.error}` : ''}`);
}

function anchors(table) {
  const files = [join(data, 'tabular', table, 'train.csv'), join(data, 'tabular', table, 'test.csv')];
  const script = join(root, '..', 'shared', 'anchors', 'tabular_baselines.py');
  const r = spawnSync('/usr/bin/python3', [script, ...files, '--per-class', '10', '--seeds', '1,2,3'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`anchors on ${table}: ${r.stderr.trim().split('\n').pop()}`);
  const methods = {};
  for (const line of r.stdout.split('\n')) {
    const m = line.match(/^\s+(.+?)\s+([\d.]+) ± ([\d.]+)/);
    if (m) methods[m[1]] = { mean: Number(m[2]), std: Number(m[3]) };
  }
  appendFileSync(anchorsLog, `${JSON.stringify({ table, perClass: 10, seeds: [1, 2, 3], methods })}\n`);
  console.log(`${table} anchors: ${JSON.stringify(methods)}`);
}

function summary() {
  const all = readLines(log);
  const failed = all.filter((r) => r.exit !== 0 || !r.finite || r.evaluated !== 'test' || r.same_as_training === false);
  console.log(`${all.length} runs; ${failed.length} failed a check (exit code 0, finite metrics, evaluated on the test file, ` +
    `eval's test_error equal to training's)${failed.map((r) => `\n  ${r.table}-${r.kind}-s${r.seed}: ${r.error ?? JSON.stringify(r)}`).join('')}\n`);
  const runs = all.filter((r) => r.exit === 0);
  const anchorRows = new Map(readLines(anchorsLog).map((a) => [a.table, a.methods]));
  const semi = ALL_KINDS.filter((k) => runs.some((r) => r.kind === k && r.metrics?.test_error !== undefined));
  const anchorNames = [...new Set([...anchorRows.values()].flatMap((m) => Object.keys(m)))];
  const cell = (errors) => {
    if (errors.length === 0) return '';
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    const std = Math.sqrt(errors.reduce((a, b) => a + (b - mean) ** 2, 0) / errors.length);
    return errors.length === 1 ? mean.toFixed(2) : `${mean.toFixed(2)} ± ${std.toFixed(2)} (${errors.length})`;
  };
  console.log(`| table | ${[...semi, ...anchorNames].join(' | ')} |`);
  console.log(`| --- |${' --- |'.repeat(semi.length + anchorNames.length)}`);
  for (const table of [...new Set(runs.map((r) => r.table))].sort()) {
    const ours = semi.map((k) => cell(runs.filter((r) => r.table === table && r.kind === k).map((r) => 100 * r.metrics.test_error)));
    const theirs = anchorNames.map((n) => { const m = anchorRows.get(table)?.[n]; return m ? `${m.mean.toFixed(2)} ± ${m.std.toFixed(2)}` : ''; });
    console.log(`| ${table} | ${[...ours, ...theirs].join(' | ')} |`);
  }
  console.log('\nThe generative models, test metrics per row (nats; the GAN: its losses):\n');
  for (const r of runs.filter((x) => x.metrics?.test_error === undefined)) {
    console.log(`- ${r.table} ${r.kind} s${r.seed}: ${Object.entries(r.metrics).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')} (${r.rows} rows)`);
  }
}

if (args.includes('--summary')) {
  summary();
} else if (args.includes('--anchors')) {
  for (const table of tables) anchors(table);
} else {
  const done = new Set(readLines(log).map((r) => `${r.table}-${r.kind}-s${r.seed}`));
  for (const table of tables) {
    const labels = 10 * await classCount(join(data, 'tabular', table, 'train.csv'));
    for (const seed of seeds) for (const kind of kinds) if (!done.has(`${table}-${kind}-s${seed}`)) runOne(table, kind, seed, labels);
  }
}
