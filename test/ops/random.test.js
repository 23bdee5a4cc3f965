// Gradient checks of the ops that draw noise, with the noise fixed by the Generator's state: reparameterize
// (gradients to mu and logvar; eps from the Philox normal stream) and dropout (mask from the Philox uniform
// stream). The references rebuild the noise from the stream definition in test/reference/philox.js, not the engine.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { U, devices, gradcheck } from '../gradcheck.js';
import { philoxNormal, philoxUniform } from '../reference/philox.js';

const s = suite('ops: reparameterize and dropout gradients');

const SHAPES = [[1, 1], [7, 5], [33, 129], [2, 3, 4]];
const SEED = 20240611;

for (const device of devices()) {
  s(`reparameterize: z = mu + eps exp(logvar / 2), gradients to mu and logvar [${device}]`, () => {
    for (const shape of SHAPES) {
      const n = shape.reduce((a, d) => a * d, 1);
      for (const offset of [0, 5]) {
        const eps = philoxNormal(SEED, offset, n);
        for (const grads of [[true, true], [true, false], [false, true]]) {
          gradcheck({
            name: `reparameterize [${shape}] offset ${offset} grads ${grads}`, device, seed: n + offset,
            inputs: [{ name: 'mu', shape, lo: -2, hi: 2, grad: grads[0] }, { name: 'logvar', shape, lo: -3, hi: 2, grad: grads[1] }],
            op: (mu, lv) => {
              const gen = new sg.Generator(SEED);
              if (offset > 0) gen.setState({ seed: SEED, offset });
              const z = sg.reparameterize(mu, lv, gen);
              assert.is(gen.offset, offset + Math.ceil(n / 4), 'the draw advances the generator by ceil(n / 4)');
              return z;
            },
            ref: (mu, lv) => {
              const out = new Float64Array(n);
              for (let i = 0; i < n; i++) out[i] = mu[i] + eps[i] * Math.exp(lv[i] / 2);
              return out;
            },
            // eps comes from float32 Box-Muller (log, sqrt, cos/sin: the 1e-5 of the transcendental kernels)
            scale: (mu, lv) => Float64Array.from(mu, (m, i) => Math.abs(m) + Math.abs(eps[i]) * Math.exp(lv[i] / 2)),
            outShape: shape,
            fwd: { atol: 1e-6, rtol: 1e-5 },
            grad: { atol: 1e-6, rtol: 1e-5 },
            cap: 300,
          });
        }
      }
    }
  });

  for (const p of [0.3, 0.5, 0.9]) {
    s(`dropout p=${p}: inverted mask from the Philox stream, gradient through the mask [${device}]`, () => {
      for (const shape of SHAPES) {
        const n = shape.reduce((a, d) => a * d, 1);
        const keep = 1 - p;
        // kernels.h: a Bernoulli element keeps (value p2 = 1/keep) where the uniform u < p1 = keep (float32)
        const u = philoxUniform(SEED + 1, 0, n);
        const kept = Array.from(u, (v) => v < Math.fround(keep));
        gradcheck({
          name: `dropout p=${p} [${shape}]`, device, seed: n,
          inputs: [{ name: 'x', shape, lo: -2, hi: 2 }],
          op: (x) => sg.dropout(x, p, new sg.Generator(SEED + 1), true),
          ref: (x) => Float64Array.from(x, (v, i) => (kept[i] ? v / keep : 0)),
          outShape: shape,
          // x times the float32 1/keep: two roundings
          fwd: { atol: 1e-30, rtol: 3 * U },
          grad: { atol: 1e-30, rtol: 3 * U },
          cap: 300,
        });
      }
    });
  }

  s(`dropout in eval mode or with p = 0 is the identity (x itself) [${device}]`, () => {
    for (const [p, training] of [[0.5, false], [0, true]]) {
      gradcheck({
        name: `dropout p=${p} training=${training}`, device,
        inputs: [{ name: 'x', shape: [7, 5] }],
        op: (x) => {
          const y = sg.dropout(x, p, new sg.Generator(3), training);
          assert.ok(y === x, 'dropout returns its input unchanged');
          return y;
        },
        ref: (x) => Float64Array.from(x),
        fwd: { atol: 0 },
        grad: { atol: 0 },
      });
    }
  });
}

s.run();
