// Ops that write into tensors that already exist, for the state models keep outside the autograd graph (moving
// averages, flags, counters, masks built on the host): fill_, assign_ (a copy), upload_ (from a host array) and
// lerp_ (moving averages, every pair in one fused call). The trailing underscore marks the tensor written.
// None of them is recorded for backward, so the tensor written must not be an op's output in a graph.
import { addon } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { checkLive, checkPair, describe, sameShape, shapeString } from './raw.js';

/** Refuses a write into a graph node: backward would read the new values as if the op had produced them. */
function checkWritable(op: string, t: Tensor, what: string): void {
  checkLive(op, t, what);
  if (t._op !== null) {
    throw new Error(`${op}: the ${what} ${shapeString(t.shape)} is the output of ${t._op} in an autograd graph; ` +
      'writing into it would change what backward reads (write into a leaf, or compute it under noGrad)');
  }
}

/** Sets every element of t to `value`; returns t. */
export function fill_(t: Tensor, value: number): Tensor {
  checkWritable('fill_', t, 'target');
  if (typeof value !== 'number') throw new Error(`fill_: value must be a number, got ${describe(value)}`);
  if (t.size > 0) addon().fill(t.storage, t.offset, t.size, value);
  return t;
}

/** Copies source's elements into target (same shape, same device); returns target. */
export function assign_(target: Tensor, source: Tensor): Tensor {
  checkWritable('assign_', target, 'target');
  checkPair('assign_', target, source, 'target', 'source');
  if (!sameShape(target.shape, source.shape)) {
    throw new Error(`assign_: target ${shapeString(target.shape)} and source ${shapeString(source.shape)} differ in shape`);
  }
  if (target.size > 0) addon().copy(source.storage, source.offset, target.storage, target.offset, target.size);
  return target;
}

/** Sets t's elements from a host Float32Array of t.size values (row-major); returns t. */
export function upload_(t: Tensor, data: Float32Array): Tensor {
  checkWritable('upload_', t, 'target');
  if (!(data instanceof Float32Array)) throw new Error(`upload_: data must be a Float32Array, got ${describe(data)}`);
  if (data.length !== t.size) {
    throw new Error(`upload_: data has ${data.length} values but the target ${shapeString(t.shape)} holds ${t.size}`);
  }
  if (t.size > 0) addon().upload(t.storage, t.offset, data);
  return t;
}

/**
 * targets[i] += rate · (sources[i] − targets[i]) for every pair, in one fused call: exponential moving averages
 * (rate = 1 − decay) and running statistics. Pairs have equal shapes; all tensors live on one device.
 */
export function lerp_(targets: readonly Tensor[], sources: readonly Tensor[], rate: number): void {
  if (!Array.isArray(targets) || !Array.isArray(sources) || targets.length !== sources.length) {
    throw new Error(`lerp_: targets and sources must be arrays of equal length, got ${describe(targets)} and ` +
      `${describe(sources)}${Array.isArray(targets) && Array.isArray(sources) ? ` of ${targets.length} and ${sources.length}` : ''}`);
  }
  if (typeof rate !== 'number' || !Number.isFinite(rate)) throw new Error(`lerp_: rate must be a finite number, got ${describe(rate)}`);
  targets.forEach((t, i) => {
    checkWritable('lerp_', t, `targets[${i}]`);
    checkPair('lerp_', t, sources[i], `targets[${i}]`, `sources[${i}]`);
    if (t.device !== targets[0].device) {
      throw new Error(`lerp_: targets[${i}] is on ${t.device} but targets[0] is on ${targets[0].device}`);
    }
    if (!sameShape(t.shape, sources[i].shape)) {
      throw new Error(`lerp_: targets[${i}] ${shapeString(t.shape)} and sources[${i}] ${shapeString(sources[i].shape)} differ in shape`);
    }
  });
  if (targets.length === 0) return;
  const triple = (t: Tensor): [Tensor['storage'], number, number] => [t.storage, t.offset, t.size];
  addon().lerp(targets.map(triple), sources.map(triple), rate);
}
