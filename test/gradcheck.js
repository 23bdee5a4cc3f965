// Gradient checks of the TypeScript engine. For an op f and fixed float32 inputs, the engine's analytic gradient
// of L = sum(f(inputs) * W) (W a fixed random tensor, so every output element matters) is compared with central
// finite differences of a FLOAT64 reference of f written in the test (never the engine's forward), and the
// engine's forward is compared with that reference. The references run at the exact float32 input values, so
// the differences measure the engine's float32 rounding only; tolerances are derived from that rounding.
import * as assert from 'uvu/assert';
import * as sg from '../dist/src/index.js';
import { noteCudaSkipped, rng } from './helpers.js';

/** float32 unit roundoff */
export const U = 2 ** -24;

/** the devices to run on: every device the engine lists, or SEMIGEN_TEST_DEVICES=cpu,cuda:0 */
export function devices() {
  const listed = sg.devices().map((d) => d.device);
  noteCudaSkipped(listed);
  const wanted = process.env.SEMIGEN_TEST_DEVICES;
  return wanted ? wanted.split(',').filter((d) => listed.includes(d)) : listed;
}

function sizeOf(shape) {
  return shape.reduce((n, d) => n * d, 1);
}

/** uniform values in [lo, hi) as float32 */
export function uniform(r, n, lo = -1, hi = 1) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r.uniform(lo, hi);
  return a;
}

/** values with |x| in [margin, margin + span), random signs: kept away from a kink at 0 */
export function awayFromZero(r, n, margin = 0.05, span = 2) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r.uniform(0, 1) < 0.5 ? -1 : 1) * (margin + r.uniform(0, span));
  return a;
}

/** n distinct values spaced `gap` apart around 0, shuffled: no ties for max() */
export function distinct(r, n, gap = 1e-3) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (i - n / 2) * gap;
  for (let i = n - 1; i > 0; i--) {
    const j = r.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/**
 * Element indices to difference: every element when there are at most `cap`; otherwise the first and last rows
 * and the first and last two columns of the 2-D view (where tails and edges live) plus random others, `cap` in all.
 */
function pickIndices(shape, cap, r) {
  const n = sizeOf(shape);
  if (n <= cap) return Array.from({ length: n }, (_, i) => i);
  const cols = shape.length === 0 ? 1 : shape[shape.length - 1];
  const rows = n / cols;
  const set = new Set();
  for (let c = 0; c < cols; c++) {
    set.add(c);
    set.add((rows - 1) * cols + c);
  }
  for (let row = 0; row < rows; row++) for (const c of [0, 1, cols - 2, cols - 1]) if (c >= 0 && c < cols) set.add(row * cols + c);
  while (set.size < cap) set.add(r.int(n));
  return [...set].sort((a, b) => a - b);
}

function toOut(result) {
  if (result instanceof Float64Array || Array.isArray(result)) return { out: Float64Array.from(result), scale: null };
  return { out: Float64Array.from(result.out), scale: result.scale ? Float64Array.from(result.scale) : null };
}

/**
 * tol[i] = atol + rtol * max(|expected[i]|, scale[i]) + stol * max_j |expected[j]|. `scale` (optional, from the
 * reference) is the magnitude of the terms an element sums, for results that cancel.
 */
function tolerances(expected, scale, { atol = 0, rtol = 0, stol = 0 }) {
  let big = 0;
  for (const v of expected) if (Math.abs(v) > big) big = Math.abs(v);
  const tol = new Float64Array(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const mag = scale ? Math.max(Math.abs(expected[i]), scale[i]) : Math.abs(expected[i]);
    tol[i] = atol + rtol * mag + stol * big;
  }
  return tol;
}

/** the worst element of |actual - expected| against tol, or null; NaN fails */
function worst(actual, expected, tol, at = (i) => i) {
  let bad = -1;
  let ratio = 0;
  let maxRatio = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    const q = tol[i] > 0 ? err / tol[i] : err === 0 ? 0 : Infinity;
    if (!(q <= maxRatio)) maxRatio = Number.isNaN(q) ? Infinity : q;
    if (!(err <= tol[i]) && (bad < 0 || !(q <= ratio))) {
      bad = i;
      ratio = Number.isNaN(q) ? Infinity : q;
    }
  }
  return { bad, maxRatio, message: bad < 0 ? null
    : `[${at(bad)}] = ${actual[bad]}, expected ${expected[bad]} (tolerance ${tol[bad].toExponential(2)})` };
}

/** the largest error/tolerance ratio each check saw, printed at exit (worst first) with GRADCHECK_VERBOSE=1 */
const margins = [];
if (process.env.GRADCHECK_VERBOSE) {
  process.on('exit', () => {
    for (const m of margins.sort((a, b) => b.ratio - a.ratio)) process.stdout.write(`${m.ratio.toFixed(3)}  ${m.what}\n`);
  });
}

/**
 * Runs one gradient check.
 *   name     label for messages
 *   device   'cpu' | 'cuda:N'
 *   inputs   [{ name, shape, data?: Float32Array, lo?, hi?, grad?: boolean (default true), gen?(r, n) }]
 *   accept   optional (datas) => boolean; inputs are redrawn until it holds (keeps points away from kinks)
 *   op       (...tensors) => Tensor, the engine under test
 *   ref      (...Float64Array) => Float64Array | number[] | { out, scale }: the float64 reference, flat
 *   scale    optional (...Float64Array) => magnitudes of each output's terms (instead of ref's `scale`)
 *   outShape the shape the engine output must have
 *   step     finite-difference step (default 1e-4)
 *   fwd      forward tolerance { atol, rtol, stol } (see tolerances)
 *   grad     gradient tolerance, one object for every input or an array per input
 *   cap      most elements differenced per input (default 500)
 *   seed     seed of the test-side random inputs and W (default 1)
 */
export function gradcheck(spec) {
  const { name, device = 'cpu', op, ref, outShape, step = 1e-4, cap = 500, seed = 1 } = spec;
  const r = rng(seed);
  const inputs = spec.inputs.map((inp) => ({ grad: true, lo: -1, hi: 1, ...inp }));
  let datas;
  for (let attempt = 0; ; attempt++) {
    datas = inputs.map((inp) => inp.data ?? (inp.gen ? inp.gen(r, sizeOf(inp.shape)) : uniform(r, sizeOf(inp.shape), inp.lo, inp.hi)));
    if (!spec.accept || spec.accept(datas.map((d) => Float64Array.from(d)))) break;
    if (attempt > 200) throw new Error(`${name}: no inputs satisfying accept() after 200 draws`);
  }
  const x64 = datas.map((d) => Float64Array.from(d));
  const expected = toOut(ref(...x64));
  if (spec.scale) expected.scale = Float64Array.from(spec.scale(...x64));
  const W = uniform(r, expected.out.length, -1, 1);

  // ---- the engine: forward, then L = sum(y * W) and backward ----
  const liveBefore = sg.liveTensors();
  let yShape;
  let y32;
  const grads = [];
  sg.tidy(() => {
    const ts = inputs.map((inp, i) => sg.tensor(datas[i], inp.shape, { device, requiresGrad: inp.grad }));
    const y = op(...ts);
    yShape = y.shape.slice();
    y32 = y.toArray();
    const L = sg.sum(sg.mul(y, sg.tensor(W, y.shape, { device })));
    L.backward();
    ts.forEach((t, i) => {
      if (!inputs[i].grad) {
        assert.is(t.grad, null, `${name}: input ${inputs[i].name} does not require gradients but got one`);
        grads.push(null);
        return;
      }
      assert.ok(t.grad !== null, `${name}: no gradient reached input ${inputs[i].name}`);
      assert.equal(t.grad.shape.slice(), inputs[i].shape, `${name}: gradient of ${inputs[i].name} has shape ` +
        `[${t.grad.shape}], expected [${inputs[i].shape}]`);
      grads.push(t.grad.toArray());
    });
  });
  assert.is(sg.liveTensors(), liveBefore, `${name}: tensors leaked by forward + backward inside tidy()`);
  if (outShape) assert.equal(yShape, outShape, `${name}: output shape [${yShape}], expected [${outShape}]`);
  assert.is(y32.length, expected.out.length, `${name}: output has ${y32.length} elements, the reference ${expected.out.length}`);

  const fwd = worst(y32, expected.out, tolerances(expected.out, expected.scale, spec.fwd));
  margins.push({ what: `${name} [${device}] forward`, ratio: fwd.maxRatio });
  if (fwd.message) assert.unreachable(`${name} [${device}] forward${fwd.message}`);

  // ---- central differences of the float64 reference ----
  inputs.forEach((inp, i) => {
    if (!inp.grad) return;
    const idx = pickIndices(inp.shape, cap, r);
    const fd = new Float64Array(idx.length);
    const x = x64[i];
    idx.forEach((j, q) => {
      const v = x[j];
      x[j] = v + step;
      const yp = toOut(ref(...x64)).out;
      x[j] = v - step;
      const ym = toOut(ref(...x64)).out;
      x[j] = v;
      let d = 0;
      for (let k = 0; k < yp.length; k++) {
        const dy = yp[k] - ym[k];
        if (dy !== 0) d += W[k] * dy;
      }
      fd[q] = d / (2 * step);
    });
    const got = Float64Array.from(idx, (j) => grads[i][j]);
    const gradTol = Array.isArray(spec.grad) ? spec.grad[i] : spec.grad;
    // plus the differences' own float64 error (1e-9 relative: far below any float32 effect)
    const tol = tolerances(fd, null, gradTol);
    const floor = tolerances(fd, null, { rtol: 1e-9, stol: 1e-9 });
    for (let q = 0; q < tol.length; q++) tol[q] += floor[q];
    const res = worst(got, fd, tol, (q) => idx[q]);
    margins.push({ what: `${name} [${device}] d/d${inp.name}`, ratio: res.maxRatio });
    if (res.message) assert.unreachable(`${name} [${device}] d/d${inp.name}${res.message}`);
  });
}

// ---- float64 building blocks for the references ----

/** NumPy broadcasting of two shapes: the result shape and, per result element, the source index in a and b */
export function broadcastIndex(aShape, bShape) {
  const rank = Math.max(aShape.length, bShape.length);
  const pad = (s) => [...new Array(rank - s.length).fill(1), ...s];
  const as = pad(aShape);
  const bs = pad(bShape);
  const shape = as.map((d, i) => {
    if (d !== bs[i] && d !== 1 && bs[i] !== 1) throw new Error(`shapes [${aShape}] and [${bShape}] do not broadcast`);
    return d === 1 ? bs[i] : d;
  });
  const n = sizeOf(shape);
  const ai = new Int32Array(n);
  const bi = new Int32Array(n);
  const coord = new Array(rank).fill(0);
  for (let k = 0; k < n; k++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      ia = ia * as[d] + (as[d] === 1 ? 0 : coord[d]);
      ib = ib * bs[d] + (bs[d] === 1 ? 0 : coord[d]);
    }
    ai[k] = ia;
    bi[k] = ib;
    for (let d = rank - 1; d >= 0; d--) {
      if (++coord[d] < shape[d]) break;
      coord[d] = 0;
    }
  }
  return { shape, ai, bi };
}


/** C = op(A) op(B) in float64 with the magnitude sum of each element's terms; A is m x k (stored k x m when tA) */
export function matmul64(A, B, m, n, k, tA = false, tB = false) {
  const out = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let a = 0;
      for (let l = 0; l < k; l++) {
        const p = (tA ? A[l * m + i] : A[i * k + l]) * (tB ? B[j * k + l] : B[l * n + j]);
        s += p;
        a += Math.abs(p);
      }
      out[i * n + j] = s;
      scale[i * n + j] = a;
    }
  }
  return { out, scale };
}

/** log-softmax of each row of a rows x cols matrix */
export function logSoftmax64(x, rows, cols) {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(x[r * cols + c] - m);
    const lse = m + Math.log(s);
    for (let c = 0; c < cols; c++) out[r * cols + c] = x[r * cols + c] - lse;
  }
  return out;
}
