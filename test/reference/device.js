// The plumbing every kernel test shares: operands placed on a device at odd offsets inside storages with guard
// elements around them, outputs poisoned with NaN, the devices to run on, and comparisons with a per-element
// tolerance against the float64 references of the other files in test/reference/.
import * as assert from 'uvu/assert';
import { noteCudaSkipped } from '../helpers.js';

/** float32 unit roundoff */
export const U32 = 2 ** -24;

// ---- device operands with guards ----

/** The value written around every operand; a kernel writing outside its view changes it. */
export const GUARD = 1234.5;

/**
 * Operand factory for one device. Each operand gets its own storage with `pad` guard elements before
 * and after, so offsets are non-zero and unaligned. `read` returns the view and checks both guards.
 */
export function deviceIO(native, device, { pad = 3 } = {}) {
  const live = [];
  const place = (data, p) => {
    const s = native.alloc(device, data.length + 2 * p);
    live.push(s);
    const full = new Float32Array(data.length + 2 * p).fill(GUARD);
    full.set(data, p);
    native.upload(s, 0, full);
    return { s, off: p, n: data.length };
  };
  return {
    /** an operand holding `data` (a Float32Array or array of numbers) */
    input: (data, p = pad) => place(data instanceof Float32Array ? data : Float32Array.from(data), p),
    /** an output of n elements poisoned with NaN */
    output: (n, p = pad) => place(new Float32Array(n).fill(NaN), p),
    /** the operand's view; throws if a guard element was overwritten */
    read: (t, what = 'output') => {
      const full = native.download(t.s, 0, t.n + 2 * t.off);
      for (let i = 0; i < t.off; i++) {
        if (!Object.is(full[i], GUARD) || !Object.is(full[t.n + t.off + i], GUARD)) {
          throw new Error(`${what}: an element outside the view was written (guard ${i})`);
        }
      }
      return full.slice(t.off, t.off + t.n);
    },
    free: () => {
      for (const s of live.splice(0)) if (!s.freed) native.free(s);
    },
  };
}

/** `data` with `before` and `after` GUARD elements around it */
export function framed(data, before = 1, after = 1) {
  const out = new Float32Array(data.length + before + after).fill(GUARD);
  out.set(data, before);
  return out;
}

/** the devices the kernel tests run on: every device the addon lists, or SEMIGEN_TEST_DEVICES=cpu,cuda:0 */
export function testDevices(native) {
  const listed = native.devices().map((d) => d.device);
  noteCudaSkipped(listed);
  const wanted = process.env.SEMIGEN_TEST_DEVICES;
  return wanted ? wanted.split(',').filter((d) => listed.includes(d)) : listed;
}

// ---- comparison with a per-element tolerance ----

/**
 * Returns null when |actual[i] - expected[i]| <= tol[i] for every i (tol a number or an array), else a
 * message naming the worst element. NaN in actual always fails; equal infinities pass.
 */
export function compare(actual, expected, tol, what = 'value') {
  if (actual.length !== expected.length) return `${what}: length ${actual.length} != ${expected.length}`;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === e) continue;
    const t = typeof tol === 'number' ? tol : tol[i];
    const excess = Math.abs(a - e) - t;
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
      if (Number.isNaN(a)) break;
    }
  }
  if (worst < 0) return null;
  const t = typeof tol === 'number' ? tol : tol[worst];
  return `${what}[${worst}] = ${actual[worst]}, expected ${expected[worst]} (tolerance ${t.toExponential(2)})`;
}

/** Returns null when actual holds exactly expected's float32 values (NaN matching NaN, -0 only -0), else a message. */
export function identical(actual, expected, what = 'value') {
  if (actual.length !== expected.length) return `${what}: length ${actual.length} != ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], Math.fround(expected[i]))) return `${what}[${i}] = ${actual[i]}, expected ${expected[i]}`;
  }
  return null;
}

/** fails the current test with the message `compare` returned, if any */
export function check(message) {
  if (message) assert.unreachable(message);
}

/** per-element tolerance atol + rtol * |scale[i]| */
export function tolerance(scale, atol, rtol) {
  const t = new Float64Array(scale.length);
  for (let i = 0; i < scale.length; i++) t[i] = atol + rtol * Math.abs(scale[i]);
  return t;
}
