// `npm run results`: rebuilds the semi-supervised results table in README.md from runs (default: results/runs), and
// the users'-tables tables from `semigen fit`'s runs on the UCI tables, written by scripts/fit-runs.mjs: fit on the
// labelled rows scikit-learn's anchors kept (results/tables/fit-anchor-rows.jsonl) beside the anchors' figures
// (results/tables/anchors.jsonl), and fit on the rows its own --labels kept (fit.jsonl) beside the anchors on those
// rows (anchors-fit-rows.jsonl).
// A run is either a run file, <name>.json, as results/ keeps them ({"config": the run's config.json, "labels": its
// label split, "epochs": its evaluation lines}; scripts/trim-results.mjs writes one from a run folder), or a run
// folder as `semigen train` leaves it (config.json and metrics.jsonl; checkpoints are not needed). One row per
// model x dataset x labels: test error mean ± std over the seeds found, their count, the mean wall time per run
// on the machine that trained them, the papers' figure beside ours, and the --option settings the runs used
// where they differ from the model's defaults.
// Usage: node dist/src/cli/results.js [run-root ...] [--readme FILE] [--check]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../train/files.js';
import { defaultConfig, MODEL_KINDS } from '../models/registry.js';

export interface RunResult {
  /** the run file or run folder it was read from */
  dir: string;
  model: string;
  dataset: string;
  labels: number;
  seed: number;
  testError: number;
  wallSeconds: number;
  step: number;
  /** the --option KEY=VALUE settings of the command that trained it (its last part, when resumed) that differ
   *  from the model's defaults */
  options: string[];
}

/** Test errors (%) the papers report for permutation-invariant MNIST with 100 labels. */
export const PAPER_MNIST_100: Record<string, { error: number; source: string }> = {
  supervised: { error: 25.8, source: 'NN baseline, Kingma et al. 2014' },
  m1: { error: 11.82, source: 'M1+TSVM, Kingma et al. 2014' },
  m2: { error: 11.97, source: 'Kingma et al. 2014' },
  m1m2: { error: 3.33, source: 'Kingma et al. 2014' },
  ladder: { error: 1.06, source: 'Rasmus et al. 2015' },
  gamma: { error: 4.34, source: 'Γ-model, Rasmus et al. 2015' },
  ssgan: { error: 0.93, source: 'feature matching, Salimans et al. 2016' },
};

/** The PyTorch supervised-only anchor on Fashion-MNIST (../shared/anchors/torch_supervised_baseline.py, 3 seeds). */
export const ANCHOR_FASHION: Record<number, string> = { 100: '31.2 ± 1.3 (PyTorch MLP)', 1000: '18.0 ± 0.7 (PyTorch MLP)' };

const START = '<!-- results:start -->';
const END = '<!-- results:end -->';
const TABLES_START = '<!-- tables:start -->';
const TABLES_END = '<!-- tables:end -->';
const OWN_ROWS_START = '<!-- tables-own-rows:start -->';
const OWN_ROWS_END = '<!-- tables-own-rows:end -->';

/** One `semigen fit` run of scripts/fit-runs.mjs: its table, seed, the chosen model's test error, its wall time,
 *  and the leaderboard (each kind's fold models' test error at the epoch cross-validation chose). */
export interface FitRun {
  table: string;
  seed: number;
  labels: number;
  exit: number;
  seconds: number;
  chosen?: string;
  /** an ensemble's members (chosen 'ensemble'), best fold error first */
  members?: string[] | null;
  test_error?: number;
  leaderboard?: { kind: string; test_error: number | null }[];
}

/** scikit-learn's figures on a table (mean and std of test error % over seeds), by method. */
export interface AnchorRun {
  table: string;
  methods: Record<string, { mean: number; std: number }>;
}

/** scikit-learn's test error % on one seed's labelled rows, by method: the rows a semigen `--labels N --seed S` kept. */
export interface AnchorSeedRun {
  table: string;
  seed: number;
  methods: Record<string, number>;
}

interface RunConfig {
  model: { kind: string; inputSize?: number } & Record<string, unknown>; data: { name: string; labelledRows?: number }; seed: number; totalSteps: number;
  extra?: { command?: unknown };
}

/** A run file's config and evaluation records, or null when the file is not a run file. */
function readRunFile(file: string): { config: RunConfig; records: unknown[] } | null {
  let run: unknown;
  try {
    run = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  const { config, epochs } = (run ?? {}) as { config?: unknown; epochs?: unknown };
  if (typeof config !== 'object' || config === null || !Array.isArray(epochs)) return null;
  return { config: config as RunConfig, records: epochs };
}

/** A run folder's config and metrics.jsonl records (a line cut short by a crash is skipped), or null without them. */
function readRunFolder(dir: string): { config: RunConfig; records: unknown[] } | null {
  const configPath = join(dir, 'config.json');
  const metricsPath = join(dir, 'metrics.jsonl');
  if (!existsSync(configPath) || !existsSync(metricsPath)) return null;
  const records: unknown[] = [];
  for (const line of readFileSync(metricsPath, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      continue; // a line cut short by a crash
    }
  }
  return { config: JSON.parse(readFileSync(configPath, 'utf8')) as RunConfig, records };
}

/** One run's final figures (a run file <name>.json or a run folder), or null when it is neither or has no test
 *  error yet (a run still going, or not a classifier). */
export function readRun(path: string): RunResult | null {
  if (!existsSync(path)) return null;
  const run = statSync(path).isDirectory() ? readRunFolder(path) : path.endsWith('.json') ? readRunFile(path) : null;
  if (run === null) return null;
  const { config } = run;
  let last: Record<string, number> | null = null;
  let best: Record<string, number> | null = null;
  let wall = 0;
  let step = 0;
  for (const item of run.records) {
    if (typeof item !== 'object' || item === null) continue;
    const record = item as Record<string, number>;
    // a run with validation rows ends with a 'best' record: the best epoch's figures, at that epoch's step
    if ((record as { kind?: unknown }).kind === 'best') {
      if (typeof record.test_error === 'number') best = record;
      continue;
    }
    if (typeof record.wall_s === 'number') wall = record.wall_s;
    if (typeof record.step === 'number') step = record.step;
    if (typeof record.test_error === 'number') last = record;
  }
  // finished: all its steps, or stopped early by its validation rows (the best record is written at a run's end);
  // its figure is then the best epoch's, the weights eval uses
  if (best !== null) last = best;
  if (last === null || (step < config.totalSteps && best === null)) return null;
  return {
    dir: path, model: config.model.kind, dataset: config.data.name, labels: config.data.labelledRows ?? 0, seed: config.seed,
    testError: last.test_error * 100, wallSeconds: wall, step, options: commandOptions(config.extra?.command).filter((o) => !isDefault(config.model, o)),
  };
}

/** Default configs by kind, input size and classes (each is built once: building means building the model). */
const defaultsCache = new Map<string, Record<string, unknown> | null>();

/** Whether a KEY=VALUE option left the run's model config at the model's default for that key. */
function isDefault(model: { kind: string; inputSize?: number } & Record<string, unknown>, option: string): boolean {
  const key = option.slice(0, option.indexOf('='));
  if (!(key in model)) return false;
  const inputSize = model.inputSize ?? 784;
  const overrides = typeof model.classes === 'number' ? { classes: model.classes } : {};
  const cacheKey = JSON.stringify([model.kind, inputSize, overrides]);
  if (!defaultsCache.has(cacheKey)) {
    let defaults: Record<string, unknown> | null;
    try {
      defaults = defaultConfig(model.kind, inputSize, overrides) as unknown as Record<string, unknown>;
    } catch {
      defaults = null; // a kind this build does not know: show what was set
    }
    defaultsCache.set(cacheKey, defaults);
  }
  const defaults = defaultsCache.get(cacheKey) ?? null;
  return defaults !== null && JSON.stringify(defaults[key]) === JSON.stringify(model[key]);
}

/** The values of a command line's --option flags, sorted. */
function commandOptions(command: unknown): string[] {
  if (!Array.isArray(command)) return [];
  const options: string[] = [];
  command.forEach((arg, i) => {
    if (arg === '--option' && typeof command[i + 1] === 'string') options.push(command[i + 1] as string);
  });
  return options.sort();
}

/** The options every run of a group was trained with, then those only some were, marked as such. */
function groupOptions(group: RunResult[]): string {
  const all = [...new Set(group.flatMap((r) => r.options))].sort();
  const shared = all.filter((o) => group.every((r) => r.options.includes(o)));
  const some = all.filter((o) => !shared.includes(o));
  const parts = [shared.join(' '), some.length > 0 ? `not every seed: ${some.join(' ')}` : ''];
  return parts.filter((p) => p !== '').join('; ');
}

/** Every finished run under the roots: their run files and run folders (a root may itself be one). */
export function collectRuns(roots: string[]): RunResult[] {
  const runs: RunResult[] = [];
  for (const root of roots) {
    if (!existsSync(root)) continue;
    const own = readRun(root);
    if (own !== null) {
      runs.push(own);
      continue;
    }
    if (!statSync(root).isDirectory()) continue;
    for (const name of readdirSync(root).sort()) {
      const run = readRun(join(root, name));
      if (run !== null) runs.push(run);
    }
  }
  return runs;
}

function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length; // as numpy's std
  return { mean, std: Math.sqrt(variance) };
}

/** A table cell of test errors over seeds: mean ± std (the mean alone for one seed; '-' and an infinite mean for none). */
function errorCell(values: number[]): { mean: number; text: string } {
  if (values.length === 0) return { mean: Infinity, text: '-' };
  const { mean, std } = meanStd(values);
  return { mean, text: values.length > 1 ? `${mean.toFixed(2)} ± ${std.toFixed(2)}` : mean.toFixed(2) };
}

/** A difference of percentages with its sign, + or − (a minus sign, not a hyphen), to two decimals. */
function signed(difference: number): string {
  return `${difference > 0 ? '+' : '−'}${Math.abs(difference).toFixed(2)}`;
}

/** The markdown table of the runs, grouped by dataset, labels and model. */
export function resultsTable(runs: RunResult[]): string {
  const groups = new Map<string, RunResult[]>();
  for (const r of runs) {
    const key = `${r.dataset}\u0000${r.labels}\u0000${r.model}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  // the registry's order, then kinds this build does not know
  const order = MODEL_KINDS;
  const rank = (m: string): number => (order.includes(m) ? order.indexOf(m) : order.length);
  const keys = [...groups.keys()].sort((a, b) => {
    const [da, la, ma] = a.split('\u0000');
    const [db, lb, mb] = b.split('\u0000');
    return da.localeCompare(db) || Number(la) - Number(lb) || rank(ma) - rank(mb) || ma.localeCompare(mb);
  });
  const lines = [
    '| dataset | labels | model | test error % (mean ± std) | seeds | minus supervised-only | minutes per run | paper / anchor | --option |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const key of keys) {
    const group = (groups.get(key) as RunResult[]).sort((a, b) => a.seed - b.seed);
    const { model, dataset, labels } = group[0];
    // one seed has no spread to show
    const { mean, text: error } = errorCell(group.map((r) => r.testError));
    const minutes = meanStd(group.map((r) => r.wallSeconds / 60)).mean;
    let reference = '';
    if (dataset === 'mnist' && labels === 100 && PAPER_MNIST_100[model]) {
      reference = `${PAPER_MNIST_100[model].error} (${PAPER_MNIST_100[model].source})`;
    } else if (dataset === 'fashion-mnist' && model === 'supervised' && ANCHOR_FASHION[labels]) {
      reference = ANCHOR_FASHION[labels];
    }
    // the difference to the supervised-only row is what a model must make negative
    const supervised = groups.get(`${dataset}\u0000${labels}\u0000supervised`);
    const baseline = supervised === undefined ? 0 : meanStd(supervised.map((r) => r.testError)).mean;
    const gain = model === 'supervised' || supervised === undefined ? '' : signed(mean - baseline);
    lines.push(`| ${dataset} | ${labels} | ${model} | ${error} | ${group.length} (${group.map((r) => r.seed).join(', ')}) | ` +
      `${gain} | ${minutes.toFixed(1)} | ${reference} | ${groupOptions(group)} |`);
  }
  return lines.join('\n');
}

/**
 * The users'-tables table: per table, each candidate's fold models (test error % mean ± std over the seeds), the
 * model fit chose trained on every label, fit's longest wall time, and the anchors; the row's lowest mean in bold.
 */
export function fitTable(runs: FitRun[], anchors: AnchorRun[]): string {
  const ok = runs.filter((r) => r.exit === 0 && typeof r.test_error === 'number');
  const tables = [...new Set(ok.map((r) => r.table))].sort();
  const kinds = [...new Set(ok.flatMap((r) => (r.leaderboard ?? []).map((e) => e.kind)))]
    .sort((a, b) => MODEL_KINDS.indexOf(a) - MODEL_KINDS.indexOf(b));
  const methods = [...new Set(anchors.flatMap((a) => Object.keys(a.methods)))];
  const head = ['table (labels)', ...kinds.map((k) => `${k} (folds)`), '**semigen fit**', 'fit chose', 'fit minutes (longest)', ...methods];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const table of tables) {
    const group = ok.filter((r) => r.table === table).sort((a, b) => a.seed - b.seed);
    const kindCells = kinds.map((k) => errorCell(group.flatMap((r) => (r.leaderboard ?? [])
      .filter((e) => e.kind === k && e.test_error !== null).map((e) => 100 * (e.test_error as number)))));
    const fitCell = errorCell(group.map((r) => 100 * (r.test_error as number)));
    const anchor = anchors.find((a) => a.table === table);
    const anchorCells = methods.map((m) => (anchor?.methods[m] === undefined ? { mean: Infinity, text: '-' }
      : { mean: anchor.methods[m].mean, text: `${anchor.methods[m].mean.toFixed(2)} ± ${anchor.methods[m].std.toFixed(2)}` }));
    const best = Math.min(...[...kindCells, fitCell, ...anchorCells].map((c) => c.mean));
    const show = (c: { mean: number; text: string }): string => (c.mean === best ? `**${c.text}**` : c.text);
    // an ensemble is named by its members in the registry's order (ssae+m2), so that the same members are counted together
    const name = (r: FitRun): string | undefined => (r.chosen === 'ensemble' && Array.isArray(r.members)
      ? [...r.members].sort((a, b) => MODEL_KINDS.indexOf(a) - MODEL_KINDS.indexOf(b)).join('+') : r.chosen);
    const chosen = [...new Set(group.map(name))].map((k) => `${k} ×${group.filter((r) => name(r) === k).length}`);
    lines.push(`| ${table} (${group[0].labels}) | ${kindCells.map(show).join(' | ')} | ${show(fitCell)} | ${chosen.join(', ')} | ` +
      `${Math.max(...group.map((r) => r.seconds / 60)).toFixed(1)} | ${anchorCells.map(show).join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * Fit and the anchors on the same labelled rows, seed by seed (those `--labels N --seed S` kept): per table the test
 * error % mean ± std over the seeds both have, and fit's difference to the anchor of lowest mean; lowest in bold.
 */
export function ownRowsTable(runs: FitRun[], anchors: AnchorSeedRun[]): string {
  const ok = runs.filter((r) => r.exit === 0 && typeof r.test_error === 'number');
  const methods = [...new Set(anchors.flatMap((a) => Object.keys(a.methods)))];
  const head = ['table (labels)', 'seeds', '**semigen fit**', ...methods, 'fit − best anchor'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const table of [...new Set(ok.map((r) => r.table))].sort()) {
    const pairs = ok.filter((r) => r.table === table).sort((a, b) => a.seed - b.seed)
      .map((r) => ({ fit: r, anchor: anchors.find((a) => a.table === table && a.seed === r.seed) }))
      .filter((p) => p.anchor !== undefined && methods.every((m) => typeof p.anchor?.methods[m] === 'number'));
    if (pairs.length === 0) continue;
    const fitCell = errorCell(pairs.map((p) => 100 * (p.fit.test_error as number)));
    const anchorCells = methods.map((m) => errorCell(pairs.map((p) => (p.anchor as AnchorSeedRun).methods[m])));
    const best = Math.min(fitCell.mean, ...anchorCells.map((c) => c.mean));
    const show = (c: { mean: number; text: string }): string => (c.mean === best ? `**${c.text}**` : c.text);
    const difference = fitCell.mean - Math.min(...anchorCells.map((c) => c.mean));
    lines.push(`| ${table} (${pairs[0].fit.labels}) | ${pairs.map((p) => p.fit.seed).join(', ')} | ${show(fitCell)} | ` +
      `${anchorCells.map(show).join(' | ')} | ${signed(difference)} |`);
  }
  return lines.join('\n');
}

/** README text with the part between the `start` and `end` markers replaced by `table`. */
export function replaceTable(readme: string, table: string, start = START, end = END): string {
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README has no ${start} ... ${end} block for the table`);
  return `${readme.slice(0, from + start.length)}\n${table}\n${readme.slice(to)}`;
}

/** JSON lines of a file ([] when it does not exist; a line cut short is skipped). */
function jsonLines<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  const out: T[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      continue;
    }
  }
  return out;
}

function main(argv: string[]): void {
  const roots: string[] = [];
  let readme = 'README.md';
  let tablesDir = 'results/tables';
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--readme') readme = argv[++i];
    else if (argv[i] === '--tables') tablesDir = argv[++i];
    else if (argv[i] === '--check') check = true;
    else if (argv[i] === '-h' || argv[i] === '--help') {
      console.log('Usage: npm run results -- [run-root ...] [--readme FILE] [--tables DIR] [--check]\n' +
        'Rebuilds the results table in README.md from finished runs: run files (<name>.json) and run folders\n' +
        '(default root: results/runs), and the users\' tables tables from DIR/fit-anchor-rows.jsonl beside\n' +
        'DIR/anchors.jsonl and DIR/fit.jsonl beside DIR/anchors-fit-rows.jsonl\n' +
        '(default DIR: results/tables; scripts/fit-runs.mjs writes them).\n' +
        '--check: exit 1 when the README table differs from the runs (nothing is written).');
      return;
    } else roots.push(argv[i]);
  }
  if (roots.length === 0) roots.push('results/runs');
  const runs = collectRuns(roots.map((r) => resolve(r)));
  const table = runs.length === 0 ? '_No finished runs yet._' : resultsTable(runs);
  console.log(table);
  const text = readFileSync(readme, 'utf8');
  let updated = replaceTable(text, table);
  // fit on the labelled rows the anchors kept, beside the anchors' figures on them
  const anchorRowFits = jsonLines<FitRun>(join(tablesDir, 'fit-anchor-rows.jsonl'));
  if (anchorRowFits.length > 0) {
    const tables = fitTable(anchorRowFits, jsonLines<AnchorRun>(join(tablesDir, 'anchors.jsonl')));
    console.log(tables);
    updated = replaceTable(updated, tables, TABLES_START, TABLES_END);
  }
  // fit on the rows its own --labels kept, beside the anchors on those rows
  const ownRowFits = jsonLines<FitRun>(join(tablesDir, 'fit.jsonl'));
  const anchorsOnOwnRows = jsonLines<AnchorSeedRun>(join(tablesDir, 'anchors-fit-rows.jsonl'));
  if (ownRowFits.length > 0 && anchorsOnOwnRows.length > 0) {
    const tables = ownRowsTable(ownRowFits, anchorsOnOwnRows);
    console.log(tables);
    updated = replaceTable(updated, tables, OWN_ROWS_START, OWN_ROWS_END);
  }
  if (check) {
    if (updated !== text) {
      console.error(`${readme}: the results table is out of date (run npm run results)`);
      process.exitCode = 1;
    }
    return;
  }
  if (updated !== text) writeFileAtomic(readme, Buffer.from(updated));
  console.error(`${runs.length} finished runs -> ${readme}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main(process.argv.slice(2));
}
