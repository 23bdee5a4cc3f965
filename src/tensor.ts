// The Tensor: a float32 array on one device, a window (offset, shape) into a reference-counted native storage
// block. Also the bookkeeping every tensor takes part in: live-tensor counting and the memory scopes (tidy, keep,
// dispose) that release tensors deterministically. The safety net for tensors nobody disposed is the addon's:
// a garbage-collected storage object returns its block to the cache (a JS FinalizationRegistry would only add
// cost to every tensor). Methods (t.add, t.relu, ...) are attached beside their ops (src/ops/*.ts, t.backward in
// autograd.ts), so this file imports nothing above it.
import { addon, allocStorage, releaseStorage } from './backend.js';
import type { NativeStorage } from './native.js';

/** Where a tensor lives: the CPU or a CUDA device. */
export type Device = 'cpu' | `cuda:${number}`;

/** The gradient rule of one recorded op: given the output gradient, the gradient of each input (or null). */
export type BackwardFn = (grad: Tensor) => (Tensor | null)[];

/** One native storage block shared by a tensor and its views; freed when the last owner lets go. */
export class StorageRef {
  refs = 1;
  freed = false;
  /** device and storage are read once here: the addon's property getters cost a native call each */
  constructor(readonly native: NativeStorage, readonly device: Device, readonly length: number) {}

  release(): void {
    if (--this.refs > 0 || this.freed) return;
    this.freed = true;
    releaseStorage(this.native, this.device, this.length);
  }
}

let live = 0;
/** Each open tidy() scope collects the tensors created while it is innermost. */
const scopes: Tensor[][] = [];

/** Number of tensors created and not yet disposed (for leak tests). */
export function liveTensors(): number {
  return live;
}

/** Opens a tidy scope; returns its tensor list. */
function openScope(): Tensor[] {
  const scope: Tensor[] = [];
  scopes.push(scope);
  return scope;
}

/** Closes the innermost scope, which must be `scope`; returns the enclosing one. */
function closeScope(scope: Tensor[]): Tensor[] | null {
  if (scopes[scopes.length - 1] !== scope) throw new Error('tidy: scopes closed out of order');
  scopes.pop();
  return scopes.length > 0 ? scopes[scopes.length - 1] : null;
}

/** Shape formatted for error messages: [2,3]. */
export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Whether two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/**
 * A float32 tensor on one device. Ops see it as a 2-D matrix of `rows` x `cols` (cols = last dimension,
 * rows = product of the others); a 0-D scalar is 1 x 1. Create tensors with the factories (`tensor`, `zeros`,
 * `randn`, ...), free them with `dispose()` or a `tidy()` scope.
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly device: Device;
  /** the native block holding the elements (possibly shared with other views) */
  readonly storage: NativeStorage;
  /** index, in float32 elements, of element 0 inside `storage` */
  readonly offset: number;
  readonly size: number;
  /** rows of the 2-D view ops work on */
  readonly rows: number;
  /** cols of the 2-D view ops work on (the last dimension) */
  readonly cols: number;
  /** whether gradients flow to (leaf) or through (op output) this tensor */
  requiresGrad: boolean;
  /** the accumulated gradient of a leaf, filled by backward() */
  grad: Tensor | null = null;

  /** @internal */ _ref: StorageRef;
  /** @internal whether dispose() releases a reference on `_ref` */ _owning: boolean;
  /** @internal */ _disposed = false;
  /** @internal never disposed by a tidy() scope */ _kept = false;
  /** @internal graph node: op name, inputs and gradient rule of the op that produced this tensor */
  _op: string | null = null;
  /** @internal */ _inputs: Tensor[] | null = null;
  /** @internal */ _backward: BackwardFn | null = null;
  /** @internal tensors the gradient rule owns (masks, noise, fused gradients), freed with the node */
  _saved: Tensor[] | null = null;
  /** @internal gradient being accumulated during backward() */ _gradAcc: Tensor | null = null;

  /**
   * @internal Use the factories. Wraps `ref` (taking over one reference when `owning`) at `offset`.
   */
  constructor(ref: StorageRef, offset: number, shape: readonly number[], owning: boolean, requiresGrad = false) {
    const size = sizeOf(shape);
    const cols = shape.length === 0 ? 1 : shape[shape.length - 1];
    this.shape = shape;
    this.device = ref.device;
    this.storage = ref.native;
    this.offset = offset;
    this.size = size;
    this.cols = cols;
    this.rows = shape.length === 0 ? 1 : cols === 0 ? sizeOf(shape.slice(0, -1)) : size / cols;
    this.requiresGrad = requiresGrad;
    this._ref = ref;
    this._owning = owning;
    live++;
    if (scopes.length > 0) scopes[scopes.length - 1].push(this);
  }

  /** @internal A new tensor with fresh (uninitialised) storage on `device`. */
  static _empty(device: string, shape: readonly number[], size: number = sizeOf(shape)): Tensor {
    const length = size > 0 ? size : 1;
    return new Tensor(new StorageRef(allocStorage(device, length), device as Device, length), 0, shape, true);
  }

  /** @internal A tensor sharing `base`'s storage (holding a reference when `owning`). */
  static _view(base: Tensor, offset: number, shape: readonly number[], owning = true): Tensor {
    if (owning) base._ref.refs++;
    return new Tensor(base._ref, offset, shape, owning);
  }

  /** True after dispose(), or when the storage it views was freed by its owner. */
  get isDisposed(): boolean {
    return this._disposed || this._ref.freed;
  }

  /** Whether this tensor was made by a factory rather than by a recorded op. */
  get isLeaf(): boolean {
    return this._op === null;
  }

  /**
   * Releases this tensor: its storage goes back to the allocator once no view shares it. Also drops its graph
   * node and, for a leaf, its gradient. Calling it twice does nothing.
   */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    live--;
    this._inputs = null;
    this._backward = null;
    if (this._saved !== null) {
      for (const t of this._saved) t.dispose();
      this._saved = null;
    }
    if (this._gradAcc !== null) {
      this._gradAcc.dispose();
      this._gradAcc = null;
    }
    if (this.grad !== null) {
      const g = this.grad;
      this.grad = null;
      g.dispose();
    }
    if (this._owning) this._ref.release();
  }

  /** `using t = ...` (TypeScript 5.2+): disposes at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Throws the standard "op: input tensor was disposed (shape [2,3])" error when this tensor cannot be read. */
  assertLive(op: string, what = 'input'): void {
    if (this._disposed || this._ref.freed) {
      throw new Error(`${op}: ${what} tensor was disposed (shape ${shapeString(this.shape)})`);
    }
  }

  /** Copies the elements to a new Float32Array (waits for the device). */
  toArray(): Float32Array {
    this.assertLive('toArray');
    if (this.size === 0) return new Float32Array(0);
    return addon().download(this.storage, this.offset, this.size);
  }

  /** The value of a one-element tensor. */
  item(): number {
    this.assertLive('item');
    if (this.size !== 1) throw new Error(`item: expected a tensor of one element, got shape ${shapeString(this.shape)}`);
    return addon().download(this.storage, this.offset, 1)[0];
  }

  toString(): string {
    return `Tensor(${shapeString(this.shape)}, ${this.device}${this._disposed ? ', disposed' : ''})`;
  }
}

/** @internal Excludes `t` from every tidy() scope (it lives until disposed explicitly). */
export function markKept(t: Tensor): void {
  t._kept = true;
}

/** @internal Checks a shape: integers >= 0. Returns it as a fresh array. */
export function checkShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) throw new Error(`${op}: shape must be an array of integers, got ${String(shape)}`);
  const out = shape.slice();
  for (let i = 0; i < out.length; i++) {
    if (!Number.isInteger(out[i]) || out[i] < 0) throw new Error(`${op}: bad shape ${shapeString(shape)}`);
  }
  return out;
}

/** @internal Checks a device name: 'cpu' or 'cuda:N'. */
export function checkDevice(op: string, device: string): Device {
  if (device !== 'cpu' && !/^cuda:\d+$/.test(device)) {
    throw new Error(`${op}: unknown device '${device}' (expected 'cpu' or 'cuda:N')`);
  }
  return device as Device;
}

/** Anything tidy() can return or dispose() can walk: tensors, arrays and plain objects of them. */
export type TensorContainer = Tensor | null | undefined | number | string | boolean | TensorContainer[] |
  { [key: string]: TensorContainer } | object;

function collect(value: unknown, out: Set<Tensor>, depth: number): void {
  if (value instanceof Tensor) {
    out.add(value);
  } else if (depth < 8 && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) collect(value[i], out, depth + 1);
  } else if (depth < 8 && value !== null && typeof value === 'object' &&
      (Object.getPrototypeOf(value) === Object.prototype || value instanceof Map)) {
    const values = value instanceof Map ? value.values() : Object.values(value);
    for (const v of values) collect(v, out, depth + 1);
  }
}

/**
 * Runs fn in a memory scope: every tensor created inside (nested scopes included) is disposed when fn returns,
 * except the tensors it returns (a Tensor, or arrays/plain objects/Maps of them) and those passed to keep().
 * Returned tensors move to the enclosing scope. fn must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope = openScope();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    closeScope(scope);
    for (let i = 0; i < scope.length; i++) if (!scope[i]._kept) scope[i].dispose();
    throw e;
  }
  const parent = closeScope(scope);
  if (result instanceof Promise) {
    for (let i = 0; i < scope.length; i++) if (!scope[i]._kept) scope[i].dispose();
    throw new Error('tidy: fn returned a Promise; tidy scopes must be synchronous');
  }
  const returned = new Set<Tensor>();
  collect(result, returned, 0);
  for (let i = 0; i < scope.length; i++) {
    const t = scope[i];
    if (t._kept || t._disposed) continue;
    if (returned.has(t)) {
      if (parent !== null) parent.push(t);
    } else {
      t.dispose();
    }
  }
  return result;
}

/** Keeps t alive past every enclosing tidy() scope (dispose it yourself). Returns t. */
export function keep<T extends Tensor>(t: T): T {
  t._kept = true;
  return t;
}

/** Disposes a tensor, or every tensor in an array or plain object (walked a few levels deep). */
export function dispose(value: TensorContainer): void {
  const found = new Set<Tensor>();
  collect(value, found, 0);
  for (const t of found) t.dispose();
}
