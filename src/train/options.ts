// The training loop's options, events and result, the checks that turn bad options or data into Errors naming
// what is wrong, the run config saved in config.json and in every checkpoint, and the check that a checkpoint
// belongs to the run resuming from it.
import type { Device } from '../tensor.js';
import type { DataSplit } from '../data/dataset.js';
import type { TrainableModel } from './contract.js';
import type { MetricsRecord } from './metrics.js';
import type { ProgressMode, ProgressStream } from './progress.js';
import type { RunFolderLock } from './lock.js';

export interface TrainOptions {
  /** train this many epochs (an epoch is floor(rows / batchSize) steps); give epochs or steps */
  epochs?: number;
  /** or this many steps */
  steps?: number;
  batchSize: number;
  /** seeds the batch order (the model's generator is the model's own) */
  seed: number;
  /** run folder: config.json, metrics.jsonl, checkpoint.safetensors, loss.svg */
  outDir: string;
  /** where the data tensors live; defaults to the model's parameters' device */
  device?: Device;
  /** continue from outDir/checkpoint.safetensors up to the same total epochs or steps */
  resume?: boolean;
  /** start afresh in an outDir that already holds a run (its metrics and checkpoints are removed); without it,
   *  and without resume, such a folder is an Error rather than a silently mixed or lost run */
  overwrite?: boolean;
  /** steps between metrics lines (default: a tenth of an epoch) */
  logEvery?: number;
  /** epochs between test evaluations (default 1; the last epoch is always evaluated) */
  evalEvery?: number;
  /** epochs between checkpoints (default 1; the run's end always writes one) */
  checkpointEvery?: number;
  /** rows per evaluation batch (default 1000) */
  evalBatchSize?: number;
  /** what the evaluated split's rows are, the prefix of its metrics: 'test' (default) for rows never trained on;
   *  say what they are otherwise, e.g. 'train_labelled' for a file's labelled training rows */
  evalName?: string;
  /** 'auto' (default): a progress bar on a TTY, plain lines otherwise; 'json': one JSON line per record */
  progress?: ProgressMode;
  /** where progress goes (default process.stderr) */
  stream?: ProgressStream;
  /** called for every step, record, evaluation, epoch end and checkpoint */
  onEvent?: (event: TrainEvent) => void;
  /** aborting stops the run after the current step, with a checkpoint to resume from */
  signal?: AbortSignal;
  /** more to save in config.json (e.g. the command line's flags) */
  extra?: Record<string, unknown>;
  /** with data.validation: stop after this many epochs without a lower validation metric (default: never; the best
   *  checkpoint is kept either way) */
  patience?: number;
  /** the validation metric to minimise, without its prefix (default 'error' where the model reports one, else the
   *  model's first evaluation metric) */
  monitor?: string;
  /** stop after the step that passes this many seconds of this call's training (stopped: 'time'), evaluated and
   *  checkpointed as at a run's end */
  maxSeconds?: number;
  /** more files for the run folder (name -> contents), written atomically once the folder is known to be this
   *  run's (after the checks of overwrite and resume), e.g. the labelled split */
  files?: Record<string, string>;
  /** outDir's lock, where the caller holds it around more than this run (see lockRunFolder); without it train()
   *  takes the lock itself for the run, and refuses a folder another run holds */
  lock?: RunFolderLock;
  /** hears what the run goes on despite, e.g. a stale lock taken over (default: a `warning:` line on `stream`) */
  onWarning?: (message: string) => void;
}

export type TrainEvent =
  | { type: 'step'; step: number; metrics: Record<string, number> }
  | { type: 'record'; record: MetricsRecord }
  /** an evaluation of the test (evalName) rows, and the seconds it took */
  | { type: 'eval'; step: number; metrics: Record<string, number>; seconds: number }
  | { type: 'epoch'; step: number; epoch: number }
  | { type: 'checkpoint'; step: number; path: string };

/** The epoch whose weights had the lowest validation metric, kept as best.safetensors. */
export interface BestEpoch {
  step: number;
  epoch: number;
  /** the monitored metric's name (validation_<monitor>) and value */
  metric: string;
  value: number;
  /** its evaluation: validation_* and, where a test split was given, test_* of the same weights */
  metrics: Record<string, number>;
  checkpoint: string;
}

export interface TrainResult {
  step: number;
  epoch: number;
  /** 'early': data.validation's metric did not improve for `patience` epochs; 'time': maxSeconds passed */
  stopped: 'done' | 'aborted' | 'early' | 'time';
  /** the last evaluation's metrics (<evalName>_<name>, e.g. test_error), null when nothing was evaluated; with
   *  data.validation, those of the best epoch's weights (what eval and predict use), unless the run was aborted */
  test: Record<string, number> | null;
  /** with data.validation: the best epoch; null otherwise */
  best: BestEpoch | null;
  /** the last checkpoint written or resumed from */
  checkpoint: string | null;
  metrics: string;
  /** wall seconds of the whole run, earlier resumed parts included */
  seconds: number;
}

/** Options after defaults and checks. */
export interface CheckedOptions extends Required<Omit<TrainOptions, 'epochs' | 'steps' | 'onEvent' | 'signal' | 'patience' | 'monitor' | 'maxSeconds' | 'lock'>> {
  lock?: RunFolderLock;
  epochs?: number;
  steps?: number;
  maxSeconds?: number;
  patience?: number;
  monitor?: string;
  onEvent?: (event: TrainEvent) => void;
  signal?: AbortSignal;
}

const WHERE = 'train';

function positiveInteger(name: string, v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new Error(`${WHERE}: ${name} must be a positive integer, got ${String(v)}`);
  return v as number;
}

function checkSplit(name: string, split: DataSplit, features: number): void {
  if (split === null || typeof split !== 'object' || !(split.x instanceof Float32Array) || !(split.labels instanceof Float32Array)) {
    throw new Error(`${WHERE}: data.${name} must be a DataSplit with Float32Array x and labels`);
  }
  if (!Number.isSafeInteger(split.count) || split.count < 1) throw new Error(`${WHERE}: data.${name} has no rows`);
  if (split.features !== features) {
    throw new Error(`${WHERE}: data.${name} has ${split.features} features, the model takes ${features}`);
  }
  if (split.x.length !== split.count * features || split.labels.length !== split.count) {
    throw new Error(`${WHERE}: data.${name} holds ${split.x.length} values and ${split.labels.length} labels for ` +
      `${split.count} rows of ${features}`);
  }
}

export function checkOptions(model: TrainableModel, data: { name?: string; train: DataSplit; test: DataSplit | null; validation?: DataSplit | null },
  options: TrainOptions): CheckedOptions {
  if (options === null || typeof options !== 'object') throw new Error(`${WHERE}: options must be an object`);
  if (options.resume === true && options.overwrite === true) throw new Error(`${WHERE}: resume and overwrite exclude each other`);
  if ((options.epochs === undefined) === (options.steps === undefined)) {
    throw new Error(`${WHERE}: give exactly one of epochs and steps`);
  }
  if (options.epochs !== undefined) positiveInteger('epochs', options.epochs);
  if (options.steps !== undefined) positiveInteger('steps', options.steps);
  const batchSize = positiveInteger('batchSize', options.batchSize);
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) {
    throw new Error(`${WHERE}: seed must be a non-negative integer, got ${String(options.seed)}`);
  }
  if (typeof options.outDir !== 'string' || options.outDir === '') throw new Error(`${WHERE}: outDir must be a folder path`);
  if (options.lock !== undefined && !options.lock.holds(options.outDir)) {
    throw new Error(`${WHERE}: options.lock must be a held lock of outDir ${options.outDir}`);
  }
  const features = model.config.inputSize;
  checkSplit('train', data.train, features);
  if (data.test !== null) checkSplit('test', data.test, features);
  const validation = data.validation ?? null;
  if (validation !== null) checkSplit('validation', validation, features);
  if (typeof model.rowsProblem === 'function') {
    for (const [name, split] of [['train', data.train], ['test', data.test], ['validation', validation]] as const) {
      const problem = split === null ? null : model.rowsProblem(split.x);
      if (problem !== null) {
        throw new Error(`${data.name ?? 'data'} (${name} rows): ${problem}; scale them, or use --option likelihood=gaussian`);
      }
    }
  }
  if (validation !== null) {
    if (!validation.labels.some((l) => !Number.isNaN(l)) && model.labelledBatchSize !== undefined) {
      throw new Error(`${WHERE}: data.validation has no labelled row for the ${model.config.kind} model's error`);
    }
  }
  if (validation === null && (options.patience !== undefined || options.monitor !== undefined)) {
    throw new Error(`${WHERE}: patience and monitor need data.validation (rows held out to choose the best epoch)`);
  }
  if (options.monitor !== undefined && (typeof options.monitor !== 'string' || !/^[a-z][a-z0-9_]*$/.test(options.monitor))) {
    throw new Error(`${WHERE}: monitor must be a metric name such as 'error', got ${JSON.stringify(options.monitor)}`);
  }
  if (batchSize > data.train.count) {
    throw new Error(`${WHERE}: batchSize ${batchSize} is larger than the ${data.train.count} training rows`);
  }
  const device = options.device ?? model.module.parameters()[0]?.device ?? 'cpu';
  if (!/^(cpu|cuda:\d+)$/.test(device)) throw new Error(`${WHERE}: device must be 'cpu' or 'cuda:N', got ${String(device)}`);
  const stepsPerEpoch = Math.max(1, Math.floor(data.train.count / batchSize));
  const progress = options.progress ?? 'auto';
  if (!['auto', 'bar', 'lines', 'json', 'none'].includes(progress)) {
    throw new Error(`${WHERE}: progress must be auto, bar, lines, json or none, got ${String(progress)}`);
  }
  const stream = options.stream ?? process.stderr;
  return {
    epochs: options.epochs, steps: options.steps, batchSize, seed: options.seed, outDir: options.outDir, device,
    resume: options.resume === true, overwrite: options.overwrite === true,
    logEvery: options.logEvery === undefined ? Math.max(1, Math.round(stepsPerEpoch / 10)) : positiveInteger('logEvery', options.logEvery),
    evalEvery: options.evalEvery === undefined ? 1 : positiveInteger('evalEvery', options.evalEvery),
    checkpointEvery: options.checkpointEvery === undefined ? 1 : positiveInteger('checkpointEvery', options.checkpointEvery),
    evalBatchSize: options.evalBatchSize === undefined ? 1000 : positiveInteger('evalBatchSize', options.evalBatchSize),
    evalName: checkEvalName(options.evalName), progress, stream, onEvent: options.onEvent, signal: options.signal,
    lock: options.lock, onWarning: options.onWarning ?? ((message) => stream.write(`warning: ${message}\n`)),
    extra: options.extra ?? {}, files: options.files ?? {},
    patience: options.patience === undefined ? undefined : positiveInteger('patience', options.patience), monitor: options.monitor,
    maxSeconds: checkSeconds(options.maxSeconds),
  };
}

function checkSeconds(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new Error(`${WHERE}: maxSeconds must be a positive number, got ${String(v)}`);
  return v;
}

/** A metric prefix: lower-case words joined by '_' ('test' when none is given). */
function checkEvalName(name: string | undefined): string {
  if (name === undefined) return 'test';
  if (typeof name !== 'string' || !/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(name)) {
    throw new Error(`${WHERE}: evalName must be lower-case words joined by '_', e.g. 'train_labelled', got ${JSON.stringify(name)}`);
  }
  return name;
}

/** How a user's files were read: the test and validation files, the label column, the delimiter (absent: the defaults). */
export interface DataRead {
  test?: string;
  /** a validation file (--validation FILE) */
  validation?: string;
  labelColumn?: string;
  delimiter?: string;
}

/** The run's config: what config.json holds and every checkpoint carries. */
export function runConfig(model: TrainableModel,
  data: { name?: string; read?: DataRead; train: DataSplit; test: DataSplit | null; validation?: DataSplit | null },
  o: CheckedOptions, stepsPerEpoch: number, totalSteps: number): Record<string, unknown> {
  return {
    model: model.config,
    data: {
      name: data.name ?? 'unnamed', trainRows: data.train.count, testRows: data.test?.count ?? 0,
      validationRows: data.validation?.count ?? 0, features: data.train.features,
      ...labelledSummary(data.train),
      ...(data.validation == null ? {} : { validationHash: rowsHash(data.validation) }),
      ...(data.read === undefined ? {} : { read: data.read }), evaluated: o.evalName,
    },
    seed: o.seed, batchSize: o.batchSize, epochs: o.epochs ?? null, steps: o.steps ?? null, stepsPerEpoch, totalSteps,
    device: o.device, logEvery: o.logEvery, evalEvery: o.evalEvery, checkpointEvery: o.checkpointEvery,
    evalBatchSize: o.evalBatchSize, patience: o.patience ?? null, monitor: o.monitor ?? null, extra: o.extra,
  };
}

/** FNV-1a's state after `bytes`, from `h` (its offset basis 0x811c9dc5 to start). */
function fnv1a(h: number, bytes: Uint8Array): number {
  for (let k = 0; k < bytes.length; k++) {
    h ^= bytes[k];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const FNV_BASIS = 0x811c9dc5;
const hex = (h: number): string => h.toString(16).padStart(8, '0');

/** FNV-1a over a split's features (their float32 bits) and labels: which rows a validation split holds. */
function rowsHash(split: DataSplit): string {
  const h = fnv1a(FNV_BASIS, new Uint8Array(split.x.buffer, split.x.byteOffset, split.x.byteLength));
  return hex(fnv1a(h, new Uint8Array(split.labels.buffer, split.labels.byteOffset, split.labels.byteLength)));
}

/** How many rows are labelled and a hash of which (FNV-1a over the labelled rows' indices and labels). */
function labelledSummary(split: DataSplit): { labelledRows: number; labelledHash: string } {
  let h = FNV_BASIS;
  let n = 0;
  const word = new Uint8Array(4);
  const view = new DataView(word.buffer);
  const mix = (v: number): void => {
    view.setUint32(0, v >>> 0, true); // little-endian: the bytes in the order the hash has always taken them
    h = fnv1a(h, word);
  };
  for (let i = 0; i < split.count; i++) {
    const l = split.labels[i];
    if (Number.isNaN(l)) continue;
    mix(i);
    mix(l | 0);
    n++;
  }
  return { labelledRows: n, labelledHash: hex(h) };
}

/** Whether v is a JSON object (not null, not an array). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** JSON with object keys sorted, so two configs compare by content. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (isPlainObject(v)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : v));
}

/** Throws when the checkpoint's run differs from this one in anything that would change the continued curve. */
export function checkResumable(saved: Record<string, unknown>, current: Record<string, unknown>, path: string): void {
  const data = (c: Record<string, unknown>): unknown => {
    const d = c.data as Record<string, unknown> | undefined;
    return { name: d?.name, trainRows: d?.trainRows, validationRows: d?.validationRows ?? 0, features: d?.features,
      labelledHash: d?.labelledHash };
  };
  // other rows held out for validation would choose the best epoch by other rows (runs saved before the hash was
  // kept have none, and are compared by their count alone)
  const validation = (c: Record<string, unknown>): unknown => (c.data as Record<string, unknown> | undefined)?.validationHash;
  if (validation(saved) !== undefined && validation(saved) !== validation(current)) {
    throw new Error(`${path}: was written by a run that held out other validation rows (the same number, other rows or ` +
      'values); resume with the validation rows it began with, or start a new run with --overwrite');
  }
  const checks: [string, unknown, unknown][] = [
    ['model config', saved.model, current.model],
    ['data', data(saved), data(current)],
    ['seed', saved.seed, current.seed],
    ['batch size', saved.batchSize, current.batchSize],
    ['log interval', saved.logEvery, current.logEvery],
  ];
  for (const [what, a, b] of checks) {
    if (canonicalJson(a) !== canonicalJson(b)) {
      throw new Error(`${path}: was written by a run with another ${what} (${differences(a, b)}); ` +
        'resume with the same settings, or start a new run with --overwrite or another --out folder');
    }
  }
}

/** "saved, this run has current", or for two objects only the keys whose values differ: "key: saved → current". */
function differences(saved: unknown, current: unknown): string {
  if (!isPlainObject(saved) || !isPlainObject(current)) return `${canonicalJson(saved)}, this run has ${canonicalJson(current)}`;
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(current)])].sort();
  return keys.filter((k) => canonicalJson(saved[k]) !== canonicalJson(current[k]))
    .map((k) => `${k}: ${canonicalJson(saved[k]) ?? 'unset'} → ${canonicalJson(current[k]) ?? 'unset'}`).join(', ');
}
