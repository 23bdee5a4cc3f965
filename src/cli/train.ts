// `semigen train <model>`: trains a model on a named dataset or the user's file, with checkpoints, metrics,
// progress and pictures in the run folder, which it holds locked while it works; Ctrl-C or SIGTERM stops after the
// current step with a checkpoint to resume from, and the exit code says which (130, 143).
import { existsSync } from 'node:fs';
import { JSON_MAX_BYTES, readTextBounded } from '../data/read.js';
import { join } from 'node:path';
import { isTablePath, loadDataset, loadFileDataset } from '../data/load.js';
import { balancedSubset, holdOut, withLabelsOnly } from '../data/subset.js';
import type { DataSplit, LabelledData } from '../data/dataset.js';
import { tableLikelihood } from '../data/schema.js';
import { balancedClassWeights } from '../models/parts/classifier.js';
import { stderrProgress } from '../data/download.js';
import { DATASETS } from '../data/resolve.js';
import { createModel, defaultConfig, describeKind, disposeModel, kindSpec, MODEL_KINDS, type KindSpec } from '../models/registry.js';
import { defaultEpochs, sizesForInput } from '../models/kind.js';
import type { ModelConfig } from '../train/contract.js';
import type { DataRead } from '../train/options.js';
import { train } from '../train/loop.js';
import { withRunFolderLock } from '../train/lock.js';
import { Generator } from '../random.js';
import { setNumThreads } from '../backend.js';
import type { Device } from '../tensor.js';
import { nonNegativeInt, parse, positiveInt, UsageError } from './args.js';
import { VALIDATION_ROWS } from './run.js';
import { stopOnSignals } from './interrupt.js';
import { modelOptionFlags, modelOverrides } from './model-flags.js';
import { writePictures } from './pictures.js';
import { TRAINING_ROWS, readRunJson, trainingRows } from './run.js';

/** The semi-supervised kinds: they take --labels and --class-weights and report test_error. */
const SEMI_KINDS = MODEL_KINDS.filter((k) => kindSpec(k).semiSupervised);
/** The kinds whose learning rate decays at the end of a run by default. */
const DECAY_KINDS = MODEL_KINDS.filter((k) => kindSpec(k).lrDecay !== null);
/** "128 for ae, dae, vae; 100 for gan, ...": a trait's default values and the kinds that have each. */
function byTrait(trait: (spec: KindSpec) => number | null, kinds = MODEL_KINDS): string {
  const groups = new Map<number | null, string[]>();
  for (const k of kinds) {
    const v = trait(kindSpec(k));
    groups.set(v, [...(groups.get(v) ?? []), k]);
  }
  return [...groups].map(([v, ks]) => (groups.size === 1 ? String(v) : `${v} for ${ks.join(', ')}`)).join('; ');
}

export const trainHelp = `Usage: semigen train <model> [options]

Models:
${MODEL_KINDS.map((k) => `  ${k.padEnd(12)}${describeKind(k)}`).join('\n')}

Data:
  --dataset NAME      ${DATASETS.join(' or ')} (default fashion-mnist), found in --data DIR, SEMIGEN_DATA,
                      ~/.cache/semigen, or downloaded (SHA-256 checked)
  --data PATH         the folder holding the dataset, or your own file: a table (.csv, .tsv, .txt, or .gz of
                      one; a header line; string or numeric labels; empty cells are missing) or a .npy array
  --test FILE         a separate labelled file of the same columns: evaluated each epoch and at the end as
                      test_<metric>. Without it a file's run reports its labelled training rows, named
                      train_labelled_<metric> (or its training rows, train_<metric>, for unsupervised models)
  --label-column C    the label column's name or 0-based index (default: a column named 'label' or 'class')
  --delimiter C       a table's field delimiter: , ; | or tab (default: detected from the header line)
  --missing LIST      the cells read as missing, comma-separated (default: empty, NA, NaN, nan, N/A, ?, null)
  --scaling S         numeric columns: standard (mean and standard deviation, the default) or robust (median and
                      interquartile range, for heavy tails); both fitted on the training rows, saved in schema.json
  --labels N          keep N labels of the training split, balanced over the classes (chosen by --seed; saved in
                      the run as labels.json; a class with fewer rows gives all it has); the other rows are
                      unlabelled. Default: every label the data has
  --lr-decay F        decay the learning rate linearly to 0 over the last fraction F of the steps (${DECAY_KINDS.join(', ')};
                      default ${byTrait((k) => k.lrDecay, DECAY_KINDS)}, as in the paper; 0: none)
  --validation F      hold out a stratified fraction F (e.g. 0.2) of the labelled training rows (of the --labels
                      chosen, when given; saved as validation.json), or give a labelled FILE of the same columns.
                      They are never trained on: evaluated each epoch as validation_<metric>, the epoch with the
                      lowest validation error (neg_elbo for a VAE, loss for AE and DAE; not for GAN) is kept as
                      best.safetensors, which eval, predict and encode then use
  --patience N        with --validation: stop after N epochs without a lower validation metric (default: a fifth
                      of the run's epochs, at least 5)
  --class-weights W   balanced: weigh each class's cross-entropy by n / (classes · its labelled rows), for
                      imbalanced labels (semi-supervised models); default: none

Training:
  --epochs N          epochs to train (default ${byTrait((k) => k.epochs)}, or as many as make ${byTrait((k) => k.minSteps)} steps
                      on a smaller data set; m1m2 trains M1 for the first half of the steps and M2
                      for the rest, unless --option m1Steps=N sets the split, and vime its encoder likewise
                      (--option selfSteps=N); a resumed run keeps its split)
  --steps N           or a number of steps
  --batch-size N      rows per step (default ${byTrait((k) => k.batchSize)}, or all the rows of a smaller file;
                      the semi-supervised models' labelled batch is --option labelledBatchSize=N, default 100)
  --seed N            seeds weights, noise and batch order (default 0)
  --out DIR           the run folder (default runs/<model>-<data>-s<seed>)
  (sizes: on inputs of fewer than 784 columns, latent and code sizes default to at most columns / 4; --latent and
   --option set them)
  --resume            continue the run in --out from its checkpoint, exactly as if never stopped
  --overwrite         start afresh in an --out folder that already holds a run
  --device D          cpu or cuda:N (default cpu)
  --threads N         CPU threads (default: all cores)
${modelOptionFlags}
Output:
  --json              JSON lines for progress and a JSON summary at the end
  -h, --help

Semi-supervised models (${SEMI_KINDS.join(', ')})
train on every row and, each step, on a batch of the labelled rows; their test metric is test_error. Example:
  semigen train m2 --dataset mnist --labels 100 --seed 1 --out runs/m2-mnist-100-s1

A table is read with a schema fitted on its training rows (numeric columns scaled, categories one-hot, missing
cells masked out of the losses), and the decoders model each column by its type (Gaussian, Bernoulli, or
categorical; override with --option likelihood=bernoulli|gaussian). Example:
  semigen train m2 --data train.csv --test test.csv --labels 60

The run folder gets config.json, metrics.jsonl, checkpoint.safetensors, loss.svg, schema.json for a table,
labels.json (the labelled rows trained on) with --labels, validation.json and best.safetensors with --validation,
and samples.png / reconstructions.png where the model makes images. While train works in it, the folder holds a
lock file naming its process, and a second train into it is refused. Ctrl-C or SIGTERM stops the run after its
current step with a checkpoint to --resume from (exit code 130 or 143); a second one quits at once.`;

const TRAIN_FLAGS = {
  dataset: { type: 'string' }, data: { type: 'string' }, 'label-column': { type: 'string' }, test: { type: 'string' },
  delimiter: { type: 'string' }, missing: { type: 'string' }, scaling: { type: 'string' },
  epochs: { type: 'string' }, steps: { type: 'string' }, 'batch-size': { type: 'string' }, seed: { type: 'string' },
  out: { type: 'string' }, resume: { type: 'boolean' }, overwrite: { type: 'boolean' }, device: { type: 'string' },
  threads: { type: 'string' }, labels: { type: 'string' }, validation: { type: 'string' }, patience: { type: 'string' }, 'class-weights': { type: 'string' }, 'lr-decay': { type: 'string' },
  lr: { type: 'string' }, hidden: { type: 'string' }, latent: { type: 'string' }, beta: { type: 'string' },
  noise: { type: 'string' }, 'noise-level': { type: 'string' }, option: { type: 'string', multiple: true },
  json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

type TrainFlags = ReturnType<typeof parse<typeof TRAIN_FLAGS>>['values'];
/** The flags that say where a run's data is and how to read it (train's and fit's). */
export type DataFlags = Pick<TrainFlags, 'dataset' | 'data' | 'test' | 'label-column' | 'delimiter' | 'missing' | 'scaling'>;

export async function runTrain(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, TRAIN_FLAGS, true);
  if (values.help) {
    console.log(trainHelp);
    return;
  }
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? `train needs a model (one of: ${MODEL_KINDS.join(', ')})`
      : `train takes one model, got: ${positionals.join(' ')}`);
  }
  const kind = positionals[0];
  if (!MODEL_KINDS.includes(kind)) throw new UsageError(`unknown model '${kind}' (expected one of: ${MODEL_KINDS.join(', ')})`);
  const spec = kindSpec(kind);
  if (values.epochs !== undefined && values.steps !== undefined) throw new UsageError('give --epochs or --steps, not both');
  let epochs = values.epochs === undefined ? undefined : positiveInt('epochs', values.epochs, spec.epochs);
  const steps = values.steps === undefined ? undefined : positiveInt('steps', values.steps, 1);
  let batchSize = positiveInt('batch-size', values['batch-size'], spec.batchSize);
  const seed = nonNegativeInt('seed', values.seed, 0);
  const device = parseDevice(values.device);
  if (values.threads !== undefined) setNumThreads(positiveInt('threads', values.threads, 1));
  const json = values.json === true;
  checkSemiFlags(spec, values);
  const warn = (message: string): void => {
    process.stderr.write(`warning: ${message}\n`);
  };

  const { data, dataName, isFile, read } = await readData(values, json);
  let labels = values.labels === undefined ? null : positiveInt('labels', values.labels, 1);
  if (labels !== null && !spec.semiSupervised) {
    // a run script may pass the same flags to every model: say so, and train as without it
    warn(`--labels ${labels}: ${kind} learns from the rows alone and uses no labels; ignored`);
    labels = null;
  }
  const outDir = values.out ??
    join('runs', `${kind}-${isFile ? 'data' : dataName}${labels === null ? '' : `-${labels}`}-s${seed}`);
  const files: Record<string, string> = {};
  const kept = labels === null ? null : keepFewLabels(data, labels, seed);
  if (values.validation !== undefined && spec.monitor === null) {
    throw new UsageError(`--validation: ${kind} reports no validation metric to choose an epoch by`);
  }
  const validation = await holdValidation(values, data, seed, read, files);
  if (kept !== null) files['labels.json'] = labelSplitJson(kept, validation.rows, data.train, seed);
  if (validation.rest !== null) data.train = validation.rest;
  if (data.schema !== undefined) {
    files['schema.json'] = `${JSON.stringify(data.schema, null, 2)}\n`;
    if (values.resume === true) checkSameSchema(join(outDir, 'schema.json'), files['schema.json'], data.name);
  }
  // a small table: the default batch is all its rows rather than an error (a batch size given is kept, and checked)
  if (values['batch-size'] === undefined) batchSize = Math.min(batchSize, data.train.count);
  const stepsPerEpoch = Math.max(1, Math.floor(data.train.count / batchSize));
  if (epochs === undefined && steps === undefined) epochs = defaultEpochs(spec, stepsPerEpoch);
  const total = steps ?? (epochs as number) * stepsPerEpoch;
  const patience = validation.split === null ? undefined
    : positiveInt('patience', values.patience, Math.max(5, Math.ceil(total / stepsPerEpoch / 5)));
  const config = runModelConfig(spec, values, data, total, outDir);
  const evaluation = evaluationSplit(spec, data);
  const model = createModel(config, { generator: new Generator(seed), device });

  try {
    // the run folder is this command's from before the run's checks to its last picture
    const { result, pictures } = await stopOnSignals((signal) => withRunFolderLock(outDir, warn, async (lock) => {
      const result = await train(model, {
        name: data.name, read: isFile ? read : undefined, train: data.train, test: evaluation.split, validation: validation.split,
      }, {
        epochs, steps, batchSize, seed, outDir, device, resume: values.resume === true, overwrite: values.overwrite === true, patience,
        monitor: validation.split === null ? undefined : spec.monitor ?? undefined,
        progress: json ? 'json' : 'auto', signal, evalName: evaluation.name, lock, onWarning: warn,
        extra: { command: ['train', ...argv] }, files,
      });
      return { result, pictures: data.schema === undefined ? writePictures(model, data.test ?? data.train, outDir) : [] };
    }));
    const summary = {
      model: kind, dataset: data.name, ...(values.test === undefined ? {} : { test: values.test }),
      labels: countLabelled(data.train.labels), seed, step: result.step, epoch: result.epoch, stopped: result.stopped,
      seconds: result.seconds, evaluated: { rows: evaluation.name, count: evaluation.split?.count ?? 0 },
      ...(result.best === null ? {} : { best: { step: result.best.step, epoch: result.best.epoch, [result.best.metric]: result.best.value } }),
      ...(result.test ?? {}),
      out: outDir, pictures,
    };
    if (json) {
      console.log(JSON.stringify(summary));
    } else {
      const tests = Object.entries(result.test ?? {}).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ');
      const over = tests && evaluation.split !== null ? ` (over ${evaluation.split.count} ${evaluation.describe})` : '';
      const ended = { aborted: 'stopped', early: 'stopped early', time: 'stopped at its time limit', done: 'done' }[result.stopped];
      const best = result.best === null ? '' : `; best epoch ${result.best.epoch} (step ${result.best.step}, ${result.best.metric} ` +
        `${result.best.value.toFixed(4)} over ${validation.split?.count} ${VALIDATION_ROWS}), kept as best.safetensors`;
      console.log(`${ended}: ${kind} on ${data.name}, step ${result.step} (epoch ${result.epoch}) in ${result.seconds.toFixed(1)} s${best}`);
      // an aborted run's figures are its last epoch's; eval and predict will use the best epoch's weights
      const whose = result.best === null ? '' : result.stopped === 'aborted' ? 'last epoch: ' : 'best epoch: ';
      if (tests) console.log(`${whose}${tests}${over}`);
      console.log(`run folder: ${outDir}${result.stopped === 'aborted' ? ' (continue with --resume)' : ''}`);
    }
  } finally {
    disposeModel(model);
  }
}

/** --class-weights and --lr-decay are for the kinds that have them. */
function checkSemiFlags(spec: KindSpec, values: TrainFlags): void {
  const weights = values['class-weights'];
  if (!spec.semiSupervised && weights !== undefined) {
    throw new UsageError(`--class-weights is for the semi-supervised models (${SEMI_KINDS.join(', ')}), not ${spec.kind}`);
  }
  if (weights !== undefined && weights !== 'balanced') throw new UsageError(`--class-weights must be 'balanced', got '${weights}'`);
  if (values['lr-decay'] !== undefined && spec.lrDecay === null) {
    throw new UsageError(`--lr-decay is for ${DECAY_KINDS.join(', ')}, not ${spec.kind}`);
  }
}

/** A --delimiter value: one character, or 'tab'. */
function delimiterFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === 'tab' || value === '\\t' || value === '\t') return '\t';
  if (value.length !== 1 || /[\w"\s]/.test(value)) throw new UsageError(`--delimiter must be one character such as , ; | or 'tab', got '${value}'`);
  return value;
}

/** The named dataset or the user's file that --dataset / --data name, with --test's file. */
export async function readData(values: DataFlags, json: boolean):
  Promise<{ data: LabelledData; dataName: string; isFile: boolean; read: DataRead }> {
  // --data names the dataset's folder when a dataset is named (or nothing else is), else the user's file
  const isFile = values.data !== undefined && (isTablePath(values.data) || /\.npy$/i.test(values.data));
  if (isFile && values.dataset !== undefined) throw new UsageError('give --dataset NAME or --data FILE, not both');
  const dataName = isFile ? (values.data as string) : values.dataset ?? 'fashion-mnist';
  if (!isFile && !(DATASETS as readonly string[]).includes(dataName)) {
    throw new UsageError(`unknown dataset '${dataName}' (expected one of: ${DATASETS.join(', ')}, or --data FILE: .csv, .tsv, .txt, ` +
      '.gz of one, or .npy)');
  }
  if (!isFile) {
    for (const flag of ['test', 'delimiter', 'missing', 'scaling'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} is for your own data file (--data FILE), not ${dataName}`);
    }
  }
  const scaling = values.scaling;
  if (scaling !== undefined && scaling !== 'standard' && scaling !== 'robust') {
    throw new UsageError(`--scaling must be standard or robust, got '${scaling}'`);
  }
  // how the files are read, saved in the run so that later commands read them alike
  const read: DataRead = { test: values.test, labelColumn: values['label-column'], delimiter: delimiterFlag(values.delimiter) };
  const data = await loadDataset(dataName, {
    dataDir: isFile ? undefined : values.data, ...read,
    missing: values.missing === undefined ? undefined : values.missing.split(','), scaling,
    onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
    onProgress: json ? undefined : stderrProgress(),
  });
  return { data, dataName, isFile, read };
}

/**
 * The split evaluated at epoch ends and what its metrics are called: the test split; else, for a user's file, its
 * labelled training rows (semi-supervised kinds) or all its training rows, under names that say they were trained on.
 */
function evaluationSplit(spec: KindSpec, data: LabelledData): { split: DataSplit | null; name: string; describe: string } {
  if (data.test !== null) return { split: data.test, name: 'test', describe: 'test rows' };
  const rows = trainingRows(data.train, spec.semiSupervised);
  // no labelled row: the loop refuses the run, naming why
  return rows === null ? { split: null, name: 'train_labelled', describe: '' } : { ...rows, describe: TRAINING_ROWS[rows.name] };
}

/** A resumed run must read its table as it began: the same columns, categories, scaling and classes. */
function checkSameSchema(path: string, fitted: string, dataName: string): void {
  if (!existsSync(path)) return; // not this run's folder yet: the loop reports the missing checkpoint
  if (readTextBounded(path, JSON_MAX_BYTES, 'a table schema') !== fitted) {
    throw new UsageError(`--resume: ${dataName} no longer reads as the run's ${path} says (its columns, categories, scaling ` +
      'or classes changed); resume with the file the run began with, or start a new run');
  }
}

/** Keeps `count` labels of the training split (balanced, chosen by seed); returns the rows kept. */
export function keepFewLabels(data: LabelledData, count: number, seed: number): Int32Array {
  let chosen;
  const names = data.schema?.label?.classes;
  try {
    chosen = balancedSubset(data.train.labels, count, seed, {
      classes: data.classes, className: (c) => (names === undefined ? String(c) : `'${names[c]}'`),
      onWarning: (message) => process.stderr.write(`warning: --labels ${count}: ${message}\n`),
    });
  } catch (e) {
    throw new UsageError(`--labels ${count}: ${(e as Error).message.replace(/^balancedSubset: /, '')}`);
  }
  data.train = withLabelsOnly(data.train, chosen);
  return chosen;
}

/**
 * --validation: a stratified fraction of the labelled training rows (their indices in the training file, saved as
 * validation.json; the caller takes them out of the training split) or a labelled file read as the training file was.
 */
async function holdValidation(values: TrainFlags, data: LabelledData, seed: number, read: DataRead,
  files: Record<string, string>): Promise<{ split: DataSplit | null; rows: Int32Array | null; rest: DataSplit | null }> {
  const given = values.validation;
  if (given === undefined) {
    if (values.patience !== undefined) throw new UsageError('--patience needs --validation (the rows that say when to stop)');
    return { split: null, rows: null, rest: null };
  }
  if (/^[\d.]+$/.test(given)) {
    const fraction = Number(given);
    if (!(fraction > 0 && fraction < 1)) throw new UsageError(`--validation must be a fraction in (0, 1) or a file, got '${given}'`);
    let held: ReturnType<typeof holdOut>;
    try {
      held = holdOut(data.train, fraction, seed);
    } catch (e) {
      throw new UsageError(`--validation ${given}: ${(e as Error).message.replace(/^stratifiedHoldout: /, '')}`);
    }
    files['validation.json'] = `${JSON.stringify({ count: held.rows.length, fraction, seed, rows: Array.from(held.rows) })}\n`;
    return { split: held.validation, rows: held.rows, rest: held.train };
  }
  if (data.schema === undefined && !/\.npy$/i.test(data.name)) {
    throw new UsageError(`--validation FILE is for your own data file (--data FILE); give ${data.name} a fraction, e.g. --validation 0.1`);
  }
  let split: DataSplit;
  try {
    split = (await loadFileDataset(given, { schema: data.schema, labelColumn: read.labelColumn, delimiter: read.delimiter })).train;
  } catch (e) {
    throw new UsageError(`--validation ${given}: ${(e as Error).message}`);
  }
  if (split.features !== data.train.features) {
    throw new UsageError(`--validation ${given}: has ${split.features} features per row, the training file ${data.train.features}`);
  }
  if (split.labels.some((l) => Number.isNaN(l))) throw new UsageError(`--validation ${given}: every row needs a label`);
  read.validation = given;
  return { split, rows: null, rest: null };
}

/**
 * The model's config: the flags' options, the data's classes and class weights for the semi-supervised kinds, and
 * what the kind derives from the run's length (a decay schedule, a stage split; a resumed run's own where it has one).
 */
function runModelConfig(spec: KindSpec, values: TrainFlags, data: LabelledData, total: number, outDir: string): ModelConfig {
  const overrides = modelOverrides(spec.kind, values);
  if (spec.semiSupervised) {
    if (data.classes === 0) throw new UsageError(`${spec.kind} needs labelled rows; no row of ${data.name} has a label`);
    if (data.classes < 2) {
      const only = data.schema?.label?.classes[0];
      throw new UsageError(`${spec.kind} needs at least 2 classes; every label of ${data.name} is ${only === undefined ? 'the same' : `'${only}'`}`);
    }
    overrides.classes ??= data.classes;
    if (values['class-weights'] === 'balanced') overrides.classWeights = balancedClassWeights(data.train.labels, overrides.classes as number);
  }
  // a table's decoders model each column by its type, unless --option likelihood says otherwise
  if (data.schema !== undefined && 'likelihood' in spec.schema && overrides.likelihood === undefined) {
    overrides.likelihood = tableLikelihood(data.schema);
  }
  const decay = values['lr-decay'] === undefined ? spec.lrDecay : Number(values['lr-decay']);
  if (decay !== null && !(decay >= 0 && decay <= 1)) {
    throw new UsageError(`--lr-decay must be a fraction in [0, 1], got '${values['lr-decay']}'`);
  }
  const saved = values.resume === true ? savedModelConfig(outDir) : null;
  sizesForInput(spec, data.train.features, overrides, saved);
  try {
    spec.runOptions?.({ steps: total, lrDecay: decay, saved }, overrides);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return defaultConfig(spec.kind, data.train.features, overrides);
}

/** The model config of the run in outDir (its config.json); null when the folder holds none (the loop then
 *  reports the missing checkpoint). */
function savedModelConfig(outDir: string): ModelConfig | null {
  const path = join(outDir, 'config.json');
  if (!existsSync(path)) return null;
  const saved = readRunJson(path, 'a run\'s config.json');
  const model = (saved as { model?: unknown } | null)?.model;
  if (model === null || typeof model !== 'object') throw new UsageError(`--resume: ${path} holds no model config`);
  return model as ModelConfig;
}

function countLabelled(labels: Float32Array): number {
  let n = 0;
  for (const l of labels) if (!Number.isNaN(l)) n++;
  return n;
}

/**
 * The run's labelled rows as labels.json: those --labels chose, less those held out for validation. The loop writes
 * it once the folder is known to be this run's; a resumed run's checkpoint already proves the same split (the run
 * config's labelledHash).
 */
export function labelSplitJson(chosen: Int32Array, held: Int32Array | null, train: DataSplit, seed: number): string {
  const heldSet = new Set(held ?? []);
  const indices = chosen.filter((r) => !heldSet.has(r));
  const record = { count: indices.length, seed, rows: Array.from(indices), labels: Array.from(indices, (r) => train.labels[r]) };
  return `${JSON.stringify(record)}\n`;
}

export function parseDevice(value: string | undefined): Device {
  if (value === undefined || value === 'cpu') return 'cpu';
  if (/^cuda(:\d+)?$/.test(value)) return (value === 'cuda' ? 'cuda:0' : value) as Device;
  throw new UsageError(`--device must be cpu or cuda:N, got '${value}'`);
}
