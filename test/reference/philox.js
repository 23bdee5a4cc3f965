// Philox4x32-10 written from the Random123 definition (32-bit words as non-negative Numbers), the uniform and
// normal streams kernels.h defines on it, and a mean / standard deviation helper for distribution checks.

const PHILOX_M0 = 0xd2511f53;
const PHILOX_M1 = 0xcd9e8d57;
const PHILOX_W0 = 0x9e3779b9;
const PHILOX_W1 = 0xbb67ae85;

/** [hi, lo] of the exact 64-bit product of two uint32, by 16-bit halves (every partial product < 2^32) */
export function mulhilo32(a, b) {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const hh = ah * bh;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  const lo = (((mid & 0xffff) << 16) | (ll & 0xffff)) >>> 0;
  const hi = (hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
  return [hi, lo];
}

/** Philox4x32-10 of counter [c0, c1, c2, c3] under key [k0, k1]; returns four uint32 words */
export function philox4x32(ctr, key) {
  let [c0, c1, c2, c3] = ctr;
  let [k0, k1] = key;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + PHILOX_W0) >>> 0;
      k1 = (k1 + PHILOX_W1) >>> 0;
    }
    const [hi0, lo0] = mulhilo32(PHILOX_M0, c0);
    const [hi1, lo1] = mulhilo32(PHILOX_M1, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}

const TWO32 = 2 ** 32;

/** the four words of counter number `counter` (a Number below 2^53) of the stream keyed by `seed` */
export function philoxBlock(seed, counter) {
  const key = [seed % TWO32, Math.floor(seed / TWO32)];
  return philox4x32([counter % TWO32, Math.floor(counter / TWO32), 0, 0], key);
}

/** the kernels.h uniform stream: element i is (word >> 8) 2^-24 of word i % 4 of counter offset + i / 4 */
export function philoxUniform(seed, offset, n) {
  const out = new Float64Array(n);
  for (let j = 0; j * 4 < n; j++) {
    const w = philoxBlock(seed, offset + j);
    for (let q = 0; q < 4 && 4 * j + q < n; q++) out[4 * j + q] = (w[q] >>> 8) * 2 ** -24;
  }
  return out;
}

/** the kernels.h normal stream: words (0,1) and (2,3) of each counter give two Box-Muller normals each */
export function philoxNormal(seed, offset, n) {
  const out = new Float64Array(n);
  for (let j = 0; j * 4 < n; j++) {
    const w = philoxBlock(seed, offset + j);
    const u = w.map((x) => (x >>> 8) * 2 ** -24);
    const z = [];
    for (const [a, b] of [[0, 1], [2, 3]]) {
      const r = Math.sqrt(-2 * Math.log(1 - u[a]));
      z.push(r * Math.cos(2 * Math.PI * u[b]), r * Math.sin(2 * Math.PI * u[b]));
    }
    for (let q = 0; q < 4 && 4 * j + q < n; q++) out[4 * j + q] = z[q];
  }
  return out;
}

export function meanStd(x) {
  let s = 0;
  for (const v of x) s += v;
  const mean = s / x.length;
  let q = 0;
  for (const v of x) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / x.length) };
}
