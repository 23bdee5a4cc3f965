// The training loop: moves the data to the device once, draws shuffled batches through the gather kernel, runs the
// model's step inside tidy(), evaluates on the test split at epoch ends, logs metrics.jsonl, shows progress, writes
// checkpoints, stops on a non-finite metric with the last good checkpoint untouched, and resumes exactly.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tidy } from '../tensor.js';
import { gatherRows } from '../ops/shape.js';
import { ShuffledBatches, type BatchesState } from '../data/batches.js';
import { labelledRows } from '../data/subset.js';
import type { DataSplit } from '../data/dataset.js';
import type { TrainableModel } from './contract.js';
import { captureState, loadCheckpoint, previousPath, restoreState, saveCheckpoint } from './checkpoint.js';
import { JsonLines, writeFileAtomic } from './files.js';
import { MetricSums, firstNonFinite, rssMegabytes, truncateMetrics, type MetricsRecord } from './metrics.js';
import { createProgress } from './progress.js';
import { checkOptions, runConfig, checkResumable, type TrainOptions, type TrainEvent, type TrainResult } from './options.js';
import { writeLossCurve } from './plot.js';
import { evaluate, toDevice, type DeviceSplit } from './evaluate.js';

export type { TrainOptions, TrainEvent, TrainResult } from './options.js';


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

/** Trains `model` on data.train; see TrainOptions. Resolves when the run is done or aborted; rejects on errors. */
export async function train(model: TrainableModel, data: { name?: string; train: DataSplit; test: DataSplit | null },
  options: TrainOptions): Promise<TrainResult> {
  const o = checkOptions(model, data, options);
  const checkpointPath = join(o.outDir, 'checkpoint.safetensors');
  const metricsPath = join(o.outDir, 'metrics.jsonl');
  mkdirSync(o.outDir, { recursive: true });
  const batches = new ShuffledBatches(data.train.count, o.batchSize, o.seed);
  const labelled = labelledStream(model, data.train, o.seed);
  const stepsPerEpoch = batches.batchesPerEpoch;
  const totalSteps = o.steps ?? (o.epochs as number) * stepsPerEpoch;
  const config = runConfig(model, data, o, stepsPerEpoch, totalSteps);

  let step = 0;
  let wallBefore = 0;
  let lastCheckpoint: string | null = null;
  let checkpointStep = -1;
  const logSums = new MetricSums();
  const epochSums = new MetricSums();
  const earlier = [metricsPath, checkpointPath, previousPath(checkpointPath)].filter((f) => existsSync(f));
  if (!o.resume && earlier.length > 0) {
    if (!o.overwrite) {
      throw new Error(`${o.outDir} already holds a run (${earlier.map((f) => basename(f)).join(', ')}); resume it, ` +
        'overwrite it, or choose another folder');
    }
    for (const f of earlier) rmSync(f);
  }
  if (o.resume) {
    const state = loadCheckpoint(checkpointPath);
    checkResumable(state.config, config, checkpointPath);
    restoreState(model, batches, state, checkpointPath);
    if (labelled !== null) {
      const saved = state.progress.labelled as BatchesState | undefined;
      if (saved === undefined) throw new Error(`${checkpointPath}: holds no labelled batch sampler state`);
      labelled.batches.setState(saved);
    }
    step = state.step;
    if (step > totalSteps) {
      throw new Error(`${checkpointPath}: is at step ${step}, past this run's ${totalSteps} steps; ask for more epochs or steps`);
    }
    wallBefore = typeof state.progress.wall_s === 'number' ? state.progress.wall_s : 0;
    logSums.load(state.progress.log);
    epochSums.load(state.progress.epoch);
    lastCheckpoint = checkpointPath;
    checkpointStep = step;
    truncateMetrics(metricsPath, step);
  }
  for (const [name, text] of Object.entries(o.files)) writeFileAtomic(join(o.outDir, name), Buffer.from(text));
  writeFileAtomic(join(o.outDir, 'config.json'),
    Buffer.from(`${JSON.stringify({ ...config, resumed_from_step: o.resume ? step : null }, null, 2)}\n`));

  const emit = (event: TrainEvent): void => o.onEvent?.(event);
  let trainData: DeviceSplit | null = null;
  let testData: DeviceSplit | null = null;
  const log = new JsonLines(metricsPath);
  const progress = createProgress(o.progress, o.stream, totalSteps, stepsPerEpoch,
    step, o.batchSize);
  const started = performance.now();
  const wall = (): number => Math.round((wallBefore + (performance.now() - started) / 1000) * 1000) / 1000;
  const epochOf = (s: number): number => Math.max(1, Math.ceil(s / stepsPerEpoch));
  let lastEval: Record<string, number> | null = null;
  let lastYield = performance.now();

  const write = (kind: MetricsRecord['kind'], sums: MetricSums, extra: Record<string, number> = {}): void => {
    const record: MetricsRecord = { kind, step, epoch: epochOf(step), ...sums.means(), ...extra };
    if (kind !== 'error') {
      record.samples_per_s = sums.samplesPerSecond(); // time inside steps alone: evaluation and saving left out
      record.rss_mb = rssMegabytes();
      record.wall_s = wall();
    }
    log.append(record);
    progress.record(record);
    emit({ type: 'record', record });
  };
  const stopOnNonFinite = (metrics: Record<string, number>): void => {
    const bad = firstNonFinite(metrics);
    if (bad === null) return;
    const where = lastCheckpoint === null ? 'no checkpoint was written yet' : `the last good checkpoint is ${lastCheckpoint}`;
    const message = `${bad[0]} became ${bad[1]} at step ${step} (epoch ${epochOf(step)}); ${where}`;
    log.append({ kind: 'error', step, epoch: epochOf(step), error: message });
    throw new Error(message);
  };
  const checkpoint = (): void => {
    const state = captureState(model, batches, {
      step, epoch: epochOf(step), config,
      progress: {
        wall_s: wall(), log: logSums.toJSON(), epoch: epochSums.toJSON(),
        ...(labelled === null ? {} : { labelled: jsonState(labelled.batches.getState()) }),
      },
    });
    saveCheckpoint(checkpointPath, state);
    lastCheckpoint = checkpointPath;
    checkpointStep = step;
    log.sync();
    emit({ type: 'checkpoint', step, path: checkpointPath });
  };
  const runEval = (): Record<string, number> => {
    if (testData === null) return {};
    const metrics = evaluate(model, testData, o.evalBatchSize);
    stopOnNonFinite(metrics);
    lastEval = metrics;
    emit({ type: 'eval', step, metrics });
    return metrics;
  };

  let stopped: TrainResult['stopped'] = 'done';
  try {
    const trainSplit = toDevice(data.train, o.device); // once: batches are gathered from these on the device
    trainData = trainSplit;
    testData = data.test === null ? null : toDevice(data.test, o.device);
    model.module.train();
    while (step < totalSteps) {
      if (o.signal?.aborted) {
        stopped = 'aborted';
        break;
      }
      const t0 = performance.now();
      const index = batches.next();
      const labelledIndex = labelled === null ? null : labelled.next();
      const metrics = tidy(() => model.trainStep({
        x: gatherRows(trainSplit.x, index), labels: gatherRows(trainSplit.labels, index),
        ...(labelledIndex === null ? {} : {
          labelled: {
            x: gatherRows(trainSplit.x, labelledIndex), labels: gatherRows(trainSplit.labels, labelledIndex), share: labelled!.share,
          },
        }),
      }));
      const seconds = (performance.now() - t0) / 1000;
      step++;
      stopOnNonFinite(metrics);
      logSums.add(metrics, index.length, seconds);
      epochSums.add(metrics, index.length, seconds);
      emit({ type: 'step', step, metrics });
      progress.step(step, metrics);

      if (step % o.logEvery === 0) {
        write('log', logSums);
        logSums.reset();
      }
      if (step % stepsPerEpoch === 0) {
        const epoch = step / stepsPerEpoch;
        const last = step === totalSteps;
        const evalMetrics = epoch % o.evalEvery === 0 || last ? runEval() : {};
        write('epoch', epochSums, evalMetrics);
        epochSums.reset();
        if (epoch % o.checkpointEvery === 0 || last) checkpoint();
        emit({ type: 'epoch', step, epoch });
      }
      if (performance.now() - lastYield > YIELD_MS) {
        await new Promise((resolve) => setImmediate(resolve)); // lets signals, timers and redraws in
        lastYield = performance.now();
      }
    }
    if (step % stepsPerEpoch !== 0 || stopped === 'aborted') {
      // stopped between epoch ends: report what is pending and keep a checkpoint to resume from
      const evalMetrics = stopped === 'done' ? runEval() : {};
      if (logSums.count > 0 || Object.keys(evalMetrics).length > 0) write('end', logSums, evalMetrics);
      if (step > 0 && checkpointStep !== step) checkpoint();
    }
  } finally {
    progress.end();
    log.close();
    for (const split of [trainData, testData]) {
      if (split !== null) {
        split.x.dispose();
        split.labels.dispose();
      }
    }
  }
  writeLossCurve(metricsPath, join(o.outDir, 'loss.svg'));
  return { step, epoch: epochOf(step), stopped, test: lastEval, checkpoint: lastCheckpoint, metrics: metricsPath, seconds: wall() };
}
