// The training loop: moves the data to the device once, draws shuffled batches through the gather kernel, runs the
// model's step inside tidy(), evaluates on the test split at epoch ends, logs metrics.jsonl, shows progress, writes
// checkpoints, stops on a non-finite metric with the last good checkpoint untouched, and resumes exactly; the run
// folder is locked while it is the run's (lock.ts). Given validation rows, it evaluates them at every epoch end, keeps
// the weights with the lowest validation metric as best.safetensors, stops after `patience` epochs without a lower
// one, and reports the test metrics of those weights.
import { existsSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tidy } from '../tensor.js';
import { gatherRows } from '../ops/shape.js';
import { ShuffledBatches, type BatchesState } from '../data/batches.js';
import { labelledRows } from '../data/subset.js';
import type { DataSplit } from '../data/dataset.js';
import type { TrainableModel } from './contract.js';
import { captureState, loadCheckpoint, previousPath, restoreState, saveCheckpoint, type TrainingState } from './checkpoint.js';
import { JsonLines, writeFileAtomic } from './files.js';
import { withRunFolderLock } from './lock.js';
import { MetricSums, firstNonFinite, rssMegabytes, truncateMetrics, type MetricsRecord } from './metrics.js';
import { createProgress, type Progress } from './progress.js';
import {
  checkOptions, runConfig, checkResumable, type BestEpoch, type CheckedOptions, type DataRead, type TrainOptions, type TrainEvent,
  type TrainResult,
} from './options.js';
import { writeLossCurve } from './plot.js';
import { evaluate, toDevice, type DeviceSplit } from './evaluate.js';

export type { TrainOptions, TrainEvent, TrainResult, DataRead, BestEpoch } from './options.js';

/** The file the best epoch's weights are kept in, beside checkpoint.safetensors. */
export const BEST_CHECKPOINT = 'best.safetensors';

/** Files of a run folder that a new run (not a resumed one) must not inherit: they describe the rows, the choice or
 *  the weights of the run before it. (Not the lock: it is this run's by now.) */
const STALE_ON_RESTART = ['labels.json', 'validation.json', 'leaderboard.json', 'schema.json', BEST_CHECKPOINT, previousPath(BEST_CHECKPOINT)];


const YIELD_MS = 50;

/** A seed for the labelled stream distinct from the main stream's (the same seed would shuffle alike). */
const LABELLED_SEED_SALT = 0x6c61626c;

/**
 * For semi-supervised models (labelledBatchSize set): batches of the split's labelled rows, each pass over them in
 * a fresh shuffled order; a batch is all of them when there are fewer than labelledBatchSize.
 */
function labelledStream(model: TrainableModel, split: DataSplit, seed: number):
  { batches: ShuffledBatches; share: number; next(): Int32Array } | null {
  const size = model.labelledBatchSize;
  if (size === undefined) return null;
  if (!Number.isInteger(size) || size < 1) throw new Error(`train: the model's labelledBatchSize must be a positive integer, got ${size}`);
  const rows = labelledRows(split);
  if (rows.length === 0) {
    throw new Error(`train: the ${model.config.kind} model is semi-supervised and needs labelled rows, but the training ` +
      'data has none (give --labels N with a labelled dataset, or label some rows of your file)');
  }
  const batches = new ShuffledBatches(rows.length, Math.min(size, rows.length), (seed ^ LABELLED_SEED_SALT) | 0);
  return {
    batches,
    share: rows.length / split.count,
    next: () => {
      const positions = batches.next();
      const index = new Int32Array(positions.length);
      for (let i = 0; i < positions.length; i++) index[i] = rows[positions[i]];
      return index;
    },
  };
}

/** A sampler state as plain JSON (its permutation as an array). */
function jsonState(state: BatchesState): BatchesState {
  return { ...state, order: Array.from(state.order) };
}

/**
 * What a run trains on: data.train; data.test is evaluated at epoch ends (its metrics named as evalName says);
 * data.validation, labelled rows held out of data.train, chooses the best epoch and when to stop (never data.test).
 * data.read, saved in config.json, says how a user's files were read (the test file, the label column, the
 * delimiter), so that later commands read them alike.
 */
export type Data = { name?: string; read?: DataRead; train: DataSplit; test: DataSplit | null; validation?: DataSplit | null };

/** Trains `model` on data.train; see TrainOptions. Resolves when the run is done or aborted; rejects on errors. */
export async function train(model: TrainableModel, data: Data,
  options: TrainOptions): Promise<TrainResult> {
  if (model?.assembled === true) {
    throw new Error(`train: the ${model.config.kind} model is assembled from models trained on their own; it takes no training ` +
      'steps (saveModelRun saves one)');
  }
  const o = checkOptions(model, data, options);
  const run = new TrainingRun(model, data, o);
  const work = (): Promise<TrainResult> => {
    run.prepareFolder();
    return run.run();
  };
  // the folder is this run's from before its checks of overwrite and resume to after its last file
  return o.lock === undefined ? withRunFolderLock(o.outDir, o.onWarning, work) : work();
}

/**
 * A run folder for a model trained elsewhere, as train() would leave it after `options.steps` steps: config.json, the
 * files given, the checkpoint that eval, predict and encode open, and one 'end' record with the test metrics. No step
 * is taken (fit saves its ensemble of separately trained members this way); `seconds` is the time its training took
 * elsewhere (the record's wall_s), and the folder has no loss.svg, as there are no training losses to draw.
 */
export async function saveModelRun(model: TrainableModel, data: Data, options: TrainOptions & { steps: number; seconds?: number }):
  Promise<TrainResult> {
  const o = checkOptions(model, data, { ...options, resume: false });
  const run = new TrainingRun(model, data, o);
  const work = async (): Promise<TrainResult> => {
    run.prepareFolder();
    return run.saveAsIs(options.seconds ?? 0);
  };
  return o.lock === undefined ? withRunFolderLock(o.outDir, o.onWarning, work) : work();
}

/** One run of the loop: its folder, samplers, sums, progress and checkpoints. */
class TrainingRun {
  private readonly checkpointPath: string;
  private readonly metricsPath: string;
  private readonly batches: ShuffledBatches;
  private readonly labelled: ReturnType<typeof labelledStream>;
  private readonly stepsPerEpoch: number;
  private readonly totalSteps: number;
  private readonly config: Record<string, unknown>;
  private step = 0;
  private wallBefore = 0;
  private lastCheckpoint: string | null = null;
  private checkpointStep = -1;
  // the step of the 'end' record a resumed run found last in metrics.jsonl: resuming a finished run adds no second one
  private endWrittenAt = -1;
  private readonly logSums = new MetricSums();
  private readonly epochSums = new MetricSums();
  private lastEval: Record<string, number> | null = null;
  private started = performance.now();
  private log: JsonLines | null = null;
  private progress: Progress | null = null;
  private testData: DeviceSplit | null = null;
  private validationData: DeviceSplit | null = null;
  private readonly bestPath: string;
  private best: BestEpoch | null = null;
  /** epoch ends since the best one */
  private sinceBest = 0;

  constructor(private readonly model: TrainableModel, private readonly data: Data, private readonly o: CheckedOptions & TrainOptions) {
    this.checkpointPath = join(o.outDir, 'checkpoint.safetensors');
    this.metricsPath = join(o.outDir, 'metrics.jsonl');
    this.bestPath = join(o.outDir, BEST_CHECKPOINT);
    this.batches = new ShuffledBatches(data.train.count, o.batchSize, o.seed);
    this.labelled = labelledStream(model, data.train, o.seed);
    this.stepsPerEpoch = this.batches.batchesPerEpoch;
    this.totalSteps = o.steps ?? (o.epochs as number) * this.stepsPerEpoch;
    this.config = runConfig(model, data, o, this.stepsPerEpoch, this.totalSteps);
  }

  /** Makes the locked run folder this run's: refuses or clears an earlier run, restores a resumed one, writes
   *  config.json. */
  prepareFolder(): void {
    const o = this.o;
    const earlier = [this.metricsPath, this.checkpointPath, previousPath(this.checkpointPath), this.bestPath, previousPath(this.bestPath)]
      .filter((f) => existsSync(f));
    if (!o.resume && earlier.length > 0) {
      if (!o.overwrite) {
        throw new Error(`${o.outDir} already holds a run (${earlier.map((f) => basename(f)).join(', ')}); continue it with ` +
          '--resume, start afresh with --overwrite (train()\'s resume / overwrite options), or choose another --out folder');
      }
      for (const f of earlier) rmSync(f);
    }
    if (o.resume) {
      this.restore();
    } else {
      // what an earlier run in this folder left beside its checkpoints would describe another run
      for (const name of STALE_ON_RESTART) if (!(name in o.files)) rmSync(join(o.outDir, name), { force: true });
    }
    for (const [name, text] of Object.entries(o.files)) writeFileAtomic(join(o.outDir, name), Buffer.from(text));
    writeFileAtomic(join(o.outDir, 'config.json'),
      Buffer.from(`${JSON.stringify({ ...this.config, resumed_from_step: o.resume ? this.step : null }, null, 2)}\n`));
  }

  /** Restores model, samplers, sums and step from the run's checkpoint. */
  private restore(): void {
    const path = this.checkpointPath;
    const state = loadCheckpoint(path);
    checkResumable(state.config, this.config, path);
    restoreState(this.model, this.batches, state, path);
    if (this.labelled !== null) {
      const saved = state.progress.labelled as BatchesState | undefined;
      if (saved === undefined) throw new Error(`${path}: holds no labelled batch sampler state`);
      this.labelled.batches.setState(saved);
    }
    this.step = state.step;
    if (this.step > this.totalSteps) {
      throw new Error(`${path}: is at step ${this.step}, past this run's ${this.totalSteps} steps; ask for more epochs or steps`);
    }
    this.wallBefore = typeof state.progress.wall_s === 'number' ? state.progress.wall_s : 0;
    this.logSums.load(state.progress.log);
    this.epochSums.load(state.progress.epoch);
    this.lastCheckpoint = path;
    this.checkpointStep = this.step;
    this.restoreBest(state.progress.best, path);
    const last = truncateMetrics(this.metricsPath, this.step).at(-1);
    if (last?.kind === 'end') this.endWrittenAt = last.step;
  }

  /** The best epoch and the epochs since, as the checkpoint saw them; the best file must be there (a crash after it
   *  was written and before the checkpoint leaves a later one of this same run, which the resumed run rewrites). */
  private restoreBest(saved: unknown, path: string): void {
    if (this.data.validation == null) return;
    if (saved === undefined || saved === null) return;
    const b = saved as { best?: BestEpoch; since?: number };
    if (b.best === undefined || typeof b.since !== 'number') throw new Error(`${path}: its best-epoch record is malformed`);
    if (!existsSync(this.bestPath)) throw new Error(`${path}: records a best epoch at step ${b.best.step}, but ${this.bestPath} is missing`);
    this.best = { ...b.best, checkpoint: this.bestPath };
    this.sinceBest = b.since;
  }

  private wall(): number {
    return Math.round((this.wallBefore + (performance.now() - this.started) / 1000) * 1000) / 1000;
  }

  private epochOf(s: number): number {
    return Math.max(1, Math.ceil(s / this.stepsPerEpoch));
  }

  private emit(event: TrainEvent): void {
    this.o.onEvent?.(event);
  }

  /** Appends one metrics record (log, epoch or end) to metrics.jsonl and the progress display. */
  private write(kind: MetricsRecord['kind'], sums: MetricSums, extra: Record<string, number> = {}): void {
    const record: MetricsRecord = { kind, step: this.step, epoch: this.epochOf(this.step), ...sums.means(), ...extra };
    if (kind !== 'error') {
      record.samples_per_s = sums.samplesPerSecond(); // time inside steps alone: evaluation and saving left out
      record.rss_mb = rssMegabytes();
      record.wall_s = this.wall();
    }
    this.log?.append(record);
    this.progress?.record(record);
    this.emit({ type: 'record', record });
  }

  /** A non-finite metric stops the run with an error naming it, the step and the last good checkpoint. */
  private stopOnNonFinite(metrics: Record<string, number>): void {
    const bad = firstNonFinite(metrics);
    if (bad === null) return;
    const where = this.lastCheckpoint === null ? 'no checkpoint was written yet' : `the last good checkpoint is ${this.lastCheckpoint}`;
    const message = `${bad[0]} became ${bad[1]} at step ${this.step} (epoch ${this.epochOf(this.step)}); ${where}`;
    this.log?.append({ kind: 'error', step: this.step, epoch: this.epochOf(this.step), error: message });
    throw new Error(message);
  }

  private checkpoint(): void {
    const labelled = this.labelled;
    const state = captureState(this.model, this.batches, {
      step: this.step, epoch: this.epochOf(this.step), config: this.config,
      progress: {
        wall_s: this.wall(), log: this.logSums.toJSON(), epoch: this.epochSums.toJSON(),
        ...(labelled === null ? {} : { labelled: jsonState(labelled.batches.getState()) }),
        ...(this.validationData === null ? {} : { best: this.best === null ? null : { best: this.best, since: this.sinceBest } }),
      },
    });
    saveCheckpoint(this.checkpointPath, state);
    this.lastCheckpoint = this.checkpointPath;
    this.checkpointStep = this.step;
    this.log?.sync();
    this.emit({ type: 'checkpoint', step: this.step, path: this.checkpointPath });
  }

  private evaluateTest(): Record<string, number> {
    if (this.testData === null) return {};
    const t0 = performance.now();
    const metrics = evaluate(this.model, this.testData, this.o.evalBatchSize, this.o.evalName);
    this.stopOnNonFinite(metrics);
    this.lastEval = metrics;
    this.emit({ type: 'eval', step: this.step, metrics, seconds: (performance.now() - t0) / 1000 });
    return metrics;
  }

  /**
   * At an epoch end with validation rows: their metrics; weights with a lower monitored metric than any before are
   * saved as the best checkpoint (without the .prev copy: the best is replaced, never needed back).
   */
  /**
   * The validation rows' metrics; at an epoch's end (`atEpochEnd`) they also choose the best epoch and count toward
   * patience. Between epoch ends (a run stopped there) they are only reported, so that a resumed run chooses exactly
   * as one that never stopped.
   */
  private evaluateValidation(atEpochEnd = true): Record<string, number> {
    if (this.validationData === null) return {};
    const metrics = evaluate(this.model, this.validationData, this.o.evalBatchSize, 'validation');
    this.stopOnNonFinite(metrics);
    const metric = `validation_${this.o.monitor ?? ('validation_error' in metrics ? 'error' : Object.keys(metrics)[0]?.slice('validation_'.length))}`;
    const value = metrics[metric];
    if (value === undefined) {
      throw new Error(`train: the validation rows give no ${metric} (they give ${Object.keys(metrics).join(', ') || 'nothing'})`);
    }
    // a staged model's first stage, its last step included: its classifier has not trained yet
    if (!atEpochEnd || this.step <= (this.model.validFromStep ?? 0)) return metrics;
    if (this.best === null || value < this.best.value || (value === this.best.value && tieBreak(metrics) < tieBreak(this.best.metrics))) {
      const state = captureState(this.model, null, { step: this.step, epoch: this.epochOf(this.step), config: this.config, progress: { validation: metrics } });
      saveBestCheckpoint(this.bestPath, state);
      this.best = { step: this.step, epoch: this.epochOf(this.step), metric, value, metrics, checkpoint: this.bestPath };
      this.sinceBest = 0;
    } else {
      this.sinceBest++;
    }
    return metrics;
  }

  /** Whether the validation metric has not improved for `patience` epochs. */
  private patienceRunOut(): boolean {
    return this.o.patience !== undefined && this.best !== null && this.sinceBest >= this.o.patience;
  }

  /** One optimisation step on the next batch (and labelled batch), inside tidy(). */
  private trainOne(trainSplit: DeviceSplit): void {
    const t0 = performance.now();
    const index = this.batches.next();
    const labelled = this.labelled;
    const labelledIndex = labelled === null ? null : labelled.next();
    const metrics = tidy(() => this.model.trainStep({
      x: gatherRows(trainSplit.x, index), labels: gatherRows(trainSplit.labels, index),
      ...(labelledIndex === null || labelled === null ? {} : {
        labelled: {
          x: gatherRows(trainSplit.x, labelledIndex), labels: gatherRows(trainSplit.labels, labelledIndex), share: labelled.share,
        },
      }),
    }));
    const seconds = (performance.now() - t0) / 1000;
    this.step++;
    this.stopOnNonFinite(metrics);
    this.logSums.add(metrics, index.length, seconds);
    this.epochSums.add(metrics, index.length, seconds);
    this.emit({ type: 'step', step: this.step, metrics });
    this.progress?.step(this.step, metrics);
  }

  /** After a step: a log line, and at an epoch's end its record, evaluation and checkpoint as configured. */
  private afterStep(): void {
    const { o, step } = this;
    if (step % o.logEvery === 0) {
      this.write('log', this.logSums);
      this.logSums.reset();
    }
    if (step % this.stepsPerEpoch !== 0) return;
    const epoch = step / this.stepsPerEpoch;
    const last = step === this.totalSteps;
    const validation = this.evaluateValidation();
    const evalMetrics = epoch % o.evalEvery === 0 || last ? this.evaluateTest() : {};
    this.write('epoch', this.epochSums, { ...validation, ...evalMetrics });
    this.epochSums.reset();
    if (epoch % o.checkpointEvery === 0 || last || this.patienceRunOut()) this.checkpoint();
    this.emit({ type: 'epoch', step, epoch });
  }

  /** The loop itself, then the pending record and checkpoint of a run stopped between epoch ends. */
  async run(): Promise<TrainResult> {
    const o = this.o;
    let stopped: TrainResult['stopped'] = 'done';
    let trainData: DeviceSplit | null = null;
    this.log = new JsonLines(this.metricsPath);
    this.progress = createProgress(o.progress, o.stream, this.totalSteps, this.stepsPerEpoch, this.step, o.batchSize);
    this.started = performance.now();
    let lastYield = performance.now();
    try {
      trainData = toDevice(this.data.train, o.device); // once: batches are gathered from these on the device
      this.testData = this.data.test === null ? null : toDevice(this.data.test, o.device);
      this.validationData = this.data.validation == null ? null : toDevice(this.data.validation, o.device);
      this.model.module.train();
      while (this.step < this.totalSteps) {
        if (o.signal?.aborted) {
          stopped = 'aborted';
          break;
        }
        if (this.patienceRunOut()) {
          stopped = 'early';
          break;
        }
        if (o.maxSeconds !== undefined && (performance.now() - this.started) / 1000 >= o.maxSeconds) {
          stopped = 'time';
          break;
        }
        this.trainOne(trainData);
        this.afterStep();
        if (performance.now() - lastYield > YIELD_MS) {
          await new Promise((resolve) => setImmediate(resolve)); // lets signals, timers and redraws in
          lastYield = performance.now();
        }
      }
      if (this.step % this.stepsPerEpoch !== 0 || stopped === 'aborted') this.finishBetweenEpochs(stopped);
      if (stopped !== 'aborted') this.evaluateBest();
    } finally {
      this.progress.end();
      this.log.close();
      for (const split of [trainData, this.testData, this.validationData]) {
        split?.x.dispose();
        split?.labels.dispose();
      }
    }
    writeLossCurve(this.metricsPath, join(o.outDir, 'loss.svg'));
    return {
      step: this.step, epoch: this.epochOf(this.step), stopped, test: this.lastEval, best: this.best, checkpoint: this.lastCheckpoint,
      metrics: this.metricsPath, seconds: this.wall(),
    };
  }

  /** The model as it is, saved as this run's last step: its test metrics in an 'end' record, and its checkpoint. */
  saveAsIs(seconds: number): TrainResult {
    this.step = this.totalSteps;
    this.wallBefore = seconds;
    this.started = performance.now();
    rmSync(join(this.o.outDir, 'loss.svg'), { force: true }); // an earlier run's
    this.log = new JsonLines(this.metricsPath);
    let metrics: Record<string, number> = {};
    try {
      this.testData = this.data.test === null ? null : toDevice(this.data.test, this.o.device);
      metrics = this.evaluateTest();
      this.write('end', this.logSums, metrics);
      this.checkpoint();
    } finally {
      this.log.close();
      this.testData?.x.dispose();
      this.testData?.labels.dispose();
    }
    return {
      step: this.step, epoch: this.epochOf(this.step), stopped: 'done', test: this.lastEval, best: null, checkpoint: this.lastCheckpoint,
      metrics: this.metricsPath, seconds: this.wall(),
    };
  }

  /**
   * At the end of a run with validation rows: the test metrics of the best weights (what eval and predict use), in a
   * 'best' record at the best epoch's step; the model is left holding those weights.
   */
  private evaluateBest(): void {
    const best = this.best;
    if (best === null) return;
    const state = loadCheckpoint(best.checkpoint);
    this.model.module.loadStateDict(state.model);
    const t0 = performance.now();
    const test = this.testData === null ? {} : evaluate(this.model, this.testData, this.o.evalBatchSize, this.o.evalName);
    if (this.testData !== null) this.emit({ type: 'eval', step: best.step, metrics: test, seconds: (performance.now() - t0) / 1000 });
    best.metrics = { ...(state.progress.validation as Record<string, number>), ...test };
    if (this.testData !== null) this.lastEval = test;
    const record: MetricsRecord = { kind: 'best', step: best.step, epoch: best.epoch, ...best.metrics };
    this.log?.append(record);
    this.emit({ type: 'record', record });
  }

  /** Stopped between epoch ends: report what is pending and keep a checkpoint to resume from. */
  private finishBetweenEpochs(stopped: TrainResult['stopped']): void {
    const evalMetrics = stopped === 'aborted' ? {} : { ...this.evaluateValidation(false), ...this.evaluateTest() };
    const pending = this.logSums.count > 0 || Object.keys(evalMetrics).length > 0;
    if (pending && this.endWrittenAt !== this.step) this.write('end', this.logSums, evalMetrics);
    if (this.step > 0 && this.checkpointStep !== this.step) this.checkpoint();
  }
}

/**
 * Between epochs of equal validation error (a few validation rows allow few values), the lower cross-entropy wins:
 * the same answers held with more confidence where right, or less where wrong.
 */
function tieBreak(metrics: Record<string, number>): number {
  return metrics.validation_cross_entropy ?? Infinity;
}

/** Writes the best epoch's weights (no sampler: they are for eval and predict, not to resume from). */
function saveBestCheckpoint(path: string, state: TrainingState): void {
  saveCheckpoint(path, state);
  rmSync(previousPath(path), { force: true });
}
