// fit(): picks a model for a user's data the way a careful user would, within a time budget. Each candidate kind is
// trained on k − 1 stratified folds of the labelled rows (every unlabelled row too) and measured on the held-out
// fold at every epoch end. The mean of the folds' errors at each epoch is the kind's cross-validation curve; its
// lowest point is the kind's error and length (one choice over every labelled row, not one per fold of a few rows).
// The kind of lowest error wins and is trained once more on every labelled row for that many steps, as the run
// folder that eval and predict take; where the folds cannot tell other kinds from it, each of them is trained so too
// and the run is their ensemble, which averages their class probabilities (models/ensemble.ts) and shifts them to
// the class prior of the unlabelled rows: a few labels of each class teach the models a near uniform prior, where the
// data's may be far from it. A test split, when given, is measured for the leaderboard at the same epochs and never
// used to choose anything.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSplit, LabelledData } from '../data/dataset.js';
import { outsideUnitRange } from '../models/parts/likelihood.js';
import { tableLikelihood } from '../data/schema.js';
import { labelledRows, stratifiedFolds, subsetRows, withoutRows } from '../data/subset.js';
import { defaultEpochs, sizesForInput, type KindSpec } from '../models/kind.js';
import { priorShift, type Ensemble } from '../models/ensemble.js';
import { noGrad } from '../autograd.js';
import { fromArray } from '../ops/creation.js';
import { tidy } from '../tensor.js';
import { createModel, defaultConfig, disposeModel, kindSpec, MODEL_KINDS } from '../models/registry.js';
import type { ModelConfig, TrainableModel } from '../train/contract.js';
import { saveModelRun, train, type Data, type DataRead, type TrainResult } from '../train/loop.js';
import { writeFileAtomic } from '../train/files.js';
import { withRunFolderLock, type RunFolderLock } from '../train/lock.js';
import { Generator } from '../random.js';
import type { Device } from '../tensor.js';

/** The kinds fit tries by default: the supervised-only baseline, the semi-supervised kinds that train in one stage,
 *  and VIME, made for tables (M1 and M1+M2 spend most of a small budget on a first stage that classifies nothing). */
export const FIT_KINDS: readonly string[] = ['supervised', 'ssae', 'm2', 'ladder', 'ssgan', 'vime'];

export interface FitOptions {
  /** the run folder of the chosen model; the folds' runs go under <outDir>/cv/ */
  outDir: string;
  /** candidate kinds (default FIT_KINDS); each must be semi-supervised */
  kinds?: readonly string[];
  /** folds of the labelled rows (default 3; fewer when a class has fewer labelled rows) */
  folds?: number;
  /** wall seconds for the whole fit, cross-validation and final training (default 600) */
  budgetSeconds?: number;
  seed?: number;
  device?: Device;
  /** average the kinds the folds cannot tell from the best one (default true); false: the best one alone */
  ensemble?: boolean;
  /** shift an ensemble's averaged class probabilities to the class prior of the unlabelled rows, estimated from them
   *  (default true); false: leave them as learnt. One kind's are left so: estimated from one kind's probabilities
   *  after a few labels, the prior can run away to a single class (docs/experiments.md) */
  priorShift?: boolean;
  /** at most this many steps a fold run (default: each kind's default length for the data) */
  maxSteps?: number;
  /** measured for the leaderboard, never used to choose */
  test?: DataSplit | null;
  /** start afresh in an outDir that already holds a fit */
  overwrite?: boolean;
  /** what fit is doing, for a progress display */
  onProgress?: (message: string) => void;
  /** hears what fit goes on despite, e.g. a stale lock of a folder taken over (default: a `warning:` line on stderr) */
  onWarning?: (message: string) => void;
  /** aborting stops the fit after the current step of the current run */
  signal?: AbortSignal;
  /** how the user's files were read, saved in the final run (see train()'s data.read) */
  read?: DataRead;
  /** more to save in the final run's config.json, and more files for its folder (e.g. schema.json) */
  extra?: Record<string, unknown>;
  files?: Record<string, string>;
}

/** One candidate's line of the leaderboard. */
export interface FitEntry {
  kind: string;
  /** mean and standard deviation of the held-out fold errors; null when the budget allowed no run */
  cvError: number | null;
  cvErrorStd: number | null;
  /** each fold's error at the chosen epoch */
  foldErrors: number[];
  /** the mean held-out cross-entropy (nats per row) at the chosen epoch: breaks ties of cvError, which takes few
   *  values on a few labelled rows */
  cvCrossEntropy: number | null;
  /** the epoch of the curve's lowest point, and its steps (the folds' mean) */
  bestEpoch: number | null;
  bestStep: number | null;
  /** steps each fold's run was allowed, and the kind's default length for the data */
  steps: number;
  defaultSteps: number;
  /** the budget cut the runs short while their curve was still falling (its lowest point at their last epoch) */
  cutShort: boolean;
  seconds: number;
  /** the mean test error of the fold models at the chosen epoch (a test split given), for comparison only */
  testError: number | null;
  /** why a candidate was not run or stopped short, or null */
  note: string | null;
}

export interface FitResult {
  /** the chosen model, trained on every labelled row; the caller disposes it */
  model: TrainableModel;
  /** the chosen kind, or 'ensemble' where the folds could not tell several apart (see members) */
  kind: string;
  /** the factors the run's p(y|x) is multiplied by for the unlabelled rows' class prior, or null (none shifted) */
  priorShift: number[] | null;
  /** the kinds trained on every labelled row: the chosen one, or an ensemble's members, best fold error first */
  members: string[];
  /** sorted by cvError (candidates that did not run last) */
  leaderboard: FitEntry[];
  /** the final run: its folder, the steps it took and those planned (fewer when the budget ran out; an ensemble's:
   *  its members' together), and its result (test metrics when a test split was given) */
  run: { outDir: string; steps: number; planned: number; result: TrainResult };
  seconds: number;
}

/** Share of a run's allowed time its steps may take: the rest is evaluation, checkpoints and noise. */
const STEP_SHARE = 0.75;
/** Steps of the timing probe each candidate takes before its folds. */
const PROBE_STEPS = 8;
/** A candidate the budget allows fewer steps than this is not run: its error would say nothing. */
const MIN_STEPS = 200;

/** fit() stopped by its abort signal: nothing was chosen or saved as the chosen model. */
export class FitStopped extends Error {}

export async function fit(data: LabelledData, options: FitOptions): Promise<FitResult> {
  const started = performance.now();
  const o = checkFitOptions(data, options);
  // the fit folder is this fit's throughout: its cv/ folder, the final run (which takes the lock it is given) and
  // leaderboard.json
  return withRunFolderLock(o.outDir, o.onWarning, (lock) => fitIn(lock, data, o, started));
}

async function fitIn(lock: RunFolderLock, data: LabelledData, o: CheckedFit, started: number): Promise<FitResult> {
  // seconds spent on the test rows are left out of the budget: the test split must not change how long anything
  // trains, and so what is chosen
  let testSeconds = 0;
  const elapsed = (): number => (performance.now() - started) / 1000 - testSeconds;
  const say = o.onProgress ?? ((): void => {});
  const stopped = (when: string): FitStopped => new FitStopped(`fit: stopped ${when}; no model was chosen`);
  const stopIfAborted = (when: string): void => {
    if (o.signal?.aborted) throw stopped(when);
  };
  const labelled = data.train;
  const folds = stratifiedFolds(labelled.labels, o.folds, o.seed);
  const cvDir = join(o.outDir, 'cv');
  prepareFitFolder(o.outDir, cvDir, o.overwrite === true);

  // time: the probes first, then the time left shared equally by the runs still to come (the final run included), so
  // that what a run shorter than its share leaves goes to the runs after it
  const probes = new Map<string, number>();
  for (const kind of o.kinds) {
    probes.set(kind, await secondsPerStep(kind, data, cvDir, o));
    stopIfAborted('while timing the models');
  }
  let runsLeft = o.kinds.length * o.folds + 1;
  say(`fit: ${o.kinds.length} models × ${o.folds} folds of ${labelledRows(labelled).length} labelled rows, ` +
    `about ${((o.budgetSeconds - elapsed()) / runsLeft).toFixed(0)} s a run at most`);

  const leaderboard: FitEntry[] = [];
  const configs = new Map<string, ModelConfig>();
  for (const kind of o.kinds) {
    const spec = kindSpec(kind);
    const batchSize = Math.min(spec.batchSize, labelled.count - Math.max(...folds.map((f) => f.length)));
    const stepsPerEpoch = Math.max(1, Math.floor((labelled.count - folds[0].length) / batchSize));
    const wanted = Math.min(defaultEpochs(spec, stepsPerEpoch) * stepsPerEpoch, o.maxSteps ?? Infinity);
    const perRun = Math.max(1, (o.budgetSeconds - elapsed()) / runsLeft);
    const affordable = Math.floor((perRun * STEP_SHARE) / (probes.get(kind) as number));
    const steps = Math.min(wanted, affordable);
    const entry: FitEntry = {
      kind, cvError: null, cvErrorStd: null, foldErrors: [], cvCrossEntropy: null, bestEpoch: null, bestStep: null, steps,
      defaultSteps: wanted, cutShort: false, seconds: 0, testError: null,
      note: steps < wanted ? `budget allowed ${steps} of its ${wanted} default steps` : null,
    };
    leaderboard.push(entry);
    runsLeft -= o.folds;
    if (steps < MIN_STEPS) {
      entry.note = `not run: the budget allows ${steps} steps, fewer than ${MIN_STEPS}`;
      continue;
    }
    const config = fitModelConfig(spec, data, steps);
    configs.set(kind, config);
    const t0 = performance.now();
    const curves: EpochRecord[][] = [];
    let validFrom = 0;
    for (let f = 0; f < o.folds; f++) {
      if (o.signal?.aborted) break;
      say(`fit: ${kind}, fold ${f + 1} of ${o.folds} (${steps} steps at most)`);
      const foldDir = join(cvDir, `${kind}-fold${f + 1}`);
      const run = await trainOn(config, {
        train: withoutRows(labelled, folds[f]), validation: subsetRows(labelled, folds[f]), test: o.test ?? null,
      }, {
        steps, batchSize, seed: o.seed + f, outDir: foldDir, maxSeconds: perRun * 3, o,
        onTest: (seconds) => {
          testSeconds += seconds;
        },
      });
      validFrom = run.validFrom;
      curves.push(run.epochs);
      removeCheckpoints(foldDir, 'best.safetensors');
    }
    entry.seconds = (performance.now() - t0) / 1000;
    const chosen = curves.length === o.folds ? lowestPoint(curves, validFrom) : null;
    if (chosen === null) {
      entry.note = o.signal?.aborted ? 'stopped' : 'no epoch that every fold reached';
    } else {
      const at = curves.map((c) => c[chosen]);
      entry.foldErrors = at.map((r) => r.validation_error);
      entry.cvError = mean(entry.foldErrors);
      entry.cvErrorStd = std(entry.foldErrors);
      entry.cvCrossEntropy = mean(at.map((r) => r.validation_cross_entropy));
      entry.bestEpoch = at[0].epoch;
      entry.bestStep = Math.round(mean(at.map((r) => r.step)));
      entry.testError = at.every((r) => r.test_error !== undefined) ? mean(at.map((r) => r.test_error as number)) : null;
      entry.cutShort = steps < wanted && chosen === Math.min(...curves.map((c) => c.length)) - 1;
    }
    say(`fit: ${kind}: fold error ${entry.cvError === null ? '-' : (100 * entry.cvError).toFixed(2)}%`);
  }
  stopIfAborted('during cross-validation');
  leaderboard.sort((a, b) => (a.cvError ?? Infinity) - (b.cvError ?? Infinity) ||
    (a.cvCrossEntropy ?? Infinity) - (b.cvCrossEntropy ?? Infinity) || a.seconds - b.seconds);
  const winner = leaderboard[0];
  if (winner.cvError === null) {
    throw new Error(`fit: no model finished its folds within the budget of ${o.budgetSeconds} s; give a larger budget`);
  }

  // the kinds the folds cannot tell from the winner, each on every labelled row as long as its curve says, and their
  // class probabilities averaged where there are several; a curve the budget cut while still falling is followed to
  // the kind's default length, as far as the time left allows (its run-derived options stretched alike)
  const chosen = o.ensemble === false ? [winner] : ensembleMembers(leaderboard, o.folds);
  say(chosen.length === 1 ? `fit: chose ${winner.kind}`
    : `fit: the folds cannot tell ${chosen.map((e) => e.kind).join(', ')} apart; their class probabilities will be averaged`);
  // each member's steps at its probed speed; a curve the budget cut short shares what the others leave
  const need = (kind: string, steps: number): number => (steps * (probes.get(kind) as number)) / STEP_SHARE;
  const plans = chosen.map((entry) => ({
    kind: entry.kind, steps: Math.max(1, entry.bestStep as number), config: configs.get(entry.kind) as ModelConfig,
  }));
  const cut = chosen.filter((e) => e.cutShort);
  const spare = o.budgetSeconds - elapsed() - plans.reduce((t, p) => t + need(p.kind, p.steps), 0);
  for (const [i, entry] of chosen.entries()) {
    if (!entry.cutShort || spare <= 0) continue;
    const plan = plans[i];
    const longer = Math.min(entry.defaultSteps, plan.steps + Math.floor(((spare / cut.length) * STEP_SHARE) / (probes.get(entry.kind) as number)));
    if (longer > plan.steps) {
      plan.steps = longer;
      plan.config = fitModelConfig(kindSpec(entry.kind), data, longer);
    }
  }
  const planned = plans.reduce((n, p) => n + p.steps, 0);
  const finalOptions = {
    seed: o.seed, device: o.device, overwrite: true, progress: 'none' as const, signal: o.signal, evalEvery: 1e9, onWarning: o.onWarning,
  };
  const extra = { ...o.extra, fit: { leaderboard, ...(chosen.length > 1 ? { members: chosen.map((e) => e.kind) } : {}) } };
  const kind = chosen.length === 1 ? winner.kind : 'ensemble';
  const assembled = chosen.length > 1;
  const trainedPrior = assembled && o.priorShift !== false ? labelledPrior(labelled, data.classes) : null;
  const model = createModel(!assembled ? plans[0].config
    : { kind: 'ensemble', inputSize: data.train.features, classes: data.classes, members: plans.map((p) => p.config) },
  { generator: new Generator(o.seed), device: o.device });
  const finalData = (test: DataSplit | null): Data => ({ name: data.name, read: o.read, train: labelled, test });
  const batchSize = (k: string): number => Math.min(kindSpec(k).batchSize, labelled.count);
  // null: the fit was stopped before its chosen model was whole
  let result: TrainResult | null = null;
  let steps = 0;
  let memberSeconds = 0;
  let shift: number[] | null = null;
  try {
    if (!assembled) {
      say(`fit: ${winner.kind} on all ${labelledRows(labelled).length} labelled rows, ${plans[0].steps} steps`);
      const run = await train(model, finalData(o.test ?? null), {
        ...finalOptions, steps: plans[0].steps, batchSize: batchSize(winner.kind), outDir: o.outDir,
        maxSeconds: Math.max(1, o.budgetSeconds - elapsed()), lock, extra, files: o.files,
      });
      steps = run.step;
      if (run.stopped !== 'aborted') result = run;
    } else {
      const members = (model as Ensemble).members;
      for (const [i, plan] of plans.entries()) {
        say(`fit: ${plan.kind} on all ${labelledRows(labelled).length} labelled rows, ${plan.steps} steps (member ${i + 1} of ${plans.length})`);
        const folder = join(o.outDir, 'members', plan.kind);
        const run = await train(members[i], finalData(null), {
          ...finalOptions, steps: plan.steps, batchSize: batchSize(plan.kind), outDir: folder,
          // the time left shared by the members still to train in proportion to what each needs
          maxSeconds: Math.max(1, ((o.budgetSeconds - elapsed()) * need(plan.kind, plan.steps)) /
            plans.slice(i).reduce((t, p) => t + need(p.kind, p.steps), 0)),
          checkpointEvery: 1e9,
        });
        memberSeconds += run.seconds;
        // the ensemble's checkpoint holds the member's weights
        removeCheckpoints(folder);
        steps += run.step;
        if (run.stopped === 'aborted') break;
      }
      if (!o.signal?.aborted && trainedPrior !== null) {
        shift = unlabelledPriorShift(model as Ensemble, labelled, trainedPrior);
        say(`fit: class prior of the unlabelled rows: ${shift.map((w) => w.toFixed(2)).join(', ')} times the labelled rows'`);
      }
      if (!o.signal?.aborted) {
        result = await saveModelRun(model, finalData(o.test ?? null), {
          ...finalOptions, steps, seconds: memberSeconds, batchSize: Math.min(100, labelled.count), outDir: o.outDir, lock, extra,
          files: o.files,
        });
      }
    }
  } catch (e) {
    disposeModel(model);
    throw e;
  }
  if (result === null) {
    disposeModel(model);
    // a final run stopped part way is no chosen model: eval must not open it
    removeCheckpoints(o.outDir, 'config.json');
    throw stopped(`during the final run of ${kind}, at step ${steps} of ${planned}`);
  }
  const members = chosen.map((e) => e.kind);
  const seconds = elapsed();
  const board = `${JSON.stringify({
    chosen: kind, ...(chosen.length > 1 ? { members } : {}), priorShift: shift, steps, planned, seconds, leaderboard, test: result.test,
  }, null, 2)}\n`;
  writeFileAtomic(join(o.outDir, 'leaderboard.json'), Buffer.from(board));
  return { model, kind, members, priorShift: shift, leaderboard, run: { outDir: o.outDir, steps, planned, result }, seconds };
}

/**
 * The kinds whose fold errors are too close to the best one's to tell apart, by a rule of thumb: within two standard
 * errors of the difference of the two means, each fold's error counted as one sample of its kind (the folds are the
 * same for every kind, so this is cautious, and with 3 folds rough), lowest fold error first. With a few labelled rows
 * in each fold this is often several kinds; picking one of them would rest on noise.
 */
export function ensembleMembers(board: readonly FitEntry[], folds: number): FitEntry[] {
  const ran = board.filter((e) => e.cvError !== null).sort((a, b) => (a.cvError as number) - (b.cvError as number));
  if (ran.length === 0) return [];
  const best = ran[0];
  const sd = (e: FitEntry): number => e.cvErrorStd ?? 0;
  return ran.filter((e) => e === best ||
    (e.cvError as number) - (best.cvError as number) <= 2 * Math.sqrt((sd(e) ** 2 + sd(best) ** 2) / folds));
}

type CheckedFit = Required<Pick<FitOptions, 'outDir' | 'folds' | 'budgetSeconds' | 'seed' | 'device' | 'onWarning'>> & FitOptions &
  { kinds: readonly string[] };

function checkFitOptions(data: LabelledData, options: FitOptions): CheckedFit {
  if (options === null || typeof options !== 'object') throw new Error('fit: options must be an object');
  if (typeof options.outDir !== 'string' || options.outDir === '') throw new Error('fit: outDir must be a folder path');
  const kinds = options.kinds ?? FIT_KINDS;
  if (!Array.isArray(kinds) || kinds.length === 0) throw new Error('fit: kinds must list at least one model kind');
  for (const k of kinds) {
    const spec = kindSpec(k); // an unknown kind is an Error listing the kinds
    if (!MODEL_KINDS.includes(k)) throw new Error(`fit: ${k} is not trained but built (fit builds one itself)`);
    if (!spec.semiSupervised) throw new Error(`fit: ${k} does not classify; fit chooses among the classifiers`);
  }
  if (new Set(kinds).size !== kinds.length) throw new Error('fit: kinds lists a model twice');
  const budgetSeconds = options.budgetSeconds ?? 600;
  if (typeof budgetSeconds !== 'number' || !(budgetSeconds > 0) || !Number.isFinite(budgetSeconds)) {
    throw new Error(`fit: budgetSeconds must be a positive number, got ${String(budgetSeconds)}`);
  }
  if (options.maxSteps !== undefined && (!Number.isSafeInteger(options.maxSteps) || options.maxSteps < 1)) {
    throw new Error(`fit: maxSteps must be a positive integer, got ${String(options.maxSteps)}`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`fit: seed must be a non-negative integer, got ${String(seed)}`);
  if (data.classes < 2) throw new Error(`fit: ${data.name} needs labelled rows of at least 2 classes`);
  // as many folds as asked, but no more than the smallest class has labelled rows (each fold needs one of each)
  const counts = new Map<number, number>();
  for (const l of data.train.labels) if (!Number.isNaN(l)) counts.set(l, (counts.get(l) ?? 0) + 1);
  const smallest = Math.min(...counts.values());
  const asked = options.folds ?? 3;
  if (!Number.isInteger(asked) || asked < 2) throw new Error(`fit: folds must be an integer of at least 2, got ${String(asked)}`);
  const folds = Math.min(asked, smallest);
  if (folds < 2) {
    throw new Error(`fit: a class of ${data.name} has ${smallest} labelled row; cross-validation needs at least 2 of each class ` +
      '(give more labels)');
  }
  const onWarning = options.onWarning ?? ((message: string): void => {
    process.stderr.write(`warning: ${message}\n`);
  });
  return { ...options, kinds, folds, budgetSeconds, seed, device: options.device ?? 'cpu', onWarning };
}

/**
 * The labelled rows' class frequencies, the prior the members learnt; null where no prior can be estimated against it:
 * the split has no unlabelled row, or a class no labelled row (never learnt, its factor would divide by 0).
 */
function labelledPrior(split: DataSplit, classes: number): number[] | null {
  const counts = new Array<number>(classes).fill(0);
  let labelled = 0;
  for (const l of split.labels) {
    if (Number.isNaN(l)) continue;
    counts[l]++;
    labelled++;
  }
  if (labelled === split.count || counts.some((n) => n === 0)) return null;
  return counts.map((n) => n / labelled);
}

/** Rows classified at a time when estimating the prior. */
const CHUNK = 4096;

/**
 * Sets the ensemble's prior shift to the class prior of the split's unlabelled rows, estimated from its own p(y|x) on
 * them (models/ensemble.ts priorShift), against `trained`, the labelled rows' class frequencies; returns it.
 */
function unlabelledPriorShift(model: Ensemble, split: DataSplit, trained: number[]): number[] {
  const rows: number[] = [];
  for (let i = 0; i < split.count; i++) if (Number.isNaN(split.labels[i])) rows.push(i);
  const k = trained.length;
  const p = new Float32Array(rows.length * k);
  model.module.eval();
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = subsetRows(split, rows.slice(start, start + CHUNK));
    p.set(tidy(() => noGrad(() => model.classify(fromArray(chunk.x, [chunk.count, chunk.features], { device: model.device })).toArray())), start * k);
  }
  const shift = priorShift(p, rows.length, trained);
  model.setPriorShift(shift);
  return shift;
}

/** Removes a run folder's checkpoints (the last and the one before it) and the other files named. */
function removeCheckpoints(folder: string, ...others: string[]): void {
  for (const file of ['checkpoint.safetensors', 'checkpoint.prev.safetensors', ...others]) rmSync(join(folder, file), { force: true });
}

/** A fit folder is fit's own: an earlier fit there is replaced only with overwrite. */
function prepareFitFolder(outDir: string, cvDir: string, overwrite: boolean): void {
  const earlier = ['checkpoint.safetensors', 'leaderboard.json', 'metrics.jsonl', 'cv', 'members'].filter((f) => existsSync(join(outDir, f)));
  if (earlier.length > 0 && !overwrite) {
    throw new Error(`${outDir} already holds a run (${earlier.join(', ')}); start afresh with --overwrite (fit()'s overwrite ` +
      'option), or choose another --out folder');
  }
  for (const f of earlier) rmSync(join(outDir, f), { recursive: true, force: true });
  mkdirSync(cvDir, { recursive: true });
}

/** The config fit gives a kind: the data's classes and its table likelihood, sizes for its width, its run-derived
 *  options for `steps` steps, and otherwise the kind's defaults. */
export function fitModelConfig(spec: KindSpec, data: LabelledData, steps: number): ModelConfig {
  const given: Record<string, unknown> = { classes: data.classes };
  if (data.schema !== undefined && 'likelihood' in spec.schema) given.likelihood = tableLikelihood(data.schema);
  // arrays beyond [0, 1], which a Bernoulli likelihood (the default for arrays) refuses, are modelled as Gaussian
  else if ('likelihood' in spec.schema && outsideUnitRange({ kind: 'bernoulli' }, data.train.x, data.train.features) !== null) {
    given.likelihood = { kind: 'gaussian', variance: 'learned' };
  }
  sizesForInput(spec, data.train.features, given);
  spec.runOptions?.({ steps, lrDecay: spec.lrDecay, saved: null }, given);
  return defaultConfig(spec.kind, data.train.features, given);
}

/** Seconds per training step of a kind on this data and machine: a few steps timed after one to warm up. */
async function secondsPerStep(kind: string, data: LabelledData, cvDir: string, o: CheckedFit): Promise<number> {
  const spec = kindSpec(kind);
  // a staged kind's run-derived split falls inside the probe, so both stages are timed
  const config = fitModelConfig(spec, data, PROBE_STEPS + 1);
  const batchSize = Math.min(spec.batchSize, data.train.count);
  let first = 0;
  let last = 0;
  await trainOn(config, { train: data.train, validation: null, test: null }, {
    steps: PROBE_STEPS + 1, batchSize, seed: o.seed, outDir: join(cvDir, `${kind}-probe`), o,
    onStep: (step) => {
      if (step === 1) first = performance.now();
      last = performance.now();
    },
  });
  rmSync(join(cvDir, `${kind}-probe`), { recursive: true, force: true });
  return Math.max(1e-4, (last - first) / 1000 / PROBE_STEPS);
}

/** A fold run's evaluation at an epoch end (or at its last step): its validation and test metrics. */
interface EpochRecord {
  epoch: number;
  step: number;
  validation_error: number;
  validation_cross_entropy: number;
  test_error?: number;
}

/**
 * The index of the epoch where the folds' mean validation error is lowest (mean cross-entropy breaking ties), over
 * the epochs every fold reached after `validFrom` steps; null when there is none.
 */
export function lowestPoint(curves: EpochRecord[][], validFrom: number): number | null {
  const reached = Math.min(...curves.map((c) => c.length));
  let best: number | null = null;
  let bestError = Infinity;
  let bestEntropy = Infinity;
  for (let e = 0; e < reached; e++) {
    if (curves.some((c) => c[e].step <= validFrom)) continue; // still the first stage, its last step included
    const error = mean(curves.map((c) => c[e].validation_error));
    const entropy = mean(curves.map((c) => c[e].validation_cross_entropy));
    if (error < bestError || (error === bestError && entropy < bestEntropy)) {
      best = e;
      bestError = error;
      bestEntropy = entropy;
    }
  }
  return best;
}

/**
 * One training run of a config on the splits given, without progress output, evaluating the validation (and test)
 * rows at every epoch end; the model is freed after. No patience: the curve is read across folds, and one fold's few
 * rows must not cut it short for the others; the step budget bounds the run.
 */
async function trainOn(config: ModelConfig, splits: { train: DataSplit; validation: DataSplit | null; test: DataSplit | null },
  run: {
    steps: number; batchSize: number; seed: number; outDir: string; maxSeconds?: number; o: CheckedFit;
    onStep?: (step: number) => void; onTest?: (seconds: number) => void;
  }):
  Promise<{ result: TrainResult; epochs: EpochRecord[]; validFrom: number }> {
  const model = createModel(config, { generator: new Generator(run.seed), device: run.o.device });
  const epochs: EpochRecord[] = [];
  try {
    const result = await train(model, { train: splits.train, test: splits.test, validation: splits.validation }, {
      steps: run.steps, batchSize: run.batchSize, seed: run.seed, outDir: run.outDir, device: run.o.device, overwrite: true,
      progress: 'none', signal: run.o.signal, maxSeconds: run.maxSeconds, evalEvery: 1, checkpointEvery: 1e9, onWarning: run.o.onWarning,
      ...(splits.validation === null ? {} : { monitor: 'error' }),
      onEvent: (e) => {
        if (e.type === 'step') run.onStep?.(e.step);
        if (e.type === 'eval') run.onTest?.(e.seconds);
        const r = e.type === 'record' ? e.record : null;
        if (r !== null && (r.kind === 'epoch' || r.kind === 'end') && typeof r.validation_error === 'number') {
          epochs.push({
            epoch: r.epoch, step: r.step, validation_error: r.validation_error, validation_cross_entropy: r.validation_cross_entropy as number,
            ...(typeof r.test_error === 'number' ? { test_error: r.test_error } : {}),
          });
        }
      },
    });
    return { result, epochs, validFrom: model.validFromStep ?? 0 };
  } finally {
    disposeModel(model);
  }
}

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

function std(v: number[]): number {
  if (v.length < 2) return 0;
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
}
