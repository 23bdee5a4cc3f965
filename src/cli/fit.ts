// `semigen fit`: chooses a model for the user's data by cross-validation on its labelled rows within a time budget,
// trains the chosen one on every labelled row as a run folder (eval, predict and encode take it), and prints the
// leaderboard: each model's fold error, its minutes, and the test error where a test file was given (never used to
// choose).
import { join } from 'node:path';
import { fit, FIT_KINDS, FitStopped, type FitEntry, type FitResult } from '../fit/fit.js';
import { kindSpec, MODEL_KINDS } from '../models/registry.js';
import { setNumThreads } from '../backend.js';
import { nonNegativeInt, parse, positiveInt, UsageError } from './args.js';
import { keepFewLabels, labelSplitJson, parseDevice, readData } from './train.js';
import { stopOnSignals } from './interrupt.js';

const CLASSIFIERS = MODEL_KINDS.filter((k) => kindSpec(k).semiSupervised);

export const fitHelp = `Usage: semigen fit --data FILE [--test FILE] [--labels N] [--budget 10m] [options]

Chooses a model for your table: each candidate is trained on all but one of --folds stratified folds of the
labelled rows (and on every unlabelled row) and measured on the fold left out at every epoch. The folds' mean error
per epoch is the candidate's curve; its lowest point is the candidate's error and length. The candidate of lowest
error is trained again on every labelled row for that length (longer, up to its default length, when the budget
cut its curve while still falling) and saved as a run folder that eval, predict and encode take. Where the folds
cannot tell other candidates from it (their errors within two standard errors), each of them is trained so too and
the run is an ensemble that averages their class probabilities and shifts them to the class prior of the unlabelled
rows, estimated from its own predictions on them: labels kept balanced over the classes teach it an even prior,
where the table's classes may be far from even. The --test file is measured for the leaderboard only, and its time
is not charged to the budget; nothing is chosen on it.

Data:
  --data FILE         your table (.csv, .tsv, .txt, .gz of one) or .npy, or --dataset mnist | fashion-mnist
  --dataset NAME      a named dataset instead of a file
  --test FILE         a labelled file of the same columns, reported as test_error
  --labels N          keep N labels of the training file, balanced over the classes (chosen by --seed)
  --label-column C    the label column's name or 0-based index (default: 'label' or 'class')
  --delimiter C, --missing LIST, --scaling S: as for train

Fit:
  --budget T          time for the whole fit, cross-validation and final run (the test file's evaluations not
                      counted): 90s, 10m, 1h (default 10m)
  --models LIST       the candidates, comma-separated (default ${FIT_KINDS.join(',')}; any of ${CLASSIFIERS.join(', ')})
  --folds K           cross-validation folds (default 3; at most the labelled rows of the smallest class)
  --one-model         keep the model of lowest fold error alone, even where the folds cannot tell others from it
                      (default: an ensemble of those)
  --no-prior-shift    keep an ensemble's averaged probabilities as learnt from the labelled rows' class balance
  --seed N            seeds the folds, the weights and the batch order (default 0)
  --out DIR           the run folder (default runs/fit-s<seed>); the folds' runs go in DIR/cv/. It is locked
                      while fit works in it: a second fit or train into it is refused
  --overwrite         replace a run already in --out
  --device D          cpu or cuda:N (default cpu)
  --threads N         CPU threads (default: all cores)
  --json              progress as JSON lines, and the result as one JSON object
  -h, --help

Ctrl-C or SIGTERM stops the fit after the current step of its current run, with no model chosen (exit code 130
or 143); a second one quits at once.

Example:
  semigen fit --data train.csv --test test.csv --labels 60 --budget 10m
  semigen predict runs/fit-s0 --input new.csv`;

const FIT_FLAGS = {
  dataset: { type: 'string' }, data: { type: 'string' }, test: { type: 'string' }, 'label-column': { type: 'string' },
  delimiter: { type: 'string' }, missing: { type: 'string' }, scaling: { type: 'string' }, labels: { type: 'string' },
  budget: { type: 'string' }, models: { type: 'string' }, folds: { type: 'string' }, seed: { type: 'string' },
  out: { type: 'string' }, overwrite: { type: 'boolean' }, 'one-model': { type: 'boolean' }, 'no-prior-shift': { type: 'boolean' }, device: { type: 'string' }, threads: { type: 'string' },
  json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

/** --budget: a number with a unit, s, m or h. */
export function parseBudget(value: string | undefined): number {
  if (value === undefined) return 600;
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)$/.exec(value.trim());
  const seconds = m === null ? NaN : Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
  if (!(seconds > 0)) throw new UsageError(`--budget must be a time with its unit, e.g. 90s, 10m or 1h, got '${value}'`);
  return seconds;
}

export async function runFit(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, FIT_FLAGS, true);
  if (values.help) {
    console.log(fitHelp);
    return;
  }
  if (positionals.length > 0) throw new UsageError(`fit takes no model (it chooses one), got: ${positionals.join(' ')}`);
  if (values.data === undefined && values.dataset === undefined) throw new UsageError('fit needs --data FILE (or --dataset NAME)');
  const budgetSeconds = parseBudget(values.budget);
  const seed = nonNegativeInt('seed', values.seed, 0);
  const folds = positiveInt('folds', values.folds, 3);
  if (folds < 2) throw new UsageError(`--folds must be at least 2, got '${values.folds}'`);
  const kinds = values.models === undefined ? FIT_KINDS : values.models.split(',').map((k) => k.trim());
  for (const k of kinds) {
    if (!CLASSIFIERS.includes(k)) throw new UsageError(`--models: '${k}' is not one of the classifiers (${CLASSIFIERS.join(', ')})`);
  }
  if (new Set(kinds).size !== kinds.length) throw new UsageError(`--models lists a model twice: ${values.models}`);
  const device = parseDevice(values.device);
  if (values.threads !== undefined) setNumThreads(positiveInt('threads', values.threads, 1));
  const json = values.json === true;
  const { data, isFile, read } = await readData(values, json);
  const labels = values.labels === undefined ? null : positiveInt('labels', values.labels, 1);
  const files: Record<string, string> = {};
  if (labels !== null) files['labels.json'] = labelSplitJson(keepFewLabels(data, labels, seed), null, data.train, seed);
  if (data.schema !== undefined) files['schema.json'] = `${JSON.stringify(data.schema, null, 2)}\n`;
  const outDir = values.out ?? join('runs', `fit-s${seed}`);

  let result: FitResult;
  try {
    result = await stopOnSignals((signal) => fit({ ...data, name: data.name }, {
      outDir, kinds, folds, budgetSeconds, seed, device, test: data.test, overwrite: values.overwrite === true,
      ensemble: values['one-model'] !== true, priorShift: values['no-prior-shift'] !== true,
      signal, files, read: isFile ? read : undefined, extra: { command: ['fit', ...argv] },
      onProgress: (message) => process.stderr.write(json ? `${JSON.stringify({ progress: message })}\n` : `${message}\n`),
      onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
    }));
  } catch (e) {
    if (!(e instanceof FitStopped)) throw e;
    process.stderr.write(`${e.message}\n`); // the exit code is the signal's (stopOnSignals)
    return;
  }
  result.model.module.dispose();
  const test = result.run.result.test?.test_error;
  if (json) {
    console.log(JSON.stringify({
      chosen: result.kind, ...(result.kind === 'ensemble' ? { members: result.members } : {}), prior_shift: result.priorShift,
      steps: result.run.steps, seconds: result.seconds, out: outDir,
      ...(test === undefined ? {} : { test_error: test }), leaderboard: result.leaderboard,
    }));
  } else {
    console.log(leaderboardTable(result.leaderboard, data.test !== null));
    const short = result.run.steps < result.run.planned ? ` (the budget ran out; ${result.run.planned} were planned)` : '';
    const chosen = result.kind === 'ensemble'
      ? `an ensemble of ${result.members.join(', ')} (the folds could not tell them apart), each trained on every labelled row, ` +
        `${result.run.steps} steps in all, their class probabilities averaged`
      : `${result.kind}, trained on every labelled row for ${result.run.steps} steps`;
    const shifted = result.priorShift === null ? ''
      : `; shifted to the unlabelled rows' class prior (${result.priorShift.map((w) => w.toFixed(2)).join(', ')} times the labelled rows')`;
    console.log(`chosen: ${chosen}${short}${shifted}` +
      `${test === undefined ? '' : `; test error ${(100 * test).toFixed(2)}% over ${data.test?.count} test rows`}`);
    console.log(`whole fit: ${(result.seconds / 60).toFixed(1)} min; run folder: ${outDir}`);
  }
}

/** The leaderboard as aligned text: model, fold error ± std, minutes, test error (when measured), note. */
function leaderboardTable(entries: FitEntry[], withTest: boolean): string {
  const pct = (v: number | null): string => (v === null ? '-' : (100 * v).toFixed(2));
  const rows = entries.map((e) => [
    e.kind, e.cvError === null ? '-' : `${pct(e.cvError)} ± ${pct(e.cvErrorStd)}`, (e.seconds / 60).toFixed(1),
    ...(withTest ? [pct(e.testError)] : []), e.note ?? '',
  ]);
  const head = ['model', 'fold error %', 'minutes', ...(withTest ? ['test error % (fold models)'] : []), ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}
