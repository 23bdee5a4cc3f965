// A trained run folder as the CLI commands see it: its config.json, checkpoint (the best epoch's, where validation
// rows chose one) and (for a table) schema.json rebuilt into a model with its weights, the data it was trained on loaded again (or from --data) through the same schema,
// and the rows an evaluation measures, named for what they are.
import { existsSync } from 'node:fs';
import { readJsonBounded } from '../data/read.js';
import { join } from 'node:path';
import { resolve } from 'node:path';
import { isTablePath, loadDataset, loadFileDataset } from '../data/load.js';
import { isDatasetName } from '../data/resolve.js';
import { stderrProgress } from '../data/download.js';
import { makeSplit, type DataSplit, type LabelledData } from '../data/dataset.js';
import { encodeTable, rawSchema, type TableSchema } from '../data/schema.js';
import { readTable } from '../data/table.js';
import { labelledRows, subsetRows, withLabelsOnly, withoutRows } from '../data/subset.js';
import { createModel, disposeModel } from '../models/registry.js';
import type { ModelConfig, TrainableModel } from '../train/contract.js';
import type { DataRead } from '../train/options.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { BEST_CHECKPOINT } from '../train/loop.js';
import { Generator } from '../random.js';
import type { Device } from '../tensor.js';
import { UsageError } from './args.js';

export interface OpenRun {
  dir: string;
  config: Record<string, unknown>;
  modelConfig: ModelConfig;
  /** the data's name as trained: a dataset name or a file path */
  dataName: string;
  /** how its files were read: the test file, the label column, the delimiter ({} for a named dataset) */
  read: DataRead;
  /** a table's schema (schema.json), for runs trained on a table */
  schema: TableSchema | undefined;
  seed: number;
  step: number;
  /** the checkpoint the weights came from: best.safetensors where validation rows chose an epoch */
  checkpoint: string;
  model: TrainableModel;
  dispose(): void;
}

/** Loads a run folder's config and checkpoint (its best one, where it has one); errors name the folder and what is
 *  missing. */
export function openRun(dir: string, device: Device = 'cpu'): OpenRun {
  const configPath = join(dir, 'config.json');
  const bestPath = join(dir, BEST_CHECKPOINT);
  const checkpointPath = existsSync(bestPath) ? bestPath : join(dir, 'checkpoint.safetensors');
  if (!existsSync(dir)) throw new UsageError(`run folder ${dir} does not exist`);
  if (!existsSync(configPath)) throw new UsageError(`${dir} is not a run folder: ${configPath} is missing`);
  if (!existsSync(checkpointPath)) throw new UsageError(`${dir} has no checkpoint yet (${checkpointPath} is missing)`);
  const config = readRunJson(configPath, 'a run\'s config.json') as Record<string, unknown>;
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new UsageError(`${configPath}: not a run's config (a JSON object)`);
  const state = loadCheckpoint(checkpointPath);
  // the checkpoint holds the config it was trained with: config.json must say the same of the model, its data and seed
  for (const key of ['model', 'data', 'seed']) {
    if (JSON.stringify(config[key]) !== JSON.stringify(state.config[key])) {
      throw new UsageError(`${configPath}: its ${key} differs from the one ${checkpointPath} was trained with (was the file edited?)`);
    }
  }
  const modelConfig = state.config.model as ModelConfig;
  const data = state.config.data as { name?: string; read?: DataRead } | undefined;
  const schema = readSchema(dir);
  const seed = typeof state.config.seed === 'number' ? state.config.seed : 0;
  const model = createModel(modelConfig, { generator: new Generator(seed), device });
  try {
    model.module.loadStateDict(state.model);
  } catch (e) {
    disposeModel(model);
    throw new Error(`${checkpointPath}: ${(e as Error).message}`);
  }
  model.module.eval();
  return {
    dir, config, modelConfig, dataName: data?.name ?? 'unnamed', read: data?.read ?? {}, schema, seed,
    step: state.step, checkpoint: checkpointPath, model,
    dispose: () => disposeModel(model),
  };
}

/** The run's schema.json, or undefined when it has none (images, arrays). */
function readSchema(dir: string): TableSchema | undefined {
  const path = join(dir, 'schema.json');
  if (!existsSync(path)) return undefined;
  const schema = readRunJson(path, 'a table schema') as TableSchema;
  if (schema?.format !== 'semigen-table-schema-1' || !Array.isArray(schema.columns)) {
    throw new UsageError(`${path}: cannot be read (not a semigen table schema)`);
  }
  return schema;
}

/** A JSON file of a run folder, read bounded; a file that cannot be read or parsed is a one-line usage error. */
export function readRunJson(path: string, what: string): unknown {
  try {
    return readJsonBounded(path, what);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The named dataset, or the user's file, a run was trained on; `dataOverride` is --data. */
export async function loadRunData(dataName: string, dataOverride: string | undefined, quiet: boolean): Promise<LabelledData> {
  if (isDatasetName(dataName)) {
    return loadDataset(dataName, { dataDir: dataOverride, onProgress: quiet ? undefined : stderrProgress() });
  }
  return loadDataset(dataOverride ?? dataName, {});
}

/**
 * A file of rows for a run's model (predict, encode, reconstruct, eval --data): a table read with the run's schema,
 * or, for a run trained on images or arrays, a table of numbers taken as they are (labels as class indices), or a
 * .npy array; labelColumn: the file's label column where it is not the run's.
 */
export async function loadRunInput(run: OpenRun, path: string, labelColumn = run.read.labelColumn): Promise<DataSplit> {
  const delimiter = run.read.delimiter;
  let input: DataSplit;
  if (run.schema === undefined && isTablePath(path)) {
    const table = await readTable(path, { delimiter });
    const classes = (run.model as { classes?: number }).classes ?? 0;
    const encoded = encodeTable(rawSchema(table, { labelColumn, classes }), table);
    input = makeSplit(encoded.x, encoded.labels, encoded.features, path);
  } else {
    input = (await loadFileDataset(path, { schema: run.schema, labelColumn, delimiter })).train;
  }
  if (input.features !== run.modelConfig.inputSize) {
    throw new UsageError(`${path} has ${input.features} features per row, the model takes ${run.modelConfig.inputSize}`);
  }
  return input;
}

/** The row indices a run folder's labels.json or validation.json holds; null when it has no such file. */
function savedRows(run: OpenRun, name: 'labels.json' | 'validation.json', count: number): number[] | null {
  const path = join(run.dir, name);
  if (!existsSync(path)) return null;
  const rows = (readRunJson(path, `a run's ${name}`) as { rows?: unknown } | null)?.rows;
  if (!Array.isArray(rows) || !rows.every((r) => Number.isSafeInteger(r) && r >= 0 && r < count)) {
    throw new UsageError(`${path}: holds no list of rows of the training file's ${count}`);
  }
  return rows as number[];
}

/** The run's training rows as it trained on them: only the labels it kept (labels.json's rows, when --labels chose
 *  them), without the rows held out for validation (validation.json's). */
function trainedLabels(run: OpenRun, train: DataSplit): DataSplit {
  const labelled = savedRows(run, 'labels.json', train.count);
  const kept = labelled === null ? train : withLabelsOnly(train, labelled);
  const held = heldRows(run, train.count);
  return held === null ? kept : withoutRows(kept, held);
}

/** The rows a run held out for validation (a fraction of its training file, or a file), or null when it has none. */
async function validationRows(run: OpenRun): Promise<EvaluationRows | null> {
  if (run.read.validation !== undefined) {
    return { split: await loadRunInput(run, run.read.validation), name: 'validation', describe: `the validation rows of ${run.read.validation}` };
  }
  if (!existsSync(join(run.dir, 'validation.json'))) return null;
  const train = await loadRunInput(run, run.dataName);
  const held = heldRows(run, train.count);
  if (held === null) return null;
  return { split: subsetRows(train, held), name: 'validation', describe: `the ${held.length} ${VALIDATION_ROWS} of ${run.dataName}` };
}

/** validation.json's rows, when the run's config says it held that many out (a file the run did not write is an
 *  error, not a choice of rows). */
function heldRows(run: OpenRun, count: number): number[] | null {
  const held = savedRows(run, 'validation.json', count);
  if (held === null) return null;
  const said = (run.config.data as { validationRows?: unknown } | undefined)?.validationRows;
  if (said !== held.length) {
    throw new UsageError(`${join(run.dir, 'validation.json')}: lists ${held.length} rows, but the run's config.json says it held out ` +
      `${String(said ?? 0)}; it belongs to another run`);
  }
  return held;
}

/** What validation rows are called in words. */
export const VALIDATION_ROWS = 'validation rows (held out of training, used to choose the best epoch)';

/** What the rows a run trained on are called in words, by their metrics' prefix. */
export const TRAINING_ROWS = { train: 'training rows', train_labelled: 'labelled training rows' } as const;

/**
 * The rows a run without held-out rows is measured on: a semi-supervised model's labelled training rows
 * (train_labelled), any other model's every training row (train); null when a semi-supervised model has none.
 */
export function trainingRows(train: DataSplit, semiSupervised: boolean): { split: DataSplit; name: keyof typeof TRAINING_ROWS } | null {
  if (!semiSupervised) return { split: train, name: 'train' };
  const rows = labelledRows(train);
  return rows.length === 0 ? null : { split: subsetRows(train, rows), name: 'train_labelled' };
}

/** The rows an evaluation measures and their name: what the metrics are prefixed with, and words for people. */
export interface EvaluationRows {
  split: DataSplit;
  /** 'test' (never trained on), 'train_labelled' or 'train' */
  name: string;
  describe: string;
}

/**
 * What `semigen eval` measures: a named dataset's test split; a file given with --data (test rows, unless it is
 * the training file itself); the run's test file; else the training rows it learnt from, named so.
 */
export async function evaluationRows(run: OpenRun, dataOverride: string | undefined, quiet: boolean, semiSupervised: boolean):
  Promise<EvaluationRows> {
  const trainedOn = (name: string, train: DataSplit): EvaluationRows => {
    const rows = trainingRows(train, semiSupervised);
    if (rows === null) throw new UsageError(`${name}: has no labelled row to evaluate on`);
    return { ...rows, describe: `the ${TRAINING_ROWS[rows.name]} of ${name}` };
  };
  if (isDatasetName(run.dataName)) {
    const data = await loadRunData(run.dataName, dataOverride, quiet);
    return { split: data.test as DataSplit, name: 'test', describe: `the test split of ${data.name}` };
  }
  if (dataOverride !== undefined) {
    const split = await loadRunInput(run, dataOverride);
    if (resolve(dataOverride) === resolve(run.dataName)) return trainedOn(dataOverride, trainedLabels(run, split));
    const unlabelled = split.count - labelledRows(split).length;
    if (semiSupervised && unlabelled > 0) {
      throw new UsageError(`${dataOverride}: ${unlabelled} of its ${split.count} rows have no label; every row of a file to ` +
        'evaluate on needs one');
    }
    return { split, name: 'test', describe: `the rows of ${dataOverride}` };
  }
  if (run.read.test !== undefined) {
    return { split: await loadRunInput(run, run.read.test), name: 'test', describe: `the rows of ${run.read.test}` };
  }
  const validation = await validationRows(run);
  if (validation !== null) return validation;
  return trainedOn(run.dataName, trainedLabels(run, await loadRunInput(run, run.dataName)));
}

/** Narrows a model to one offering `method`, else a one-line error naming the model kind. */
export function requireMethod<K extends string>(model: TrainableModel, method: K, command: string):
  TrainableModel & Record<K, (...args: never[]) => unknown> {
  if (typeof (model as unknown as Record<string, unknown>)[method] !== 'function') {
    throw new UsageError(`${command}: the ${model.config.kind} model has no ${method}()`);
  }
  return model as TrainableModel & Record<K, (...args: never[]) => unknown>;
}
