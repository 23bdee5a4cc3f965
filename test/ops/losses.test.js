// Gradient checks of the per-row losses: softmaxCrossEntropy with class indices and with soft targets (gradients
// to logits and to targets), sigmoidCrossEntropy (targets in [0, 1], NaN targets masked) and gaussianKl.
import { suite } from 'uvu';
import * as sg from '../../dist/src/index.js';
import { U, devices, gradcheck, logSoftmax64, uniform } from '../gradcheck.js';
import { softplus } from '../reference/unary.js';

const s = suite('ops: loss gradients');

/** the losses use exp/log/log1p: the kernels' transcendental accuracy, plus a row sum of cols terms */
const lossTol = (cols) => ({ atol: 1e-6, rtol: 1e-5 + 8 * U * Math.sqrt(cols) });
const gradTol = { atol: 1e-7, rtol: 1e-5 };

/** [rows, cols] of logits viewed as 2-D, for the shapes tried */
const SHAPES = [[1, 1], [1, 7], [7, 5], [33, 129], [2, 3, 4], [5]];

function dims(shape) {
  const cols = shape[shape.length - 1];
  return [shape.reduce((a, d) => a * d, 1) / cols, cols];
}

for (const device of devices()) {
  s(`softmaxCrossEntropy with class indices [${device}]`, () => {
    for (const shape of SHAPES) {
      const [rows, cols] = dims(shape);
      gradcheck({
        name: `softmaxCrossEntropy indices [${shape}]`, device, seed: rows + cols,
        inputs: [
          { name: 'logits', shape, lo: -4, hi: 4 },
          { name: 'labels', shape: [rows], grad: false, gen: (r, n) => Float32Array.from({ length: n }, () => r.int(cols)) },
        ],
        op: (logits, labels) => sg.softmaxCrossEntropy(logits, labels),
        ref: (logits, labels) => {
          const lp = logSoftmax64(logits, rows, cols);
          return Float64Array.from({ length: rows }, (_, r) => -lp[r * cols + labels[r]]);
        },
        outShape: shape.slice(0, -1),
        fwd: lossTol(cols),
        grad: [gradTol, null],
        cap: 400,
      });
    }
  });

  s(`softmaxCrossEntropy with soft targets: gradients to logits and targets [${device}]`, () => {
    for (const shape of SHAPES) {
      const [rows, cols] = dims(shape);
      for (const grads of [[true, true], [false, true], [true, false]]) {
        gradcheck({
          name: `softmaxCrossEntropy soft [${shape}] grads ${grads}`, device, seed: rows * cols + 1,
          inputs: [
            { name: 'logits', shape, lo: -4, hi: 4, grad: grads[0] },
            {
              name: 'targets', shape, grad: grads[1],
              gen: (r, n) => {
                // rows of probabilities
                const t = uniform(r, n, 0, 1);
                for (let i = 0; i < rows; i++) {
                  let z = 0;
                  for (let c = 0; c < cols; c++) z += t[i * cols + c];
                  for (let c = 0; c < cols; c++) t[i * cols + c] /= z;
                }
                return t;
              },
            },
          ],
          op: (logits, targets) => sg.softmaxCrossEntropy(logits, targets),
          ref: (logits, targets) => {
            const lp = logSoftmax64(logits, rows, cols);
            const out = new Float64Array(rows);
            for (let i = 0; i < rows * cols; i++) out[Math.floor(i / cols)] -= targets[i] * lp[i];
            return out;
          },
          outShape: shape.slice(0, -1),
          fwd: lossTol(cols),
          grad: gradTol,
          cap: 400,
        });
      }
    }
  });

  /** max(x, 0) - x t + log(1 + exp(-|x|)) summed over each row; NaN targets add nothing */
  const bceRef = (rows, cols) => (x, t) => {
    const out = new Float64Array(rows);
    for (let i = 0; i < rows * cols; i++) {
      if (!Number.isNaN(t[i])) out[Math.floor(i / cols)] += softplus(x[i]) - x[i] * t[i];
    }
    return out;
  };

  s(`sigmoidCrossEntropy: gradients to logits and targets [${device}]`, () => {
    for (const shape of SHAPES) {
      const [rows, cols] = dims(shape);
      gradcheck({
        name: `sigmoidCrossEntropy [${shape}]`, device, seed: rows + 2 * cols,
        inputs: [{ name: 'logits', shape, lo: -6, hi: 6 }, { name: 'targets', shape, lo: 0, hi: 1 }],
        op: (x, t) => sg.sigmoidCrossEntropy(x, t),
        ref: bceRef(rows, cols),
        outShape: shape.slice(0, -1),
        fwd: lossTol(cols),
        grad: gradTol,
        cap: 400,
      });
    }
  });

  /** targets in [0, 1] with every third element (and a whole row of the first 7) NaN: missing values */
  const withNaN = (cols) => (r, n) => {
    const t = uniform(r, n, 0, 1);
    for (let i = 0; i < n; i++) if (i % 3 === 1 || (n >= 14 && i < cols)) t[i] = NaN;
    return t;
  };

  s(`sigmoidCrossEntropy masks NaN targets: no loss and no logit gradient there [${device}]`, () => {
    for (const shape of [[7, 5], [33, 129], [1, 1], [1, 7]]) {
      const [rows, cols] = dims(shape);
      gradcheck({
        name: `sigmoidCrossEntropy NaN targets [${shape}]`, device, seed: rows + 3 * cols,
        inputs: [{ name: 'logits', shape, lo: -6, hi: 6 }, { name: 'targets', shape, grad: false, gen: withNaN(cols) }],
        op: (x, t) => sg.sigmoidCrossEntropy(x, t),
        ref: bceRef(rows, cols),
        outShape: shape.slice(0, -1),
        fwd: lossTol(cols),
        grad: [gradTol, null],
        cap: 400,
      });
    }
  });

  s(`sigmoidCrossEntropy: a masked (NaN) target gets no gradient either [${device}]`, () => {
    // the loss does not depend on a missing target, so its gradient is 0 ("NaN targets ... add neither loss nor
    // gradient"); the other targets get -x
    gradcheck({
      name: 'sigmoidCrossEntropy d/dtargets with NaN targets', device, seed: 11,
      inputs: [{ name: 'logits', shape: [7, 5], lo: -6, hi: 6 }, { name: 'targets', shape: [7, 5], gen: withNaN(5) }],
      op: (x, t) => sg.sigmoidCrossEntropy(x, t),
      ref: bceRef(7, 5),
      fwd: lossTol(5),
      grad: gradTol,
    });
  });

  s(`gaussianKl: gradients to mu and logvar [${device}]`, () => {
    for (const shape of SHAPES) {
      const [rows, cols] = dims(shape);
      for (const grads of [[true, true], [true, false], [false, true]]) {
        gradcheck({
          name: `gaussianKl [${shape}] grads ${grads}`, device, seed: rows * 3 + cols,
          inputs: [{ name: 'mu', shape, lo: -2, hi: 2, grad: grads[0] }, { name: 'logvar', shape, lo: -2, hi: 2, grad: grads[1] }],
          op: (mu, lv) => sg.gaussianKl(mu, lv),
          ref: (mu, lv) => {
            const out = new Float64Array(rows);
            const scale = new Float64Array(rows);
            for (let i = 0; i < rows * cols; i++) {
              const r = Math.floor(i / cols);
              out[r] += -0.5 * (1 + lv[i] - mu[i] * mu[i] - Math.exp(lv[i]));
              scale[r] += 0.5 * (1 + Math.abs(lv[i]) + mu[i] * mu[i] + Math.exp(lv[i]));
            }
            return { out, scale };
          },
          outShape: shape.slice(0, -1),
          fwd: lossTol(cols),
          grad: gradTol,
          cap: 400,
        });
      }
    }
  });
}

s.run();
