// What the models share: reading and checking a ModelConfig's options (bad values are Errors naming the model,
// the option and the value), checking a batch, zeroing missing (NaN) inputs, and an MLP forward whose last
// layer takes another activation fused into its GEMM (decode = sigmoid(logits) in one kernel).
import { Unary } from '../native.js';
import type { Activation } from '../ops/activations.js';
import { linear } from '../ops/matmul.js';
import { unaryGradRaw } from '../ops/raw.js';
import type { MLP } from '../nn/mlp.js';
import type { Device, Tensor } from '../tensor.js';
import type { Batch, ModelConfig } from './model.js';

/** Reads options of one model kind's config; `name` ('vae', 'gan' ...) starts every error message. */
export class ConfigReader {
  private readonly used = new Set<string>(['kind', 'inputSize']);

  constructor(readonly name: string, private readonly config: Partial<ModelConfig> & Record<string, unknown>) {
    if (config === null || typeof config !== 'object' || Array.isArray(config)) {
      throw new Error(`${name}: config must be an object, got ${String(config)}`);
    }
    if (config.kind !== undefined && config.kind !== name) {
      throw new Error(`${name}: config is for kind '${String(config.kind)}', not '${name}'`);
    }
  }

  private value(key: string, fallback: unknown): unknown {
    this.used.add(key);
    const v = this.config[key];
    return v === undefined ? fallback : v;
  }

  /** An integer in [min, 2^31). */
  int(key: string, fallback: number, min = 1): number {
    const v = this.value(key, fallback);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v >= 2 ** 31) {
      throw new Error(`${this.name}: ${key} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  /** A finite number with lo <= v (lo < v when openLow) and v <= hi (v < hi when openHigh). */
  number(key: string, fallback: number, lo: number, hi: number, openLow = false, openHigh = false): number {
    const v = this.value(key, fallback);
    const ok = typeof v === 'number' && Number.isFinite(v) && (openLow ? v > lo : v >= lo) &&
      (openHigh ? v < hi : v <= hi);
    if (!ok) {
      throw new Error(`${this.name}: ${key} must be a number in ${openLow ? '(' : '['}${lo}, ${hi}${openHigh ? ')' : ']'}, ` +
        `got ${JSON.stringify(v)}`);
    }
    return v as number;
  }

  /** A (possibly empty) list of layer sizes, each a positive integer. */
  sizes(key: string, fallback: readonly number[]): number[] {
    const v = this.value(key, fallback);
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'number' || !Number.isInteger(s) || s < 1 || s >= 2 ** 31)) {
      throw new Error(`${this.name}: ${key} must be an array of positive integers, got ${JSON.stringify(v)}`);
    }
    return v.slice() as number[];
  }

  /** null (the default) or a non-empty list of finite numbers. */
  optionalNumbers(key: string): number[] | null {
    const v = this.value(key, null);
    if (v === null) return null;
    if (!Array.isArray(v) || v.length === 0 || v.some((s) => typeof s !== 'number' || !Number.isFinite(s))) {
      throw new Error(`${this.name}: ${key} must be null or an array of finite numbers, got ${JSON.stringify(v)}`);
    }
    return v.slice() as number[];
  }

  /** null or a number in [lo, hi]. */
  optionalNumber(key: string, fallback: number | null, lo: number, hi: number): number | null {
    const v = this.value(key, fallback);
    if (v === null) return null;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
      throw new Error(`${this.name}: ${key} must be null or a number in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
    }
    return v;
  }

  /** One of a fixed set of strings. */
  choice<T extends string>(key: string, fallback: T, allowed: readonly T[]): T {
    const v = this.value(key, fallback);
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      throw new Error(`${this.name}: ${key} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    }
    return v as T;
  }

  /** The input size: a positive integer, required. */
  inputSize(): number {
    const v = this.config.inputSize;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v >= 2 ** 31) {
      throw new Error(`${this.name}: inputSize must be a positive integer, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  /** Call after reading every option: an unknown key is most likely a typo, so it is an error. */
  rejectUnknown(): void {
    const unknown = Object.keys(this.config).filter((k) => !this.used.has(k));
    if (unknown.length > 0) {
      throw new Error(`${this.name}: unknown config option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} ` +
        `(known: ${[...this.used].join(', ')})`);
    }
  }
}

/** The batch's inputs after checking they are a [rows, inputSize] tensor on the model's device. */
export function batchInputs(name: string, batch: Batch, inputSize: number, device: Device): Tensor {
  return checkInputs(name, batch?.x, 'batch.x', inputSize, device);
}

/** x after checking it is a live [rows, cols] tensor on `device`; `what` names it in errors. */
export function checkInputs(name: string, x: Tensor | undefined, what: string, cols: number, device: Device): Tensor {
  if (x === undefined || x === null || typeof x !== 'object' || !('shape' in x)) {
    throw new Error(`${name}: ${what} must be a Tensor`);
  }
  x.assertLive(name, what);
  if (x.shape.length !== 2 || x.shape[1] !== cols || x.shape[0] < 1) {
    throw new Error(`${name}: ${what} must be [rows, ${cols}], got [${x.shape.join(',')}]`);
  }
  if (x.device !== device) throw new Error(`${name}: ${what} is on ${x.device} but the model is on ${device}`);
  return x;
}

/**
 * x with missing values (NaN) replaced by 0, for the encoder's input (the loss masks them separately). One
 * kernel: relu's backward selects dy where x > 0 and writes 0 elsewhere, NaN included (NaN > 0 is false; the
 * kernel selects rather than multiplies, so 0 · NaN never arises); inputs are in [0, 1], so with dy = x it is the
 * identity on every present value. test/models/ae.test.js checks missing inputs against a reference.
 */
export function zeroMissing(x: Tensor): Tensor {
  return unaryGradRaw(Unary.relu, x, null, x, 0, x.shape);
}

/** mlp.forward(x) with `activation` on its last layer instead of the layer's own (fused into the GEMM). */
export function forwardWithOutput(mlp: MLP, x: Tensor, activation: Activation): Tensor {
  let h = x;
  const last = mlp.layers.length - 1;
  for (let i = 0; i < last; i++) h = mlp.layers[i].forward(h);
  const out = mlp.layers[last];
  return linear(h, out.weight, out.bias, activation, out.slope);
}

/** A plain copy of a resolved config (what model.config returns), typed as ModelConfig. */
export function asConfig<T extends object>(config: T): ModelConfig & T {
  return JSON.parse(JSON.stringify(config)) as ModelConfig & T;
}
