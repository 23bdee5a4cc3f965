// Tensor factories: from host data (tensor, fromArray) and constant-filled (zeros, ones, full and their *Like
// forms). Random factories are in ops/random.ts.
import { Tensor, checkDevice, checkShape, shapeString, type Device } from '../tensor.js';
import { addon, checkLive, describe } from './raw.js';

export interface TensorOptions {
  /** 'cpu' (default) or 'cuda:N' */
  device?: Device;
  /** make the tensor a leaf that collects gradients */
  requiresGrad?: boolean;
}

function make(op: string, shape: readonly number[], options: TensorOptions | undefined): Tensor {
  const t = Tensor._empty(checkDevice(op, options?.device ?? 'cpu'), shape);
  t.requiresGrad = options?.requiresGrad === true;
  return t;
}

/** Flattens host data, returning the elements and the shape they imply. */
function flatten(data: Float32Array | number[] | number[][] | number): [Float32Array, number[]] {
  if (typeof data === 'number') return [Float32Array.of(data), []];
  if (data instanceof Float32Array) return [data, [data.length]];
  if (!Array.isArray(data)) {
    throw new Error(`tensor: data must be a Float32Array, number[], number[][] or number, got ${describe(data)}`);
  }
  if (data.length > 0 && Array.isArray(data[0])) {
    const rows = data as number[][];
    const cols = rows[0].length;
    const out = new Float32Array(rows.length * cols);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      if (!Array.isArray(row) || row.length !== cols) {
        throw new Error(`tensor: ragged nested array: row ${r} has ${Array.isArray(row) ? row.length : 'no'} ` +
          `elements, row 0 has ${cols}`);
      }
      for (let c = 0; c < cols; c++) {
        const v = row[c];
        if (typeof v !== 'number') throw new Error(`tensor: element [${r}][${c}] is ${describe(v)}, not a number`);
        out[r * cols + c] = v;
      }
    }
    return [out, [rows.length, cols]];
  }
  const flat = data as number[];
  for (let i = 0; i < flat.length; i++) {
    if (typeof flat[i] !== 'number') throw new Error(`tensor: element ${i} is ${describe(flat[i])}, not a number`);
  }
  return [Float32Array.from(flat), [flat.length]];
}

/**
 * A tensor holding `data` (copied to the device). The shape defaults to the data's own ([n], [rows, cols] or []
 * for a number); an explicit shape must have the same number of elements.
 */
export function tensor(data: Float32Array | number[] | number[][] | number, shape?: readonly number[],
  options?: TensorOptions): Tensor {
  const [values, implied] = flatten(data);
  const s = shape === undefined ? implied : checkShape('tensor', shape);
  let size = 1;
  for (let i = 0; i < s.length; i++) size *= s[i];
  if (size !== values.length) {
    throw new Error(`tensor: ${values.length} elements do not fit shape ${shapeString(s)} (${size} elements)`);
  }
  const t = make('tensor', s, options);
  if (size > 0) addon().upload(t.storage, t.offset, values);
  return t;
}

/** A tensor of `shape` holding the Float32Array `data` (copied). */
export function fromArray(data: Float32Array, shape: readonly number[], options?: TensorOptions): Tensor {
  if (!(data instanceof Float32Array)) throw new Error(`fromArray: data must be a Float32Array, got ${describe(data)}`);
  return tensor(data, shape, options);
}

/** A tensor of `shape` with every element `value`. */
export function full(shape: readonly number[], value: number, options?: TensorOptions): Tensor {
  if (typeof value !== 'number') throw new Error(`full: value must be a number, got ${describe(value)}`);
  const t = make('full', checkShape('full', shape), options);
  if (t.size > 0) addon().fill(t.storage, t.offset, t.size, value);
  return t;
}

export function zeros(shape: readonly number[], options?: TensorOptions): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: readonly number[], options?: TensorOptions): Tensor {
  return full(shape, 1, options);
}

/** A tensor shaped like x on x's device, every element `value` (no gradient unless asked). */
export function fullLike(x: Tensor, value: number, options?: { requiresGrad?: boolean }): Tensor {
  checkLive('fullLike', x);
  return full(x.shape, value, { device: x.device, requiresGrad: options?.requiresGrad });
}

export function zerosLike(x: Tensor, options?: { requiresGrad?: boolean }): Tensor {
  return fullLike(x, 0, options);
}

export function onesLike(x: Tensor, options?: { requiresGrad?: boolean }): Tensor {
  return fullLike(x, 1, options);
}
