// Gradient checks of the shape ops (concatCols, sliceCols, reshape, clone, detach, to) and of compositions that
// exercise the graph: a 2-layer MLP classifier loss, a small VAE loss through reparameterize, and a tensor used by
// several consumers (gradients accumulate).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { U, awayFromZero, devices, gradcheck, logSoftmax64, matmul64, uniform } from '../gradcheck.js';
import { sigmoid, softplus } from '../reference/unary.js';
import { rng } from '../helpers.js';
import { philoxNormal } from '../reference/philox.js';

const s = suite('ops: shape ops and compositions');

const COPY = { atol: 0 };

for (const device of devices()) {
  s(`concatCols of 2-D and 3-D tensors, some without gradients [${device}]`, () => {
    for (const [shapes, grads] of [
      [[[7, 3], [7, 5], [7, 1]], [true, true, true]],
      [[[7, 3], [7, 5], [7, 1]], [true, false, true]],
      [[[1, 1], [1, 1]], [true, true]],
      [[[2, 3, 4], [2, 3, 2]], [false, true]],
      [[[33, 129], [33, 7]], [true, true]],
      [[[5]], [true]],
    ]) {
      const rows = shapes[0].slice(0, -1).reduce((a, d) => a * d, 1);
      const widths = shapes.map((sh) => sh[sh.length - 1]);
      const total = widths.reduce((a, b) => a + b, 0);
      gradcheck({
        name: `concatCols ${JSON.stringify(shapes)} grads ${grads}`, device,
        inputs: shapes.map((shape, i) => ({ name: `t${i}`, shape, grad: grads[i] })),
        op: (...ts) => sg.concatCols(ts),
        ref: (...xs) => {
          const out = new Float64Array(rows * total);
          for (let r = 0; r < rows; r++) {
            let c0 = 0;
            xs.forEach((x, i) => {
              for (let c = 0; c < widths[i]; c++) out[r * total + c0 + c] = x[r * widths[i] + c];
              c0 += widths[i];
            });
          }
          return out;
        },
        outShape: [...shapes[0].slice(0, -1), total],
        fwd: COPY,
        grad: COPY,
        cap: 300,
      });
    }
  });

  s(`sliceCols of 2-D and 3-D tensors [${device}]`, () => {
    for (const [shape, start, end] of [[[7, 9], 2, 6], [[7, 9], 0, 9], [[7, 9], 8, 9], [[1, 1], 0, 1], [[2, 3, 4], 1, 3], [[33, 129], 17, 128], [[6], 1, 4]]) {
      const cols = shape[shape.length - 1];
      const rows = shape.reduce((a, d) => a * d, 1) / cols;
      const width = end - start;
      for (const method of [false, true]) {
        gradcheck({
          name: `sliceCols [${shape}] [${start}, ${end})${method ? ' method' : ''}`, device,
          inputs: [{ name: 'x', shape }],
          op: (x) => (method ? x.sliceCols(start, end) : sg.sliceCols(x, start, end)),
          ref: (x) => Float64Array.from({ length: rows * width }, (_, i) => x[Math.floor(i / width) * cols + start + (i % width)]),
          outShape: [...shape.slice(0, -1), width],
          fwd: COPY,
          grad: COPY,
          cap: 300,
        });
      }
    }
  });

  s(`reshape (a view), followed by an op so the graph runs through it [${device}]`, () => {
    for (const [shape, to] of [[[6, 5], [3, 10]], [[6, 5], [-1]], [[6, 5], [2, 3, 5]], [[2, 3, 5], [6, -1]], [[1, 1], []], [[], [1, 1]]]) {
      const n = shape.reduce((a, d) => a * d, 1);
      const resolved = to.includes(-1) ? to.map((d) => (d === -1 ? n / to.filter((e) => e !== -1).reduce((a, e) => a * e, 1) : d)) : to;
      gradcheck({
        name: `reshape [${shape}] -> [${to}] then square`, device,
        inputs: [{ name: 'x', shape }],
        op: (x) => sg.square(sg.reshape(x, to)),
        ref: (x) => Float64Array.from(x, (v) => v * v),
        outShape: resolved,
        fwd: { atol: 1e-30, rtol: U },
        grad: { atol: 1e-30, rtol: 2 * U },
      });
      gradcheck({
        name: `x.reshape([${to}]) alone`, device,
        inputs: [{ name: 'x', shape }],
        op: (x) => x.reshape(to),
        ref: (x) => Float64Array.from(x),
        outShape: resolved,
        fwd: COPY,
        grad: COPY,
      });
    }
  });

  s(`clone copies with gradient; detach cuts the graph [${device}]`, () => {
    gradcheck({
      name: 'clone', device,
      inputs: [{ name: 'x', shape: [7, 5] }],
      op: (x) => sg.mul(sg.clone(x), x),
      ref: (x) => Float64Array.from(x, (v) => v * v),
      fwd: { atol: 1e-30, rtol: U },
      grad: { atol: 1e-30, rtol: 2 * U },
    });
    // d/dx of detach(x) * x is detach(x): the detached factor is a constant, frozen at x0 in the reference
    const x0 = uniform(rng(8), 35);
    gradcheck({
      name: 'detach(x) * x', device,
      inputs: [{ name: 'x', shape: [7, 5], data: x0 }],
      op: (x) => {
        const d = sg.detach(x);
        assert.is(d.requiresGrad, false, 'a detached tensor does not require gradients');
        return sg.mul(d, x);
      },
      ref: (x) => Float64Array.from(x, (v, i) => x0[i] * v),
      fwd: { atol: 1e-30, rtol: U },
      grad: { atol: 1e-30, rtol: U },
    });
  });

  // ---- compositions ----

  s(`a 2-layer MLP classifier loss: mean softmax cross-entropy of linear(relu(linear(x))) [${device}]`, () => {
    const [B, I, H, C] = [13, 7, 11, 4];
    const labels = Float32Array.from({ length: B }, (_, i) => (i * 3) % C);
    const forward = (x, W1, b1, W2, b2) => {
      const z1 = matmul64(x, W1, B, H, I).out;
      const h = z1.map((v, i) => Math.max(v + b1[i % H], 0));
      const z2 = matmul64(h, W2, B, C, H).out.map((v, i) => v + b2[i % C]);
      const lp = logSoftmax64(z2, B, C);
      let loss = 0;
      for (let r = 0; r < B; r++) loss -= lp[r * C + labels[r]];
      return { pre: z1.map((v, i) => v + b1[i % H]), loss: loss / B };
    };
    gradcheck({
      name: '2-layer MLP loss', device, seed: 77,
      inputs: [
        { name: 'x', shape: [B, I] }, { name: 'W1', shape: [I, H] }, { name: 'b1', shape: [H] },
        { name: 'W2', shape: [H, C] }, { name: 'b2', shape: [C] },
      ],
      // hidden pre-activations away from relu's kink
      accept: (xs) => forward(...xs).pre.every((v) => Math.abs(v) > 1e-3),
      op: (x, W1, b1, W2, b2) => {
        const h = sg.linear(x, W1, b1, 'relu');
        const logits = sg.linear(h, W2, b2);
        return sg.mean(sg.softmaxCrossEntropy(logits, sg.tensor(labels, [B], { device })));
      },
      ref: (...xs) => [forward(...xs).loss],
      outShape: [],
      step: 1e-5,
      fwd: { atol: 1e-6, rtol: 1e-5 },
      grad: { atol: 1e-7, rtol: 1e-5, stol: 8 * U * B },
    });
  });

  s(`a small VAE loss: encoder heads, reparameterize, decoder, BCE + KL [${device}]`, () => {
    const [B, D, Z] = [5, 6, 3];
    const SEED = 99;
    const eps = philoxNormal(SEED, 0, B * Z);
    const target = Float32Array.from({ length: B * D }, (_, i) => ((i * 7) % 5) / 4);
    gradcheck({
      name: 'VAE loss', device, seed: 78,
      inputs: [
        { name: 'x', shape: [B, D], grad: false }, { name: 'Wmu', shape: [D, Z] }, { name: 'Wlv', shape: [D, Z] },
        { name: 'Wdec', shape: [Z, D] }, { name: 'bdec', shape: [D] },
      ],
      op: (x, Wmu, Wlv, Wdec, bdec) => {
        const mu = sg.matmul(x, Wmu);
        const logvar = sg.linear(x, Wlv, null, 'tanh');
        const z = sg.reparameterize(mu, logvar, new sg.Generator(SEED));
        const logits = sg.linear(z, Wdec, bdec);
        const rec = sg.sigmoidCrossEntropy(logits, sg.tensor(target, [B, D], { device }));
        return sg.sum(sg.add(rec, sg.gaussianKl(mu, logvar)));
      },
      ref: (x, Wmu, Wlv, Wdec, bdec) => {
        const mu = matmul64(x, Wmu, B, Z, D).out;
        const lv = matmul64(x, Wlv, B, Z, D).out.map(Math.tanh);
        const z = mu.map((m, i) => m + eps[i] * Math.exp(lv[i] / 2));
        const logits = matmul64(z, Wdec, B, D, Z).out.map((v, i) => v + bdec[i % D]);
        let loss = 0;
        for (let i = 0; i < B * D; i++) loss += softplus(logits[i]) - logits[i] * target[i];
        for (let i = 0; i < B * Z; i++) loss += -0.5 * (1 + lv[i] - mu[i] * mu[i] - Math.exp(lv[i]));
        return [loss];
      },
      outShape: [],
      fwd: { atol: 1e-5, rtol: 1e-5 },
      grad: { atol: 1e-6, rtol: 1e-5, stol: 8 * U * B * D },
    });
  });

  s(`a tensor with several consumers accumulates their gradients: tanh(x) * x + sigmoid(x) - x / 2 [${device}]`, () => {
    for (const shape of [[1, 1], [7, 5], [33, 129]]) {
      gradcheck({
        name: `several consumers [${shape}]`, device,
        inputs: [{ name: 'x', shape, gen: (r, n) => awayFromZero(r, n, 0.05, 3) }],
        op: (x) => sg.sub(sg.add(sg.mul(sg.tanh(x), x), sg.sigmoid(x)), sg.scale(x, 0.5)),
        ref: (x) => Float64Array.from(x, (v) => Math.tanh(v) * v + sigmoid(v) - v / 2),
        scale: (x) => Float64Array.from(x, (v) => Math.abs(Math.tanh(v) * v) + sigmoid(v) + Math.abs(v / 2)),
        outShape: shape,
        fwd: { atol: 1e-6, rtol: 1e-5 },
        grad: { atol: 1e-6, rtol: 1e-5 },
        cap: 300,
      });
    }
  });
}

const gpus = devices().filter((d) => d.startsWith('cuda'));
if (gpus.length === 0) console.log('to(device) across devices: skipped: no CUDA device');
for (const gpu of gpus) {
  s(`to(device): cpu -> ${gpu} -> cpu carries values and gradients both ways`, () => {
    gradcheck({
      name: `to ${gpu} and back`, device: 'cpu',
      inputs: [{ name: 'x', shape: [7, 5] }],
      op: (x) => {
        const g = sg.to(x, gpu);
        assert.is(g.device, gpu);
        const back = sg.square(g).to('cpu');
        assert.is(back.device, 'cpu');
        return back;
      },
      ref: (x) => Float64Array.from(x, (v) => v * v),
      fwd: { atol: 1e-30, rtol: U },
      grad: { atol: 1e-30, rtol: 2 * U },
    });
  });
}

s.run();
