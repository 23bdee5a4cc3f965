// What the semi-supervised models share: balanced class weights, the (weighted) classifier loss and its gradient
// against float64, the evaluation sums (unlabelled rows skipped), and the checks of a batch's labelled part.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { balancedClassWeights, classificationSums, classifierLoss } from '../../dist/src/models/parts/classifier.js';
import { labelledPart } from '../../dist/src/models/base.js';
import { assertClose, rng, randomArray } from '../helpers.js';

const s = suite('models: semi-supervised shared parts');

s('balanced class weights are n / (classes * count), unlabelled rows ignored', () => {
  const labels = new Float32Array([0, 0, 0, 1, NaN, 2, 2, 0, NaN]);
  // 7 labelled: counts 4, 1, 2
  assertClose(balancedClassWeights(labels, 3), [7 / 12, 7 / 3, 7 / 6]);
  assert.throws(() => balancedClassWeights(labels, 4), /class 3 has no labelled row/);
  assert.throws(() => balancedClassWeights(new Float32Array([0, 5]), 3), /label 5 is not a class/);
});

/** float64 softmax cross-entropy of one row */
function xent(row, y) {
  const m = Math.max(...row);
  const z = row.reduce((a, v) => a + Math.exp(v - m), 0);
  return Math.log(z) + m - row[y];
}

for (const weights of [null, [0.5, 2, 1, 3]]) {
  s(`classifier loss and its gradient match float64 (${weights ? 'weighted' : 'unweighted'})`, () => {
    const r = rng(5);
    const rows = 6;
    const k = 4;
    const data = randomArray(r, rows * k, -2, 2);
    const y = [0, 3, 1, 1, 2, 3];
    const logits = sg.fromArray(data, [rows, k], { requiresGrad: true });
    const loss = classifierLoss('test', logits, sg.fromArray(Float32Array.from(y), [rows]), weights);
    const reference = (d) => {
      let num = 0;
      let den = 0;
      for (let i = 0; i < rows; i++) {
        const w = weights ? weights[y[i]] : 1;
        num += w * xent(Array.from(d.subarray(i * k, (i + 1) * k)), y[i]);
        den += w;
      }
      return num / den;
    };
    const x64 = Float64Array.from(data);
    assertClose([loss.item()], [reference(x64)], { atol: 1e-6 });
    loss.backward();
    const h = 1e-6;
    const expected = Array.from(x64, (_, i) => {
      const up = Float64Array.from(x64);
      const down = Float64Array.from(x64);
      up[i] += h;
      down[i] -= h;
      return (reference(up) - reference(down)) / (2 * h);
    });
    assertClose(logits.grad.toArray(), expected, { atol: 1e-5 });
    assert.throws(() => classifierLoss('test', logits, sg.fromArray(new Float32Array([0, 1, 4, 0, 0, 0]), [rows]), weights),
      /label 4 of labelled row 2 is not a class of 0..3/);
  });
}

s('evaluation sums count errors and cross-entropy over labelled rows only', () => {
  const logits = sg.tensor([[2, 1, 0], [0, 3, 1], [5, 0, 0], [0, 0, 1]]);
  const labels = sg.tensor([0, 2, NaN, 2]);
  const sums = classificationSums(logits, labels);
  assert.is(sums.error, 1); // row 1 predicts 1, not 2
  assertClose([sums.cross_entropy], [xent([2, 1, 0], 0) + xent([0, 3, 1], 2) + xent([0, 0, 1], 2)], { atol: 1e-5 });
});

s('the labelled part of a batch is checked', () => {
  const x = sg.zeros([3, 4]);
  assert.throws(() => labelledPart('m', { x }, 4, 'cpu'), /no labelled part/);
  assert.throws(() => labelledPart('m', { x, labelled: { x: sg.zeros([3, 5]), labels: sg.zeros([3]) } }, 4, 'cpu'), /must be \[rows, 4\]/);
  assert.throws(() => labelledPart('m', { x, labelled: { x, labels: sg.zeros([2]) } }, 4, 'cpu'), /2 entries for 3 rows/);
  const gone = sg.zeros([3]);
  gone.dispose();
  assert.throws(() => labelledPart('m', { x, labelled: { x, labels: gone } }, 4, 'cpu'), /disposed/);
  assert.ok(labelledPart('m', { x, labelled: { x, labels: sg.zeros([3]) } }, 4, 'cpu').x === x);
});

s.run();
