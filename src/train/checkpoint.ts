// Training checkpoints as safetensors files: the model's state dict ("model.<name>", F32), every optimizer's slots
// ("optimizer.<name>.<slot>.<i>", F32, shaped like parameter i), the batch permutation ("batches.order", I32), and in
// the metadata the step, epoch, optimizer step counts and learning rates, the generator's (seed, offset), the
// sampler's position and PRNG state, the loop's bookkeeping and the run's config (JSON strings). Saving never
// touches the last good checkpoint until the new one is whole on disk; the one it replaces is kept beside it.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { StateDict } from '../nn/module.js';
import type { OptimizerState } from '../optim/optimizer.js';
import type { GeneratorState } from '../random.js';
import type { BatchesState, ShuffledBatches } from '../data/batches.js';
import type { TrainableModel } from './contract.js';
import { readSafetensors, encodeSafetensors, type TensorArray, type SafetensorsContent } from './safetensors.js';
import { preserveCopy, removeStaleTemps, writeFileAtomic } from './files.js';
import { isPlainObject } from './options.js';
import { cut, shown } from '../data/read.js';

export const CHECKPOINT_FORMAT = 'semigen-checkpoint/1';

/** An optimizer's state with the shape of each parameter (slot tensors are saved in those shapes). */
export interface SavedOptimizer extends OptimizerState {
  shapes: number[][];
}

/** Everything a run needs to continue exactly where it stopped. */
export interface TrainingState {
  step: number;
  epoch: number;
  /** the run's config (model config, data name, options, seed): plain JSON */
  config: Record<string, unknown>;
  model: StateDict;
  optimizers: Record<string, SavedOptimizer>;
  generator: GeneratorState;
  batches: BatchesState | null;
  /** the loop's own bookkeeping (metric sums since the last log line, elapsed seconds): plain JSON */
  progress: Record<string, unknown>;
}

/** The name the previous checkpoint is kept under: `checkpoint.safetensors` -> `checkpoint.prev.safetensors`. */
export function previousPath(path: string): string {
  return path.endsWith('.safetensors') ? `${path.slice(0, -'.safetensors'.length)}.prev.safetensors` : `${path}.prev`;
}

/** Copies the model's, its optimizers', its generator's and the sampler's state (host copies). */
export function captureState(model: TrainableModel, batches: ShuffledBatches | null,
  rest: { step: number; epoch: number; config: Record<string, unknown>; progress: Record<string, unknown> }): TrainingState {
  const optimizers: Record<string, SavedOptimizer> = {};
  for (const [name, opt] of Object.entries(model.optimizers)) {
    optimizers[name] = { ...opt.getState(), shapes: opt.params.map((p) => p.shape.slice()) };
  }
  return {
    ...rest, model: model.module.stateDict(), optimizers, generator: model.generator.getState(),
    batches: batches === null ? null : batches.getState(),
  };
}

/** Puts a saved state back into the model, its optimizers, its generator and the sampler; `source` names the file. */
export function restoreState(model: TrainableModel, batches: ShuffledBatches | null, state: TrainingState,
  source: string): void {
  const within = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      throw new Error(`${source}: cannot restore ${what}: ${(e as Error).message}`);
    }
  };
  const own = Object.keys(model.optimizers).sort();
  const saved = Object.keys(state.optimizers).sort();
  if (own.join(',') !== saved.join(',')) {
    throw new Error(`${source}: holds optimizers [${saved.join(', ')}], the model has [${own.join(', ')}]`);
  }
  within('the model weights', () => model.module.loadStateDict(state.model));
  for (const name of own) within(`optimizer '${name}'`, () => model.optimizers[name].setState(state.optimizers[name]));
  within('the generator', () => model.generator.setState(state.generator));
  if (batches !== null) {
    if (state.batches === null) throw new Error(`${source}: holds no batch sampler state`);
    within('the batch sampler', () => batches.setState(state.batches as BatchesState));
  }
}

/** Writes the checkpoint atomically; the file it replaces is kept as previousPath(path). */
export function saveCheckpoint(path: string, state: TrainingState): void {
  const tensors: Record<string, { shape: readonly number[]; data: TensorArray }> = {};
  for (const [name, entry] of Object.entries(state.model)) tensors[`model.${name}`] = entry;
  const optimizers: Record<string, unknown> = {};
  for (const [name, opt] of Object.entries(state.optimizers)) {
    for (const [slot, values] of Object.entries(opt.slots)) {
      values.forEach((data, i) => {
        tensors[`optimizer.${name}.${slot}.${i}`] = { shape: opt.shapes[i] ?? [data.length], data };
      });
    }
    optimizers[name] = { step: opt.step, lr: opt.lr, slots: Object.keys(opt.slots), params: opt.shapes.length };
  }
  let batches: Record<string, unknown> | null = null;
  if (state.batches !== null) {
    const { order, ...rest } = state.batches;
    tensors['batches.order'] = { shape: [order.length], data: Int32Array.from(order) };
    batches = rest;
  }
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    step: String(state.step),
    epoch: String(state.epoch),
    config: JSON.stringify(state.config),
    optimizers: JSON.stringify(optimizers),
    generator: JSON.stringify(state.generator),
    batches: JSON.stringify(batches),
    progress: JSON.stringify(state.progress),
  };
  metadata.tensors_sha256 = tensorsDigest(Object.entries(tensors).map(([name, t]) => ({ name, shape: t.shape, data: t.data })));
  const pieces = encodeSafetensors(tensors, metadata);
  removeStaleTemps(path);
  removeStaleTemps(previousPath(path));
  if (existsSync(path)) preserveCopy(path, previousPath(path));
  writeFileAtomic(path, pieces);
}

/**
 * SHA-256 over every tensor's name, shape and bytes, in name order: a checkpoint whose bytes changed after it was
 * written (a flipped bit, an edit) no longer matches the digest in its own metadata.
 */
function tensorsDigest(tensors: { name: string; shape: readonly number[]; data: ArrayBufferView }[]): string {
  const hash = createHash('sha256');
  for (const t of [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    hash.update(`${t.name}\0${t.shape.join(',')}\0`);
    hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return hash.digest('hex');
}

/** Reads and validates a checkpoint written by saveCheckpoint; every problem is an Error naming the file. */
export function loadCheckpoint(path: string): TrainingState {
  return parseCheckpoint(readSafetensors(path), path);
}

function parseCheckpoint({ tensors, metadata }: SafetensorsContent, path: string): TrainingState {
  const fail = (what: string): never => {
    throw new Error(`${path}: not a semigen checkpoint: ${what}`);
  };
  if (metadata.format !== CHECKPOINT_FORMAT) fail(`format is ${cut(JSON.stringify(metadata.format) ?? 'missing')}, expected '${CHECKPOINT_FORMAT}'`);
  const json = (key: string): unknown => {
    if (typeof metadata[key] !== 'string') fail(`metadata '${key}' is missing`);
    try {
      return JSON.parse(metadata[key]);
    } catch {
      return fail(`metadata '${key}' is not JSON`);
    }
  };
  const count = (key: string): number => {
    const v = json(key);
    if (!Number.isSafeInteger(v) || (v as number) < 0) fail(`metadata '${key}' is not a non-negative integer`);
    return v as number;
  };
  const f32 = (name: string): Float32Array => {
    const t = tensors.get(name);
    if (t === undefined) return fail(`tensor ${shown(name)} is missing`);
    if (t.dtype !== 'F32') fail(`tensor ${shown(name)} is ${t.dtype}, expected F32`);
    return t.data as Float32Array;
  };

  // checkpoints written before the digest was kept have none; every one written since is checked
  if (metadata.tensors_sha256 !== undefined) {
    const digest = tensorsDigest([...tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data })));
    if (digest !== metadata.tensors_sha256) fail('its tensors do not match the checksum written with them (the file was damaged or edited)');
  }
  const config = json('config');
  if (!isPlainObject(config)) fail("metadata 'config' is not an object");
  const progress = json('progress');
  if (!isPlainObject(progress)) fail("metadata 'progress' is not an object");
  const generator = json('generator');
  if (!isPlainObject(generator)) fail("metadata 'generator' is not an object");

  const model: StateDict = {};
  for (const [name, t] of tensors) {
    if (!name.startsWith('model.')) continue;
    const data = f32(name);
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail(`weight ${shown(name)} holds ${data[bad]} at element ${bad}; the model cannot be used (did its training diverge?)`);
    // an own property even for a name like '__proto__', so that the model's check of unexpected weights sees it
    Object.defineProperty(model, name.slice('model.'.length), { value: { shape: t.shape, data }, enumerable: true, writable: true, configurable: true });
  }

  const optimizers: Record<string, SavedOptimizer> = {};
  const savedOptimizers = json('optimizers');
  if (!isPlainObject(savedOptimizers)) fail("metadata 'optimizers' is not an object");
  for (const [name, o] of Object.entries(savedOptimizers as Record<string, unknown>)) {
    if (!isPlainObject(o) || !Number.isSafeInteger(o.params) || !Array.isArray(o.slots) ||
      typeof o.step !== 'number' || typeof o.lr !== 'number') {
      fail(`optimizer ${shown(name)} metadata is malformed`);
    }
    const entry = o as { step: number; lr: number; slots: string[]; params: number };
    const slots: Record<string, Float32Array[]> = {};
    const shapes: number[][] = [];
    for (const slot of entry.slots) {
      slots[slot] = [];
      for (let i = 0; i < entry.params; i++) {
        const tensorName = `optimizer.${name}.${slot}.${i}`;
        slots[slot].push(f32(tensorName));
        shapes[i] = (tensors.get(tensorName) as { shape: number[] }).shape;
      }
    }
    optimizers[name] = { step: entry.step, lr: entry.lr, slots, shapes };
  }

  let batches: BatchesState | null = null;
  const savedBatches = json('batches');
  if (savedBatches !== null) {
    if (!isPlainObject(savedBatches)) fail("metadata 'batches' is not an object");
    const order = tensors.get('batches.order');
    if (order === undefined || order.dtype !== 'I32') fail("tensor 'batches.order' (I32) is missing");
    batches = { ...(savedBatches as object), order: (order as { data: Int32Array }).data } as BatchesState;
  }

  return {
    step: count('step'), epoch: count('epoch'), config: config as Record<string, unknown>, model, optimizers,
    generator: generator as unknown as GeneratorState, batches, progress: progress as Record<string, unknown>,
  };
}
