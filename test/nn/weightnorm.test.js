// WeightNormLinear against a float64 reference: the output act(x · v g / ||v|| + b) and the gradients of v, g (when
// trained) and b by central differences; a fixed length is a buffer; the data-dependent initialisation gives
// standard pre-activations and keeps the direction; bad arguments throw.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { assertClose, assertThrows, rng } from '../helpers.js';
import { finiteDifferences, matrix, mean, sum } from '../models/reference.js';

const s = suite('nn: WeightNormLinear');
const IN = 5;
const OUT = 3;
const ROWS = 4;

/** tanh(x · v g / ||v|| + b) for x rows; p holds direction [IN*OUT], scale [OUT], bias [OUT] */
function reference(p, x, f = Math.tanh) {
  const norms = Array.from({ length: OUT }, (_, j) => Math.sqrt(sum(Array.from({ length: IN }, (_, i) => p.direction[i * OUT + j] ** 2))));
  return x.map((row) => Array.from({ length: OUT }, (_, j) => {
    let t = p.bias[j];
    for (let i = 0; i < IN; i++) t += row[i] * p.direction[i * OUT + j] * p.scale[j] / norms[j];
    return f(t);
  }));
}

function setup(trainScale) {
  const r = rng(91);
  const layer = new sg.WeightNormLinear(IN, OUT, { activation: 'tanh', trainScale, generator: new sg.Generator(2) });
  const state = layer.stateDict();
  for (const entry of Object.values(state)) for (let i = 0; i < entry.data.length; i++) entry.data[i] = r.uniform(-1, 1);
  layer.loadStateDict(state);
  const p = Object.fromEntries(Object.entries(layer.stateDict()).map(([k, v]) => [k, Float64Array.from(v.data)]));
  const xs = Float32Array.from({ length: ROWS * IN }, () => r.uniform(-1, 1));
  const w = Array.from({ length: ROWS * OUT }, () => r.uniform(-1, 1));
  return { layer, p, xs, x: matrix(xs, ROWS, IN), w };
}

for (const trainScale of [true, false]) {
  s(`forward and gradients match float64 (trainScale ${trainScale})`, () => {
    const { layer, p, xs, x, w } = setup(trainScale);
    const loss = (q) => sum(reference(q, x).flat().map((v, i) => v * w[i]));
    const names = layer.namedParameters().map(([n]) => n);
    assert.equal(names, trainScale ? ['direction', 'scale', 'bias'] : ['direction', 'bias']);
    sg.tidy(() => {
      const y = layer.forward(sg.tensor(xs, [ROWS, IN]));
      assertClose(y.toArray(), reference(p, x).flat(), { what: 'forward' });
      sg.sum(sg.mul(y, sg.tensor(Float32Array.from(w), [ROWS, OUT]))).backward();
    });
    const want = finiteDifferences(loss, p, names);
    for (const [name, t] of layer.namedParameters()) assertClose(t.grad.toArray(), want[name], { atol: 2e-5, rtol: 1e-4, what: name });
  });
}

s('initFromData: pre-activations of mean 0 and the given spread on the batch, the direction kept', () => {
  const { layer, xs, x } = setup(false);
  const direction = layer.direction.toArray();
  const out = sg.tidy(() => layer.initFromData(sg.tensor(xs, [ROWS, IN]), 0.5).toArray());
  const p = Object.fromEntries(Object.entries(layer.stateDict()).map(([k, v]) => [k, Float64Array.from(v.data)]));
  assert.equal(layer.direction.toArray(), direction);
  const pre = reference(p, x, (v) => v);
  for (let j = 0; j < OUT; j++) {
    const col = pre.map((row) => row[j]);
    const m = mean(col);
    assertClose([m, Math.sqrt(mean(col.map((v) => (v - m) ** 2)))], [0, 0.5], { atol: 1e-5, what: `unit ${j}` });
  }
  assertClose(out, pre.flat().map(Math.tanh), { what: 'returned output' });
});

s('bad arguments throw naming what is wrong', () => {
  assertThrows(() => new sg.WeightNormLinear(0, 3), /WeightNormLinear: sizes must be positive integers/);
  assertThrows(() => new sg.WeightNormLinear(2, 3, { directionStd: 0 }), /WeightNormLinear: directionStd must be a positive number/);
  assertThrows(() => new sg.WeightNormLinear(2, 3, { activation: 'notAnActivation' }), /WeightNormLinear: unknown activation notAnActivation/);
  const layer = new sg.WeightNormLinear(2, 3);
  sg.tidy(() => {
    assertThrows(() => layer.initFromData(sg.zeros([1, 2])), /initFromData: needs at least 2 rows/);
    assertThrows(() => layer.initFromData(sg.zeros([4, 2]), -1), /initFromData: std must be a positive number/);
  });
});

s.run();
