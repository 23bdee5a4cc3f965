// A trained run folder as the CLI commands see it: its config.json and checkpoint rebuilt into a model with its
// weights, and the data it was trained on loaded again (or from --data).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../data/load.js';
import { stderrProgress } from '../data/download.js';
import type { LabelledData } from '../data/dataset.js';
import { createModel, disposeModel } from '../models/registry.js';
import type { ModelConfig, TrainableModel } from '../train/contract.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { Generator } from '../random.js';
import type { Device } from '../tensor.js';
import { UsageError } from './args.js';

export interface OpenRun {
  dir: string;
  config: Record<string, unknown>;
  modelConfig: ModelConfig;
  /** the data's name as trained: a dataset name or a file path */
  dataName: string;
  seed: number;
  step: number;
  model: TrainableModel;
  dispose(): void;
}

/** Loads a run folder's config and checkpoint; errors name the folder and what is missing. */
export function openRun(dir: string, device: Device = 'cpu'): OpenRun {
  const configPath = join(dir, 'config.json');
  const checkpointPath = join(dir, 'checkpoint.safetensors');
  if (!existsSync(dir)) throw new UsageError(`run folder ${dir} does not exist`);
  if (!existsSync(configPath)) throw new UsageError(`${dir} is not a run folder: ${configPath} is missing`);
  if (!existsSync(checkpointPath)) throw new UsageError(`${dir} has no checkpoint yet (${checkpointPath} is missing)`);
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`${configPath}: not valid JSON (${(e as Error).message})`);
  }
  const state = loadCheckpoint(checkpointPath);
  const modelConfig = state.config.model as ModelConfig;
  const data = state.config.data as { name?: string } | undefined;
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
    dir, config, modelConfig, dataName: data?.name ?? 'unnamed', seed, step: state.step, model,
    dispose: () => disposeModel(model),
  };
}

/** The named dataset, or the user's file, a run was trained on; `dataOverride` is --data. */
export async function loadRunData(dataName: string, dataOverride: string | undefined, quiet: boolean): Promise<LabelledData> {
  const named = ['mnist', 'fashion-mnist'].includes(dataName);
  if (named) {
    return loadDataset(dataName, { dataDir: dataOverride, onProgress: quiet ? undefined : stderrProgress() });
  }
  return loadDataset(dataOverride ?? dataName, {});
}

/** Narrows a model to one offering `method`, else a one-line error naming the model kind. */
export function requireMethod<K extends string>(model: TrainableModel, method: K, command: string):
  TrainableModel & Record<K, (...args: never[]) => unknown> {
  if (typeof (model as unknown as Record<string, unknown>)[method] !== 'function') {
    throw new UsageError(`${command}: the ${model.config.kind} model has no ${method}()`);
  }
  return model as TrainableModel & Record<K, (...args: never[]) => unknown>;
}
