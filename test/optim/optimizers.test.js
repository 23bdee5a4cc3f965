// optim: every parameter's .grad is a view into ONE flat buffer per device (zeroGrad is one fill, backward writes
// into it), Adam / AdamW / SGD (plain, momentum, Nesterov, weight decay) over 3 steps against a float64 reference
// of PyTorch's update rules, defaults, learning-rate changes, user-replaced gradients and state round trips.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { U } from '../gradcheck.js';
import { rng } from '../helpers.js';

const s = suite('optim: flat gradients, Adam, AdamW, SGD');

const SHAPES = [[3, 2], [2], [1, 1], [5]];

/** parameters of SHAPES with fixed values in [-1, 1) */
function makeParams(seed) {
  const r = rng(seed);
  return SHAPES.map((shape) => {
    const n = shape.reduce((a, d) => a * d, 1);
    return sg.tensor(Float32Array.from({ length: n }, () => r.uniform(-1, 1)), shape, { requiresGrad: true });
  });
}

/** one fixed gradient per parameter and step: backward of sum(p * G) gives exactly G */
function gradients(seed, steps) {
  const r = rng(seed);
  return Array.from({ length: steps }, () => SHAPES.map((shape) => Float32Array.from({ length: shape.reduce((a, d) => a * d, 1) }, () => r.uniform(-1, 1))));
}

function backwardWith(params, grads) {
  sg.tidy(() => {
    let L = null;
    params.forEach((p, i) => {
      const term = sg.sum(sg.mul(p, sg.tensor(grads[i], p.shape)));
      L = L === null ? term : sg.add(L, term);
    });
    L.backward();
  });
}

// ---- float64 references of PyTorch's update rules (torch.optim docs), written here ----

function adamRef(p, g, state, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, decoupled = false }) {
  state.t = (state.t ?? 0) + 1;
  state.m ??= new Float64Array(p.length);
  state.v ??= new Float64Array(p.length);
  const [b1, b2] = betas;
  for (let i = 0; i < p.length; i++) {
    let gi = g[i];
    if (decoupled) p[i] *= 1 - lr * weightDecay;
    else gi += weightDecay * p[i];
    state.m[i] = b1 * state.m[i] + (1 - b1) * gi;
    state.v[i] = b2 * state.v[i] + (1 - b2) * gi * gi;
    const mHat = state.m[i] / (1 - b1 ** state.t);
    const vHat = state.v[i] / (1 - b2 ** state.t);
    p[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
  }
}

function sgdRef(p, g, state, { lr, momentum = 0, nesterov = false, weightDecay = 0 }) {
  state.b ??= null;
  const d = Float64Array.from(g, (gi, i) => gi + weightDecay * p[i]);
  if (momentum !== 0) {
    state.b = state.b === null ? Float64Array.from(d) : state.b.map((bi, i) => momentum * bi + d[i]);
    for (let i = 0; i < p.length; i++) d[i] = nesterov ? d[i] + momentum * state.b[i] : state.b[i];
  }
  for (let i = 0; i < p.length; i++) p[i] -= lr * d[i];
}

const CASES = [
  ['Adam defaults', (ps) => new sg.Adam(ps), adamRef, {}],
  ['Adam lr 0.05, betas, eps, L2 weight decay', (ps) => new sg.Adam(ps, { lr: 0.05, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1 }), adamRef,
    { lr: 0.05, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1 }],
  ['AdamW defaults (weight decay 0.01, decoupled)', (ps) => new sg.AdamW(ps), adamRef, { weightDecay: 0.01, decoupled: true }],
  ['AdamW lr 0.1 weight decay 0.5', (ps) => new sg.AdamW(ps, { lr: 0.1, weightDecay: 0.5 }), adamRef, { lr: 0.1, weightDecay: 0.5, decoupled: true }],
  ['SGD plain', (ps) => new sg.SGD(ps, { lr: 0.1 }), sgdRef, { lr: 0.1 }],
  ['SGD momentum 0.9', (ps) => new sg.SGD(ps, { lr: 0.1, momentum: 0.9 }), sgdRef, { lr: 0.1, momentum: 0.9 }],
  ['SGD Nesterov 0.9 with weight decay', (ps) => new sg.SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.2 }), sgdRef,
    { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.2 }],
];

for (const [name, make, ref, options] of CASES) {
  s(`${name}: 3 steps against the float64 reference`, () => {
    const params = makeParams(1);
    const grads = gradients(2, 3);
    const opt = make(params);
    const expected = params.map((p) => Float64Array.from(p.toArray()));
    const states = params.map(() => ({}));
    for (let t = 0; t < 3; t++) {
      opt.zeroGrad();
      backwardWith(params, grads[t]);
      opt.step();
      expected.forEach((p, i) => ref(p, grads[t][i], states[i], options));
      assert.is(opt.steps, t + 1);
      params.forEach((p, i) => {
        const got = p.toArray();
        for (let j = 0; j < got.length; j++) {
          // float32 rounding of p and of the update (whose terms are below 1 + |p|), over the steps so far
          const tol = 8 * U * (t + 1) * (1 + Math.abs(expected[i][j]));
          assert.ok(Math.abs(got[j] - expected[i][j]) <= tol,
            `step ${t + 1}, parameter ${i} [${j}]: ${got[j]}, expected ${expected[i][j]} (tolerance ${tol.toExponential(2)})`);
        }
      });
    }
    opt.dispose();
    sg.dispose(params);
  });
}

s('gradients are views into one flat buffer: consecutive offsets, one storage, kept across steps', () => {
  const params = makeParams(3);
  const opt = new sg.Adam(params);
  const storage = params[0].grad.storage;
  let offset = params[0].grad.offset;
  params.forEach((p, i) => {
    assert.ok(p.grad !== null, `parameter ${i} has a gradient view from the start`);
    assert.equal(p.grad.shape, p.shape);
    assert.ok(p.grad.storage === storage, `parameter ${i}'s gradient shares the one flat buffer`);
    assert.is(p.grad.offset, offset, `parameter ${i}'s gradient starts where the previous one ended`);
    assert.ok(p.grad.toArray().every((v) => v === 0), 'starts at zero');
    offset += p.size;
  });
  const views = params.map((p) => p.grad);
  const grads = gradients(4, 2);
  backwardWith(params, grads[0]);
  params.forEach((p, i) => {
    assert.ok(p.grad === views[i], 'backward accumulates into the view itself');
    assert.equal(Array.from(p.grad.toArray()), Array.from(grads[0][i]));
  });
  // the buffer is shared: one download of the whole flat range holds every gradient in order
  const flat = sg.native.download(storage, params[0].grad.offset, offset - params[0].grad.offset);
  assert.equal(Array.from(flat), grads[0].flatMap((g) => Array.from(g)));
  backwardWith(params, grads[1]);
  params.forEach((p, i) => assert.equal(Array.from(p.grad.toArray()), Array.from(grads[0][i], (v, j) => Math.fround(v + grads[1][i][j]))));
  opt.zeroGrad();
  assert.ok(params.every((p, i) => p.grad === views[i] && p.grad.toArray().every((v) => v === 0)), 'zeroGrad zeroes every gradient in place');
  assert.ok(sg.native.download(storage, params[0].grad.offset, offset - params[0].grad.offset).every((v) => v === 0));
  opt.step();
  assert.ok(params.every((p, i) => p.grad === views[i]), 'the views survive a step');
  // the module's zeroGrad writes into the same views
  backwardWith(params, grads[0]);
  const holder = new sg.Module();
  holder.register('ps', params);
  holder.zeroGrad();
  assert.ok(params.every((p) => p.grad.toArray().every((v) => v === 0)));
  opt.dispose();
  assert.ok(params.every((p) => p.grad === null), 'disposing the optimizer drops the views');
  sg.dispose(params);
});

s('a gradient the user replaced is adopted into the flat buffer on step', () => {
  const params = makeParams(5);
  const opt = new sg.SGD(params, { lr: 0.5 });
  const before = params.map((p) => p.toArray());
  const view0 = params[0].grad;
  params[0].grad = sg.keep(sg.full(params[0].shape, 2));
  params[1].grad = null;
  opt.step();
  assert.ok(params[0].grad === view0, 'the view is back');
  params.forEach((p, i) => {
    const delta = i === 0 ? -1 : 0;
    p.toArray().forEach((v, j) => assert.is(v, Math.fround(before[i][j] + delta), `parameter ${i} [${j}]`));
  });
  opt.dispose();
  sg.dispose(params);
});

s('learning-rate changes take effect; getState / setState round-trip the slots and the step count', () => {
  const a = makeParams(6);
  const b = makeParams(6);
  const grads = gradients(7, 4);
  const optA = new sg.Adam(a, { lr: 0.01 });
  const optB = new sg.Adam(b, { lr: 0.01 });
  for (let t = 0; t < 2; t++) {
    for (const [ps, opt] of [[a, optA], [b, optB]]) {
      opt.zeroGrad();
      backwardWith(ps, grads[t]);
      opt.step();
    }
  }
  const state = optA.getState();
  assert.is(state.step, 2);
  assert.is(state.lr, 0.01);
  assert.equal(Object.keys(state.slots), ['m', 'v']);
  assert.is(state.slots.m.length, a.length);
  assert.ok(state.slots.v.every((v, i) => v instanceof Float32Array && v.length === a[i].size));
  // a fresh optimizer given the state continues exactly like the original
  const optC = new sg.Adam(b, { lr: 0.5 });
  optC.setState(state);
  assert.is(optC.lr, 0.01);
  assert.is(optC.steps, 2);
  for (const [ps, opt] of [[a, optA], [b, optC]]) {
    opt.zeroGrad();
    backwardWith(ps, grads[2]);
    opt.step();
  }
  a.forEach((p, i) => assert.equal(Array.from(b[i].toArray()), Array.from(p.toArray()), `parameter ${i} after resuming`));
  // lr 0 freezes the parameters
  optA.lr = 0;
  const frozen = a.map((p) => p.toArray());
  optA.zeroGrad();
  backwardWith(a, grads[3]);
  optA.step();
  a.forEach((p, i) => assert.equal(Array.from(p.toArray()), Array.from(frozen[i])));
  assert.throws(() => { optA.lr = NaN; }, /learning rate/);
  assert.throws(() => optA.setState({ ...state, slots: { m: state.slots.m } }), /setState/);
  [optA, optB, optC].forEach((o) => o.dispose());
  sg.dispose([a, b]);
});

s('SGD without momentum keeps no state; with momentum one velocity slot', () => {
  const p = makeParams(8);
  const plain = new sg.SGD(p, { lr: 0.1 });
  assert.equal(plain.getState().slots, {});
  plain.dispose();
  const mom = new sg.SGD(p, { lr: 0.1, momentum: 0.5 });
  assert.equal(Object.keys(mom.getState().slots), ['velocity']);
  mom.dispose();
  sg.dispose(p);
});

s.run();
