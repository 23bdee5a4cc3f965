// Gradient checks of matmul (all four transpose combinations, a 3-D left operand) and linear (with bias and
// each activation, with a [1, out] bias, without bias, on a 3-D input) against float64 references.
import { suite } from 'uvu';
import * as sg from '../../dist/src/index.js';
import { U, devices, gradcheck, matmul64 } from '../gradcheck.js';
import { sigmoid, softplus } from '../reference/unary.js';

const s = suite('ops: matmul and linear gradients');

/** m x n x k shapes: a single element, small odd sizes, and k past any SIMD width */
const SHAPES = [[1, 1, 1], [7, 9, 5], [33, 7, 129]];

/**
 * A dot product of k float32 terms is good to about 2 u sqrt(k) of the magnitude sum of its terms (the GEMM
 * kernel tests use 8 u sqrt(k)); gradients are dot products over n (for a) and m (for b), and the FD side has
 * no such error. stol covers the summation against the largest element.
 */
const gemmFwd = (k) => ({ atol: 1e-30, rtol: 8 * U * Math.sqrt(k) + 2 * U });
const gemmGrad = (len) => ({ atol: 1e-30, rtol: 4 * U, stol: 8 * U * len });

for (const device of devices()) {
  for (const [m, n, k] of SHAPES) {
    for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]]) {
      const tag = `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}`;
      s(`matmul ${tag} ${m}x${n}x${k} [${device}]`, () => {
        gradcheck({
          name: `matmul ${tag} ${m}x${n}x${k}`, device, seed: m * 7 + n + k,
          inputs: [{ name: 'a', shape: tA ? [k, m] : [m, k] }, { name: 'b', shape: tB ? [n, k] : [k, n] }],
          op: (a, b) => sg.matmul(a, b, { transA: tA, transB: tB }),
          ref: (a, b) => matmul64(a, b, m, n, k, tA, tB),
          outShape: [m, n],
          fwd: gemmFwd(k),
          grad: [gemmGrad(n), gemmGrad(m)],
          cap: 600,
        });
      });
    }
  }

  s(`matmul with a 3-D left operand [2,3,5]·[5,4] [${device}]`, () => {
    gradcheck({
      name: 'matmul 3-D', device,
      inputs: [{ name: 'a', shape: [2, 3, 5] }, { name: 'b', shape: [5, 4] }],
      op: (a, b) => sg.matmul(a, b),
      ref: (a, b) => matmul64(a, b, 6, 4, 5),
      outShape: [2, 3, 4],
      fwd: gemmFwd(5),
      grad: [gemmGrad(4), gemmGrad(6)],
    });
  });

  s(`matmul with only one operand requiring gradients [${device}]`, () => {
    for (const grads of [[true, false], [false, true]]) {
      gradcheck({
        name: `matmul grads ${grads}`, device,
        inputs: [{ name: 'a', shape: [7, 5], grad: grads[0] }, { name: 'b', shape: [5, 3], grad: grads[1] }],
        op: (a, b) => sg.matmul(a, b),
        ref: (a, b) => matmul64(a, b, 7, 3, 5),
        fwd: gemmFwd(5),
        grad: [gemmGrad(3), gemmGrad(7)],
      });
    }
  });

  // ---- linear ----
  const ACT = {
    none: (z) => z,
    relu: (z) => (z > 0 ? z : 0),
    leakyRelu: (z) => (z > 0 ? z : 0.2 * z),
    sigmoid,
    tanh: Math.tanh,
    softplus,
  };
  const TRANSCENDENTAL = new Set(['sigmoid', 'tanh', 'softplus']);
  const STEP = 1e-5;
  /** pre-activations at least this far from relu's kink, far beyond what a step of STEP moves them */
  const KINK = 1e-3;

  function linearRef(act, rows, inF, outF, withBias) {
    return (x, W, b) => {
      const z = matmul64(x, W, rows, outF, inF);
      const out = new Float64Array(rows * outF);
      const scale = new Float64Array(rows * outF);
      for (let i = 0; i < rows * outF; i++) {
        const bias = withBias ? b[i % outF] : 0;
        out[i] = ACT[act](z.out[i] + bias);
        // the activations are 1-Lipschitz: the pre-activation's rounding carries through
        scale[i] = z.scale[i] + Math.abs(bias);
      }
      return { out, scale };
    };
  }

  function farFromKink(rows, inF, outF, withBias) {
    return ([x, W, b]) => {
      const z = matmul64(x, W, rows, outF, inF).out;
      return z.every((v, i) => Math.abs(v + (withBias ? b[i % outF] : 0)) > KINK);
    };
  }

  for (const act of Object.keys(ACT)) {
    for (const [rows, inF, outF] of [[1, 1, 1], [7, 5, 9], [13, 33, 17]]) {
      for (const biasShape of [[outF], null]) {
        const withBias = biasShape !== null;
        s(`linear ${act} ${rows}x${inF} -> ${outF} ${withBias ? 'with' : 'without'} bias [${device}]`, () => {
          const inputs = [{ name: 'x', shape: [rows, inF] }, { name: 'W', shape: [inF, outF] }];
          if (withBias) inputs.push({ name: 'b', shape: biasShape });
          const kinked = act === 'relu' || act === 'leakyRelu';
          const t = TRANSCENDENTAL.has(act);
          gradcheck({
            name: `linear ${act} ${rows}x${inF}->${outF} bias=${withBias}`, device, seed: rows + inF + outF,
            inputs,
            accept: kinked ? farFromKink(rows, inF, outF, withBias) : undefined,
            op: (x, W, b) => sg.linear(x, W, withBias ? b : null, act, 0.2),
            ref: linearRef(act, rows, inF, outF, withBias),
            outShape: [rows, outF],
            step: STEP,
            // transcendental epilogues: the kernels' documented accuracy (1e-5 relative, 1e-6 absolute)
            fwd: t ? { atol: 1e-6, rtol: 1e-5 } : gemmFwd(inF),
            grad: t ? { atol: 1e-6, rtol: 1e-5, stol: 8 * U * Math.max(rows, outF) }
              : [gemmGrad(outF), gemmGrad(rows), gemmGrad(rows)],
          });
        });
      }
    }
  }

  s(`linear with a [1, out] bias and a 3-D input [2,3,5] [${device}]`, () => {
    gradcheck({
      name: 'linear tanh [2,3,5] bias [1,4]', device,
      inputs: [{ name: 'x', shape: [2, 3, 5] }, { name: 'W', shape: [5, 4] }, { name: 'b', shape: [1, 4] }],
      op: (x, W, b) => sg.linear(x, W, b, 'tanh'),
      ref: linearRef('tanh', 6, 5, 4, true),
      outShape: [2, 3, 4],
      step: STEP,
      fwd: { atol: 1e-6, rtol: 1e-5 },
      grad: { atol: 1e-6, rtol: 1e-5, stol: 8 * U * 6 },
    });
  });

  s(`linear with only the bias requiring gradients [${device}]`, () => {
    gradcheck({
      name: 'linear sigmoid bias only', device,
      inputs: [{ name: 'x', shape: [7, 5], grad: false }, { name: 'W', shape: [5, 4], grad: false }, { name: 'b', shape: [4] }],
      op: (x, W, b) => sg.linear(x, W, b, 'sigmoid'),
      ref: linearRef('sigmoid', 7, 5, 4, true),
      step: STEP,
      fwd: { atol: 1e-6, rtol: 1e-5 },
      grad: { atol: 1e-6, rtol: 1e-5, stol: 8 * U * 7 },
    });
  });
}

s.run();
