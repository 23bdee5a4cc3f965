// Evaluation divides each sum by the rows it was taken over: a classifier's error and cross-entropy by the labelled
// rows of the split (an unlabelled row is no test of the classifier), M2's bound likewise, every other metric by all
// rows. Checked against the model's own classify() on the labelled rows, counted here.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { evaluateSplit } from '../../dist/src/train/evaluate.js';
import { assertClose, rng, randomArray } from '../helpers.js';

const s = suite('train: evaluation divisors');
const ROWS = 12;
const IN = 5;

/** 12 rows, of which rows 0, 3, 6, 9 are labelled */
function split() {
  const r = rng(3);
  const labels = new Float32Array(ROWS).fill(NaN);
  for (const i of [0, 3, 6, 9]) labels[i] = i % 2;
  return { x: randomArray(r, ROWS * IN, 0, 1), labels, count: ROWS, features: IN };
}

/** error and cross-entropy of classify() over the labelled rows, in float64 */
function expected(model, data) {
  const p = sg.tidy(() => { model.module.eval(); const q = model.classify(sg.tensor(data.x, [ROWS, IN])).toArray(); model.module.train(); return q; });
  let error = 0;
  let xent = 0;
  let n = 0;
  for (let i = 0; i < ROWS; i++) {
    const y = data.labels[i];
    if (Number.isNaN(y)) continue;
    n++;
    const row = [p[2 * i], p[2 * i + 1]];
    if (row.indexOf(Math.max(...row)) !== y) error++;
    xent -= Math.log(row[y]);
  }
  return { error: error / n, xent: xent / n };
}

s("a classifier's test_error and test_cross_entropy are per labelled row, not per row of the split", () => {
  const data = split();
  const model = new sg.SupervisedMLP({ inputSize: IN, hidden: [4], classes: 2, dropout: 0 }, { generator: new sg.Generator(1) });
  const metrics = evaluateSplit(model, data, 5);
  const want = expected(model, data);
  assertClose([metrics.test_error, metrics.test_cross_entropy], [want.error, want.xent], { atol: 1e-6, rtol: 1e-5 });
  sg.disposeModel(model);
});

s("M2's bound is per labelled row; the SSAE's reconstruction per row of the split", () => {
  const data = split();
  const m2 = new sg.M2({ inputSize: IN, classes: 2, latent: 2, classifierHidden: [3], encoderHidden: [3], decoderHidden: [3] },
    { generator: new sg.Generator(2) });
  const all = evaluateSplit(m2, data, 100);
  const labelledOnly = { ...data, x: data.x.filter((_, k) => !Number.isNaN(data.labels[Math.floor(k / IN)])),
    labels: data.labels.filter((l) => !Number.isNaN(l)), count: 4 };
  const only = evaluateSplit(m2, labelledOnly, 100);
  assertClose([all.test_neg_elbo, all.test_error], [only.test_neg_elbo, only.test_error], { atol: 1e-5, rtol: 1e-5 });
  const ssae = new sg.SSAE({ inputSize: IN, classes: 2, hidden: [3], code: 2 }, { generator: new sg.Generator(3) });
  const a = evaluateSplit(ssae, data, 100);
  const b = evaluateSplit(ssae, { ...data, labels: new Float32Array(ROWS).fill(NaN) }, 100);
  assertClose([a.test_reconstruction], [b.test_reconstruction], { atol: 1e-6, rtol: 1e-6 });
  assert.is(b.test_error, undefined, 'no labelled row: no classifier figure at all');
  for (const m of [m2, ssae]) sg.disposeModel(m);
});

s.run();
