// End to end: a tiny MLP classifier on a separable synthetic problem (4 Gaussian blobs in 2-D, plus a
// non-linear ring problem) learns quickly and far beats chance on held-out points, with Adam and with SGD.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { rng } from '../helpers.js';

const s = suite('nn: a tiny classifier learns');

/** n points per class: blobs around the corners of a square (std 0.5), or two rings (radius 1 and 2.5) */
function dataset(kind, n, seed) {
  const r = rng(seed);
  const centres = [[2, 2], [-2, 2], [-2, -2], [2, -2]];
  const classes = kind === 'blobs' ? 4 : 2;
  const x = new Float32Array(classes * n * 2);
  const y = new Float32Array(classes * n);
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < n; i++) {
      const k = c * n + i;
      if (kind === 'blobs') {
        x[2 * k] = centres[c][0] + 0.5 * r.normal();
        x[2 * k + 1] = centres[c][1] + 0.5 * r.normal();
      } else {
        const a = r.uniform(0, 2 * Math.PI);
        const rad = (c === 0 ? 1 : 2.5) + 0.2 * r.normal();
        x[2 * k] = rad * Math.cos(a);
        x[2 * k + 1] = rad * Math.sin(a);
      }
      y[k] = c;
    }
  }
  return { x: sg.keep(sg.tensor(x, [classes * n, 2])), y: sg.keep(sg.tensor(y, [classes * n])), labels: y, classes };
}

function accuracy(model, data) {
  return sg.noGrad(() => sg.tidy(() => {
    const logits = model.forward(data.x).toArray();
    let right = 0;
    for (let i = 0; i < data.labels.length; i++) {
      let best = 0;
      for (let c = 1; c < data.classes; c++) if (logits[i * data.classes + c] > logits[i * data.classes + best]) best = c;
      if (best === data.labels[i]) right++;
    }
    return right / data.labels.length;
  }));
}

for (const [kind, optimizer, steps, want] of [['blobs', 'adam', 60, 0.95], ['blobs', 'sgd', 60, 0.95], ['rings', 'adam', 200, 0.95]]) {
  s(`${kind} with ${optimizer}: > ${want * 100}% held-out accuracy after ${steps} full-batch steps`, () => {
    const train = dataset(kind, 50, 1);
    const test = dataset(kind, 100, 2);
    const model = new sg.MLP([2, 16, train.classes], { activation: 'tanh', generator: new sg.Generator(3) });
    const opt = optimizer === 'adam' ? new sg.Adam(model.parameters(), { lr: 0.05 })
      : new sg.SGD(model.parameters(), { lr: 0.2, momentum: 0.9 });
    const chance = 1 / train.classes;
    const before = accuracy(model, test);
    let firstLoss = 0;
    let lastLoss = 0;
    for (let t = 0; t < steps; t++) {
      const loss = sg.tidy(() => {
        opt.zeroGrad();
        const l = sg.mean(sg.softmaxCrossEntropy(model.forward(train.x), train.y));
        l.backward();
        opt.step();
        return l.item();
      });
      if (t === 0) firstLoss = loss;
      lastLoss = loss;
    }
    const after = accuracy(model, test);
    assert.ok(lastLoss < firstLoss / 2, `loss ${firstLoss.toFixed(3)} -> ${lastLoss.toFixed(3)}`);
    assert.ok(after > want, `held-out accuracy ${after} (chance ${chance}, before training ${before})`);
    opt.dispose();
    model.dispose();
    sg.dispose([train.x, train.y, test.x, test.y]);
  });
}

s.run();
