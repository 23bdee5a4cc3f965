// Shared test helpers: a seeded float64 random source, NaN-poisoned outputs, closeness checks against
// float64 references, a check that a call throws a useful Error, byte builders for IDX and .npy files, and a
// suite's temporary folder.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';

/** Deterministic float64 generator (mulberry32), independent of the engine's RNG. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    uniform: (lo = -1, hi = 1) => lo + (hi - lo) * next(),
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    int: (n) => Math.floor(next() * n),
  };
}

/** n uniform values in [lo, hi) as float32, rounded so the float64 reference sees the same inputs. */
export function randomArray(r, n, lo = -1, hi = 1) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r.uniform(lo, hi);
  return a;
}

export function nanArray(n) {
  return new Float32Array(n).fill(NaN);
}

/** Asserts |actual - expected| <= atol + rtol * |expected| elementwise, reporting the worst element. */
export function assertClose(actual, expected, { atol = 1e-5, rtol = 1e-4, what = 'value' } = {}) {
  assert.is(actual.length, expected.length, `${what}: length ${actual.length} != ${expected.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
      if (Number.isNaN(a)) break;
    }
  }
  if (worst >= 0) {
    assert.unreachable(`${what}[${worst}] = ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}

/** Asserts fn throws an Error whose message matches every pattern. */
export function assertThrows(fn, ...patterns) {
  let error;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof Error, 'expected an Error to be thrown');
  for (const p of patterns) assert.match(error.message, p, `message "${error.message}" should match ${p}`);
  return error;
}

/** Asserts the promise (or async fn) rejects with an Error whose message matches every pattern. */
export async function assertRejects(promise, ...patterns) {
  let error;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof Error, 'expected an Error to be thrown');
  for (const p of patterns) assert.match(error.message, p, `message "${error.message}" should match ${p}`);
  return error;
}

/**
 * Says, once per test file, that the file's CUDA runs are skipped when the engine lists no CUDA device
 * (design: CUDA tests say `skipped: no CUDA device`). `listed` are the engine's device names.
 */
const noted = new Set();
export function noteCudaSkipped(listed) {
  if (listed.some((d) => d.startsWith('cuda'))) return;
  // the first stack frame outside these helper files is the test file asking
  const frames = (new Error().stack ?? '').split('\n').map((l) => /(?:file:\/\/)?(\/[^\s():]+\.js)/.exec(l)?.[1]);
  const file = frames.find((f) => f && !/\/test\/(helpers|gradcheck|reference\/[^/]+)\.js$/.test(f)) ?? 'a test file';
  const name = file.replace(/^.*\/test\//, 'test/');
  if (noted.has(name)) return;
  noted.add(name);
  console.log(`${name}: cuda runs skipped: no CUDA device`);
}

/** The sizes every kernel test walks: 1, 7, 129, 1000 and tile non-multiples. */
export const AWKWARD = [1, 7, 33, 129, 1000];

/** An IDX file's bytes (unsigned-byte data): the big-endian header of `dims`, then `data`. */
export function idxBytes(dims, data) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** A .npy file's bytes, built independently of writeNpy: descr like '<f4', a shape, the raw data; version 1 or 2. */
export function npyBytes(descr, shape, data, { fortran = false, version = 1 } = {}) {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${dims}), }`;
  const pre = version === 1 ? 10 : 12;
  header += ' '.repeat(63 - ((pre + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(pre);
  Buffer.from('\x93NUMPY', 'latin1').copy(prefix);
  prefix[6] = version;
  if (version === 1) prefix.writeUInt16LE(header.length, 8);
  else prefix.writeUInt32LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/**
 * A temporary folder for suite `s`, removed after it, and `file(name, content)`, which writes a file there and
 * returns its path.
 */
export function suiteFolder(s, prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  s.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name, content) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  return { dir, file };
}
