// nn: Linear and MLP shapes, parameter counts and dotted names, initialisation ranges (PyTorch's default
// U(-1/sqrt(in), 1/sqrt(in)), Xavier, Kaiming), the forward against a float64 reference, stateDict round trips,
// train/eval and dropout, and Module's discovery of children, parameters and buffers.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { matmul64 } from '../gradcheck.js';
import { rng } from '../helpers.js';

const s = suite('nn: Linear, MLP, Module');

const names = (m) => m.namedParameters().map(([n]) => n);
const count = (m) => m.parameters().reduce((n, p) => n + p.size, 0);

function stats(a) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sq = 0;
  for (const v of a) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    sq += v * v;
  }
  const mean = sum / a.length;
  return { min, max, mean, std: Math.sqrt(sq / a.length - mean * mean) };
}

s('Linear: shapes, parameter names and counts, with and without bias', () => {
  const l = new sg.Linear(7, 5);
  assert.equal(l.weight.shape, [7, 5]);
  assert.equal(l.bias.shape, [5]);
  assert.equal(names(l), ['weight', 'bias']);
  assert.is(count(l), 7 * 5 + 5);
  assert.ok(l.weight.requiresGrad && l.bias.requiresGrad && l.weight.isLeaf);
  const y = sg.tidy(() => l.forward(sg.zeros([3, 7])));
  assert.equal(y.shape, [3, 5]);
  const y3 = sg.tidy(() => l.forward(sg.zeros([2, 3, 7])));
  assert.equal(y3.shape, [2, 3, 5]);
  sg.dispose([y, y3]);
  l.dispose();
  const nb = new sg.Linear(7, 5, { bias: false });
  assert.is(nb.bias, null);
  assert.equal(names(nb), ['weight']);
  assert.is(count(nb), 35);
  nb.dispose();
});

s('MLP: layer shapes, dotted names in order, parameter count, activations', () => {
  const m = new sg.MLP([10, 7, 5, 3]);
  assert.is(m.layers.length, 3);
  assert.equal(m.layers.map((l) => l.weight.shape), [[10, 7], [7, 5], [5, 3]]);
  assert.equal(names(m), ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias', 'layers.2.weight', 'layers.2.bias']);
  assert.is(count(m), 10 * 7 + 7 + 7 * 5 + 5 + 5 * 3 + 3);
  assert.equal(m.layers.map((l) => l.activation), ['relu', 'relu', 'none']);
  const t = new sg.MLP([4, 3, 2], { activation: 'tanh', outputActivation: 'sigmoid', bias: false });
  assert.equal(t.layers.map((l) => l.activation), ['tanh', 'sigmoid']);
  assert.equal(names(t), ['layers.0.weight', 'layers.1.weight']);
  assert.equal(Object.keys(t.stateDict()), ['layers.0.weight', 'layers.1.weight']);
  const y = sg.tidy(() => m.forward(sg.zeros([6, 10])));
  assert.equal(y.shape, [6, 3]);
  y.dispose();
  m.dispose();
  t.dispose();
});

s('default init: weight and bias from U(-1/sqrt(in), 1/sqrt(in)), filling the range', () => {
  for (const [inF, outF] of [[100, 200], [3, 4000], [784, 64]]) {
    const l = new sg.Linear(inF, outF, { generator: new sg.Generator(inF) });
    const bound = 1 / Math.sqrt(inF);
    for (const [what, t] of [['weight', l.weight], ['bias', l.bias]]) {
      const a = t.toArray();
      const st = stats(a);
      assert.ok(st.min >= -bound && st.max <= bound, `${what} ${inF}x${outF}: range [${st.min}, ${st.max}] outside ±${bound}`);
      if (a.length >= 4000) {
        // U(-b, b): mean 0, std b/sqrt(3); the extremes come within 1% of ±b
        assert.ok(st.min < -0.99 * bound && st.max > 0.99 * bound, `${what}: range [${st.min}, ${st.max}] does not fill ±${bound}`);
        assert.ok(Math.abs(st.mean) < 5 * bound / Math.sqrt(3 * a.length), `${what}: mean ${st.mean}`);
        assert.ok(Math.abs(st.std / (bound / Math.sqrt(3)) - 1) < 0.05, `${what}: std ${st.std}, expected ${bound / Math.sqrt(3)}`);
      }
    }
    l.dispose();
  }
});

s('xavier and kaiming init: weight bounds from the fans and gains, bias zero', () => {
  const [inF, outF] = [300, 200];
  const x = new sg.Linear(inF, outF, { init: 'xavier', activation: 'tanh', generator: new sg.Generator(1) });
  const xb = (5 / 3) * Math.sqrt(6 / (inF + outF));
  const xs = stats(x.weight.toArray());
  assert.ok(xs.min >= -xb && xs.max <= xb && xs.min < -0.99 * xb && xs.max > 0.99 * xb, `xavier range [${xs.min}, ${xs.max}] vs ±${xb}`);
  assert.ok(x.bias.toArray().every((v) => v === 0), 'xavier bias is zero');
  const k = new sg.Linear(inF, outF, { init: 'kaiming', activation: 'relu', generator: new sg.Generator(2) });
  const kb = Math.sqrt(3) * Math.SQRT2 / Math.sqrt(inF);
  const ks = stats(k.weight.toArray());
  assert.ok(ks.min >= -kb && ks.max <= kb && ks.min < -0.99 * kb && ks.max > 0.99 * kb, `kaiming range [${ks.min}, ${ks.max}] vs ±${kb}`);
  assert.ok(k.bias.toArray().every((v) => v === 0), 'kaiming bias is zero');
  x.dispose();
  k.dispose();
});

s('Linear and MLP forward against float64: act(x W + b) layer by layer', () => {
  const r = rng(3);
  const m = new sg.MLP([6, 5, 4], { activation: 'tanh', generator: new sg.Generator(3) });
  const xData = Float32Array.from({ length: 9 * 6 }, () => r.uniform(-1, 1));
  const got = sg.tidy(() => m.forward(sg.tensor(xData, [9, 6])).toArray());
  const [W1, b1, W2, b2] = m.parameters().map((p) => Float64Array.from(p.toArray()));
  const h = matmul64(xData, W1, 9, 5, 6).out.map((v, i) => Math.tanh(v + b1[i % 5]));
  const y = matmul64(h, W2, 9, 4, 5).out.map((v, i) => v + b2[i % 4]);
  for (let i = 0; i < y.length; i++) {
    assert.ok(Math.abs(got[i] - y[i]) <= 1e-5 * (1 + Math.abs(y[i])), `output ${i}: ${got[i]} vs ${y[i]}`);
  }
  m.dispose();
});

s('stateDict round trip: copies out, loads in place (same tensors), outputs identical', () => {
  const a = new sg.MLP([5, 4, 3], { generator: new sg.Generator(1) });
  const b = new sg.MLP([5, 4, 3], { generator: new sg.Generator(2) });
  const state = a.stateDict();
  assert.equal(Object.keys(state), names(a));
  assert.equal(state['layers.0.weight'].shape, [5, 4]);
  assert.ok(state['layers.0.weight'].data instanceof Float32Array);
  const before = b.parameters();
  b.loadStateDict(state);
  assert.ok(b.parameters().every((p, i) => p === before[i]), 'the same tensors, loaded in place');
  const x = sg.tensor(Float32Array.from({ length: 10 }, (_, i) => i / 10 - 0.5), [2, 5]);
  const [ya, yb] = sg.tidy(() => [a.forward(x).toArray(), b.forward(x).toArray()]);
  assert.equal(Array.from(yb), Array.from(ya));
  state['layers.0.weight'].data.fill(0);
  assert.ok(a.layers[0].weight.toArray().some((v) => v !== 0), 'stateDict returned copies');
  // a Map works too, and strict: false skips missing names
  b.loadStateDict(new Map([['layers.1.bias', { shape: [3], data: new Float32Array([1, 2, 3]) }]]), { strict: false });
  assert.equal(Array.from(b.layers[1].bias.toArray()), [1, 2, 3]);
  x.dispose();
  a.dispose();
  b.dispose();
});

s('train/eval: dropout is active only in training mode, and the mode reaches every child', () => {
  const m = new sg.MLP([8, 64, 4], { dropout: 0.5, generator: new sg.Generator(4) });
  const x = sg.tensor(Float32Array.from({ length: 3 * 8 }, (_, i) => Math.sin(i)), [3, 8]);
  assert.ok(m.training && m.layers.every((l) => l.training));
  const [t1, t2] = sg.tidy(() => [m.forward(x).toArray(), m.forward(x).toArray()]);
  assert.ok(t1.some((v, i) => v !== t2[i]), 'two training forwards use different dropout masks');
  assert.is(m.eval(), m);
  assert.ok(!m.training && m.layers.every((l) => !l.training));
  const [e1, e2] = sg.tidy(() => [m.forward(x).toArray(), m.forward(x).toArray()]);
  assert.equal(Array.from(e1), Array.from(e2), 'eval forwards are deterministic');
  // eval output is the network without dropout
  const plain = sg.tidy(() => {
    const [l0, l1] = m.layers;
    return sg.linear(sg.linear(x, l0.weight, l0.bias, 'relu'), l1.weight, l1.bias).toArray();
  });
  assert.equal(Array.from(e1), Array.from(plain));
  // a hidden layer's dropout zeroes about half the units in training
  const hidden = sg.tidy(() => sg.dropout(sg.ones([1000]), 0.5, new sg.Generator(1), m.training).toArray());
  assert.ok(hidden.every((v) => v === 1), 'eval: no dropout');
  m.train();
  assert.ok(m.training && m.layers.every((l) => l.training));
  const h2 = sg.tidy(() => sg.dropout(sg.ones([1000]), 0.5, new sg.Generator(1), m.training).toArray());
  const zeros = h2.filter((v) => v === 0).length;
  assert.ok(zeros > 400 && zeros < 600 && h2.every((v) => v === 0 || v === 2), `training: ${zeros} of 1000 dropped`);
  x.dispose();
  m.dispose();
});

s('Module: children, parameters and buffers found by property; shared modules counted once; zeroGrad', () => {
  class Net extends sg.Module {
    constructor() {
      super();
      this.encoder = new sg.MLP([4, 3]);
      this.heads = [new sg.Linear(3, 2), new sg.Linear(3, 1, { bias: false })];
      this.shared = this.encoder; // the same module twice
      this.scale = sg.keep(sg.ones([2])); // a buffer: no gradient
      this.register('extra', sg.zeros([1], { requiresGrad: true }));
      this.note = 'not a tensor';
    }
  }
  const n = new Net();
  assert.equal(names(n), ['encoder.layers.0.weight', 'encoder.layers.0.bias', 'heads.0.weight', 'heads.0.bias', 'heads.1.weight', 'extra']);
  assert.equal(n.namedTensors().map(([k]) => k), [...names(n).slice(0, 5), 'scale', 'extra']);
  assert.equal(n.namedChildren().map(([k]) => k), ['encoder', 'heads.0', 'heads.1', 'shared']);
  assert.equal(Object.keys(n.stateDict()), n.namedTensors().map(([k]) => k), 'buffers are saved too');
  n.eval();
  assert.ok(!n.encoder.training && !n.heads[1].training);
  sg.tidy(() => {
    const h = n.encoder.forward(sg.ones([2, 4]));
    sg.sum(sg.add(sg.add(sg.sum(n.heads[0].forward(h)), sg.sum(n.heads[1].forward(h))), n.extra)).backward();
  });
  assert.ok(n.parameters().every((p) => p.grad !== null && p.grad.toArray().some((v) => v !== 0)));
  n.zeroGrad();
  assert.ok(n.parameters().every((p) => p.grad.toArray().every((v) => v === 0)), 'zeroGrad zeroes every gradient');
  const live = sg.liveTensors();
  n.dispose();
  assert.is(sg.liveTensors(), live - 7 - 6, 'dispose frees the 7 tensors and 6 gradients');
});

s('a model and its optimizer built inside tidy() outlive the scope', () => {
  const before = sg.liveTensors();
  const { m, opt } = sg.tidy(() => {
    const model = new sg.MLP([3, 4, 2], { generator: new sg.Generator(1) });
    sg.ones([7]); // a temporary, freed by the scope
    return { m: model, opt: new sg.Adam(model.parameters()) };
  });
  assert.ok(m.parameters().every((p) => !p.isDisposed && p.grad !== null && !p.grad.isDisposed));
  sg.tidy(() => {
    opt.zeroGrad();
    sg.sum(m.forward(sg.ones([2, 3]))).backward();
    opt.step();
  });
  assert.is(sg.liveTensors(), before + 4 + 4 + 3, '4 parameters, 4 gradient views, the flat gradient, m and v');
  opt.dispose();
  m.dispose();
  assert.is(sg.liveTensors(), before);
});

s.run();
