// Gradient checks of the ops behind a layer whose input is split into a shared part and a per-row part (M2's
// q(z|x,y) first layer: x·W_x computed once per example, stacked once per class, plus onehot(y)·W_y): repeatRows,
// concatRows and sliceRows (shape.ts) and linear's addend (matmul.ts), alone and composed, against float64
// references.
import { suite } from 'uvu';
import * as sg from '../../dist/src/index.js';
import { U, devices, gradcheck, matmul64 } from '../gradcheck.js';
import { sigmoid, softplus } from '../reference/unary.js';
import { assertThrows } from '../helpers.js';

const s = suite('ops: repeatRows, concatRows, sliceRows and linear with an addend');
const COPY = { atol: 0 };
const ACT = {
  none: (z) => z,
  relu: (z) => (z > 0 ? z : 0),
  tanh: Math.tanh,
  sigmoid,
  softplus,
};
const KINK = 1e-3;

/** x [n, cols] stacked k times */
function repeat64(x, n, cols, k) {
  const out = new Float64Array(k * n * cols);
  for (let b = 0; b < k; b++) for (let i = 0; i < n * cols; i++) out[b * n * cols + i] = x[i];
  return out;
}

for (const device of devices()) {
  s(`repeatRows of 1-D, 2-D and 3-D tensors, k = 1..5 [${device}]`, () => {
    for (const [shape, k] of [[[7, 5], 3], [[1, 1], 1], [[1, 9], 4], [[33, 129], 2], [[2, 3, 4], 5], [[6], 3], [[7, 5], 1]]) {
      const n = shape[0];
      const cols = shape.reduce((a, d) => a * d, 1) / n;
      gradcheck({
        name: `repeatRows [${shape}] x${k}`, device,
        inputs: [{ name: 'x', shape }],
        op: (x) => sg.repeatRows(x, k),
        ref: (x) => repeat64(x, n, cols, k),
        outShape: [k * n, ...shape.slice(1)],
        fwd: COPY,
        // the gradient sums k terms of |W| <= 1 in float32: error <= (k - 1) u · k
        grad: { atol: 1e-30 + (k - 1) * k * U },
        cap: 300,
      });
    }
  });

  s(`concatRows and sliceRows of 1-D, 2-D and 3-D tensors, some without gradients [${device}]`, () => {
    for (const [shapes, grads] of [
      [[[3, 4], [5, 4], [1, 4]], [true, true, true]],
      [[[3, 4], [5, 4]], [false, true]],
      [[[2, 3, 2], [1, 3, 2]], [true, false]],
      [[[7], [2]], [true, true]],
      [[[33, 129]], [true]],
    ]) {
      const sizes = shapes.map((sh) => sh.reduce((a, d) => a * d, 1));
      const rows = shapes.reduce((a, sh) => a + sh[0], 0);
      gradcheck({
        name: `concatRows ${JSON.stringify(shapes)}`, device,
        inputs: shapes.map((shape, i) => ({ name: `t${i}`, shape, grad: grads[i] })),
        op: (...ts) => sg.concatRows(ts),
        ref: (...xs) => Float64Array.from(xs.flatMap((x) => [...x])),
        outShape: [rows, ...shapes[0].slice(1)],
        fwd: COPY,
        grad: COPY,
        cap: 300,
      });
      const total = sizes.reduce((a, b) => a + b, 0);
      const cols = total / rows;
      for (const [start, end] of [[0, 1], [1, rows], [0, rows], [rows - 1, rows]]) {
        if (start >= end) continue;
        gradcheck({
          name: `sliceRows [${rows},...] [${start}, ${end})`, device,
          inputs: [{ name: 'x', shape: [rows, ...shapes[0].slice(1)] }],
          // squared, so the graph runs through the view
          op: (x) => sg.square(sg.sliceRows(x, start, end)),
          ref: (x) => Float64Array.from(x.slice(start * cols, end * cols), (v) => v * v),
          outShape: [end - start, ...shapes[0].slice(1)],
          fwd: { atol: 1e-30, rtol: U },
          grad: { atol: 1e-30, rtol: 2 * U },
          cap: 300,
        });
      }
    }
  });

  for (const act of Object.keys(ACT)) {
    for (const withBias of [true, false]) {
      s(`linear ${act} with an addend, ${withBias ? 'with' : 'without'} bias [${device}]`, () => {
        const [rows, inF, outF] = [13, 10, 17];
        const inputs = [{ name: 'x', shape: [rows, inF] }, { name: 'W', shape: [inF, outF] },
          { name: 'addend', shape: [rows, outF] }];
        if (withBias) inputs.push({ name: 'b', shape: [outF] });
        const pre = (x, W, addend, b) => {
          const z = matmul64(x, W, rows, outF, inF);
          return Float64Array.from(z.out, (v, i) => v + addend[i] + (withBias ? b[i % outF] : 0));
        };
        const t = act !== 'none' && act !== 'relu';
        gradcheck({
          name: `linear ${act} + addend bias=${withBias}`, device, seed: 5,
          inputs,
          accept: act === 'relu' ? ([x, W, a, b]) => pre(x, W, a, b).every((v) => Math.abs(v) > KINK) : undefined,
          op: (x, W, addend, b) => sg.linear(x, W, withBias ? b : null, act, 0.01, addend),
          ref: (x, W, addend, b) => {
            const z = matmul64(x, W, rows, outF, inF);
            const p = pre(x, W, addend, b);
            const scale = Float64Array.from(z.scale, (v, i) => v + Math.abs(addend[i]) + (withBias ? Math.abs(b[i % outF]) : 0));
            return { out: Float64Array.from(p, ACT[act]), scale };
          },
          outShape: [rows, outF],
          step: 1e-5,
          fwd: t ? { atol: 1e-6, rtol: 1e-5 } : { atol: 1e-30, rtol: 8 * U * Math.sqrt(inF + 2) + 2 * U },
          grad: t ? { atol: 1e-6, rtol: 1e-5, stol: 8 * U * Math.max(rows, outF) }
            : { atol: 1e-30, rtol: 4 * U, stol: 8 * U * Math.max(rows, outF) },
        });
      });
    }
  }

  s(`M2's split first layer: relu(onehot·W_y + repeatRows(x·W_x + b, k)) [${device}]`, () => {
    const [n, inF, classes, outF] = [4, 6, 3, 5];
    const onehot = new Float32Array(classes * n * classes);
    for (let c = 0; c < classes; c++) for (let i = 0; i < n; i++) onehot[(c * n + i) * classes + c] = 1;
    const ref = (x, Wx, b, Wy) => {
      const a = matmul64(x, Wx, n, outF, inF).out;
      const out = new Float64Array(classes * n * outF);
      for (let c = 0; c < classes; c++) {
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < outF; j++) out[(c * n + i) * outF + j] = a[i * outF + j] + b[j] + Wy[c * outF + j];
        }
      }
      return out;
    };
    gradcheck({
      name: 'split first layer', device, seed: 9,
      inputs: [{ name: 'x', shape: [n, inF] }, { name: 'Wx', shape: [inF, outF] }, { name: 'b', shape: [outF] },
        { name: 'Wy', shape: [classes, outF] }],
      accept: (xs) => ref(...xs).every((v) => Math.abs(v) > KINK),
      op: (x, Wx, b, Wy) => {
        const shared = sg.linear(x, Wx, b);
        return sg.linear(sg.tensor(onehot, [classes * n, classes], { device }), Wy, null, 'relu', 0.01,
          sg.repeatRows(shared, classes));
      },
      ref: (...xs) => Float64Array.from(ref(...xs), ACT.relu),
      outShape: [classes * n, outF],
      step: 1e-5,
      fwd: { atol: 1e-30, rtol: 8 * U * Math.sqrt(inF + 2) + 2 * U, stol: 4 * U },
      grad: { atol: 1e-30, rtol: 4 * U * classes, stol: 8 * U * classes * n },
    });
  });

  s(`repeatRows and linear's addend reject bad arguments [${device}]`, () => {
    sg.tidy(() => {
      const x = sg.zeros([3, 4], { device });
      assertThrows(() => sg.repeatRows(x, 0), /repeatRows: k must be a positive integer, got 0/);
      assertThrows(() => sg.repeatRows(x, 1.5), /repeatRows: k must be a positive integer/);
      assertThrows(() => sg.repeatRows(sg.tensor(1, [], { device }), 2), /repeatRows: x must have at least one dimension/);
      const W = sg.zeros([4, 2], { device });
      assertThrows(() => sg.linear(x, W, null, 'relu', 0.01, sg.zeros([3, 3], { device })),
        /linear: addend \[3,3\] does not fit the output \[3,2\]/);
      assertThrows(() => sg.linear(x, W, null, 'relu', 0.01, sg.zeros([2, 2], { device })), /linear: addend/);
      assertThrows(() => sg.sliceRows(x, 2, 2), /sliceRows: bad range \[2, 2\) for shape \[3,4\]/);
      assertThrows(() => sg.sliceRows(x, 0, 4), /sliceRows: bad range/);
      assertThrows(() => sg.concatRows([x, sg.zeros([2, 3], { device })]), /concatRows: tensor 1 \[2,3\] on \S+ does not fit tensor 0 \[3,4\]/);
      assertThrows(() => sg.concatRows([]), /concatRows: expected a non-empty array/);
    });
  });
}

s.run();
