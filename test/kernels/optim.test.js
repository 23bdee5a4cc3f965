// The fused optimiser kernels against PyTorch's update rules in float64, over several tensors of awkward
// sizes (some sharing one flat storage at offsets) for 3 steps: Adam (L2), AdamW, SGD with momentum,
// Nesterov and weight decay, and the lerp of moving averages. Gaps between tensors in the flat storage must stay untouched.
import { suite } from 'uvu';
import { native } from '../../dist/src/backend.js';
import { rng, randomArray } from '../helpers.js';
import { check, compare, GUARD, testDevices, U32 } from '../reference/device.js';
import { refAdamStep, refLerpStep, refSgdStep } from '../reference/optim.js';

const SIZES = [1, 7, 33, 129, 1000, 4099];
// more tensors than one CUDA launch takes (bodies/optim.cuh's kBatchTensors): a step of several launches
const MANY = Array.from({ length: 60 }, (_, i) => [3, 1, 129, 33, 7, 1000][i % 6]);

/**
 * The tensors of one test: the first three live in one flat storage (as a model's parameters do) with
 * 2-element gaps, the rest in storages of their own at offset 1. Returns views and a reader.
 */
function tensors(device, r, sizes, init) {
  const flatSizes = sizes.slice(0, 3);
  const flatLength = flatSizes.reduce((s, n) => s + n + 2, 2);
  const flat = native.alloc(device, flatLength);
  native.upload(flat, 0, new Float32Array(flatLength).fill(GUARD));
  const storages = [flat];
  let at = 2;
  const views = sizes.map((n, i) => {
    if (i < 3) {
      const v = [flat, at, n];
      at += n + 2;
      return v;
    }
    const own = native.alloc(device, n + 2);
    native.upload(own, 0, new Float32Array(n + 2).fill(GUARD));
    storages.push(own);
    return [own, 1, n];
  });
  const host = views.map(([st, off, n]) => {
    const data = init(n);
    native.upload(st, off, data);
    return Float64Array.from(data);
  });
  return {
    views,
    host, // float64 copies the reference updates
    read: (what) => {
      const full = native.download(flat, 0, flatLength);
      const inside = new Uint8Array(flatLength);
      for (const [st, off, n] of views) if (st === flat) inside.fill(1, off, off + n);
      full.forEach((v, i) => {
        if (!inside[i] && !Object.is(v, GUARD)) check(`${what}: flat storage element ${i} between tensors was written`);
      });
      return views.map(([st, off, n]) => native.download(st, off, n));
    },
    set: (arrays) => views.forEach(([st, off], i) => native.upload(st, off, arrays[i])),
    free: () => storages.forEach((st) => native.free(st)),
  };
}

/** the hyperparameters as the kernel receives them (float32) */
const f32 = (opts) => Object.fromEntries(Object.entries(opts).map(([k, v]) => [k, typeof v === 'number' ? Math.fround(v) : v]));

/**
 * Tolerances of one Adam step from the state before it: m and v to a few u of the magnitude of their
 * terms; p to a few u of |p| plus the step's relative error, dominated by the float32 bias corrections
 * (1 - beta^t loses u / (1 - beta^t) relative).
 */
function adamTolerances(p0, g, m0, v0, p1, o, step) {
  const n = p0.length;
  const tp = new Float64Array(n);
  const tm = new Float64Array(n);
  const tv = new Float64Array(n);
  const stepRel = 16 * U32 + U32 / (1 - o.beta1 ** step) + U32 / (1 - o.beta2 ** step);
  for (let i = 0; i < n; i++) {
    const gi = Math.abs(g[i]) + (o.decoupled ? 0 : Math.abs(o.weightDecay * p0[i]));
    tm[i] = 1e-12 + 8 * U32 * (o.beta1 * Math.abs(m0[i]) + (1 - o.beta1) * gi);
    tv[i] = 1e-15 + 8 * U32 * (o.beta2 * v0[i] + (1 - o.beta2) * gi * gi);
    tp[i] = 1e-9 + 4 * U32 * Math.abs(p0[i]) + stepRel * Math.abs(p1[i] - p0[i]);
  }
  return { tp, tm, tv };
}

/** tolerances of one SGD step: a few u of |p| and of the magnitude of the step's terms */
function sgdTolerances(p0, g, v0, o) {
  const n = p0.length;
  const tp = new Float64Array(n);
  const tv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const gi = Math.abs(g[i]) + Math.abs(o.weightDecay * p0[i]);
    const vi = o.momentum * Math.abs(v0[i]) + gi;
    tv[i] = 1e-12 + 8 * U32 * vi;
    tp[i] = 1e-9 + 4 * U32 * Math.abs(p0[i]) + 8 * U32 * o.lr * (o.nesterov ? gi + o.momentum * vi : vi);
  }
  return { tp, tv };
}

const s = suite('kernels: optimisers');

for (const device of testDevices(native)) {
  for (const sizes of [SIZES, MANY]) {
    for (const [label, decoupled, weightDecay] of [['Adam', false, 0], ['Adam with L2', false, 0.1], ['AdamW', true, 0.1]]) {
      s(`adam: ${label}, ${sizes.length} tensors of sizes ${[...new Set(sizes)].join(', ')}, 3 steps [${device}]`, () => {
        const r = rng(900 + weightDecay * 10 + decoupled);
        const opts = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, decoupled };
        const p = tensors(device, r, sizes, (n) => randomArray(r, n));
        const g = tensors(device, r, sizes, (n) => new Float32Array(n));
        const m = tensors(device, r, sizes, (n) => new Float32Array(n));
        const v = tensors(device, r, sizes, (n) => new Float32Array(n));
        try {
          for (let step = 1; step <= 3; step++) {
            const grads = sizes.map((n) => randomArray(r, n, -2, 2));
            g.set(grads);
            native.adam(p.views, g.views, m.views, v.views, opts.lr, opts.beta1, opts.beta2, opts.eps, opts.weightDecay, decoupled, step);
            const o = f32(opts);
            const [pg, mg, vg] = [p.read('params'), m.read('m'), v.read('v')];
            sizes.forEach((n, i) => {
              const [p0, m0, v0] = [p.host[i], m.host[i], v.host[i]].map((x) => Float64Array.from(x));
              refAdamStep(p.host[i], grads[i], m.host[i], v.host[i], { ...o, step });
              const { tp, tm, tv } = adamTolerances(p0, grads[i], m0, v0, p.host[i], o, step);
              const what = `${label} step ${step} tensor ${i} (n=${n})`;
              check(compare(pg[i], p.host[i], tp, `${what}: param`));
              check(compare(mg[i], m.host[i], tm, `${what}: m`));
              check(compare(vg[i], v.host[i], tv, `${what}: v`));
            });
            // the next step starts from what the kernel holds, so float32 rounding does not accumulate
            sizes.forEach((_, i) => {
              p.host[i] = Float64Array.from(pg[i]);
              m.host[i] = Float64Array.from(mg[i]);
              v.host[i] = Float64Array.from(vg[i]);
            });
          }
        } finally {
          [p, g, m, v].forEach((t) => t.free());
        }
      });
    }

    const SGD = [
      ['plain (momentum 0, no velocity)', { lr: 0.05, momentum: 0, weightDecay: 0, nesterov: false }],
      ['weight decay, momentum 0', { lr: 0.05, momentum: 0, weightDecay: 0.01, nesterov: false }],
      ['momentum 0.9', { lr: 0.05, momentum: 0.9, weightDecay: 0, nesterov: false }],
      ['nesterov, weight decay', { lr: 0.05, momentum: 0.9, weightDecay: 0.01, nesterov: true }],
    ];
    for (const [label, opts] of SGD) {
      s(`sgd: ${label}, ${sizes.length} tensors, 3 steps [${device}]`, () => {
        const r = rng(950 + opts.momentum * 10 + opts.weightDecay * 100 + opts.nesterov);
        const withVelocity = opts.momentum !== 0;
        const p = tensors(device, r, sizes, (n) => randomArray(r, n));
        const g = tensors(device, r, sizes, (n) => new Float32Array(n));
        const vel = withVelocity ? tensors(device, r, sizes, (n) => new Float32Array(n)) : null;
        const hostVel = sizes.map((n) => new Float64Array(n));
        try {
          for (let step = 1; step <= 3; step++) {
            const grads = sizes.map((n) => randomArray(r, n, -2, 2));
            g.set(grads);
            native.sgd(p.views, g.views, vel ? vel.views : null, opts.lr, opts.momentum, opts.weightDecay, opts.nesterov);
            const o = f32(opts);
            const pg = p.read('params');
            const vg = vel ? vel.read('velocity') : null;
            sizes.forEach((n, i) => {
              const v = vel ? vel.host[i] : hostVel[i];
              const { tp, tv } = sgdTolerances(p.host[i], grads[i], v, o);
              refSgdStep(p.host[i], grads[i], v, o);
              const what = `sgd ${label} step ${step} tensor ${i} (n=${n})`;
              check(compare(pg[i], p.host[i], tp, `${what}: param`));
              if (vg) check(compare(vg[i], vel.host[i], tv, `${what}: velocity`));
              p.host[i] = Float64Array.from(pg[i]);
              if (vg) vel.host[i] = Float64Array.from(vg[i]);
            });
          }
        } finally {
          [p, g, vel].forEach((t) => t?.free());
        }
      });
    }

    for (const rate of [0.001, 0.25, 1]) {
      s(`lerp: targets move toward sources at rate ${rate}, ${sizes.length} tensors, 3 steps [${device}]`, () => {
        const r = rng(980 + rate * 1000);
        const t = tensors(device, r, sizes, (n) => randomArray(r, n, -2, 2));
        const src = tensors(device, r, sizes, (n) => new Float32Array(n));
        try {
          for (let step = 1; step <= 3; step++) {
            const sources = sizes.map((n) => randomArray(r, n, -2, 2));
            src.set(sources);
            native.lerp(t.views, src.views, rate);
            const f = Math.fround(rate);
            const got = t.read('targets');
            const unchanged = src.read('sources');
            sizes.forEach((n, i) => {
              const t0 = Float64Array.from(t.host[i]);
              refLerpStep(t.host[i], sources[i], f);
              // the difference, the product and the step each round once
              const tol = Float64Array.from(t0, (v, j) => 2 * U32 * (Math.abs(v) + f * (Math.abs(v) + Math.abs(sources[i][j]))));
              const what = `lerp rate ${rate} step ${step} tensor ${i} (n=${n})`;
              check(compare(got[i], t.host[i], tol, `${what}: target`));
              check(compare(unchanged[i], sources[i], 0, `${what}: the source changed`));
              t.host[i] = Float64Array.from(got[i]);
            });
          }
        } finally {
          [t, src].forEach((x) => x.free());
        }
      });
    }
  }
}

s.run();
