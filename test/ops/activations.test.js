// Gradient checks of the unary ops: exp, log, sqrt, square, abs, relu, leakyRelu, sigmoid, tanh, softplus, gelu and
// activate(), on 1x1, 7x5, 33x129 and 3-D shapes, inputs inside each op's domain and away from kinks.
import { suite } from 'uvu';
import * as sg from '../../dist/src/index.js';
import { U, awayFromZero, devices, gradcheck, uniform } from '../gradcheck.js';
import { gelu, sigmoid, softplus } from '../reference/unary.js';

const s = suite('ops: unary gradients');

/** the kernels' documented accuracy for transcendental functions (test/kernels/unary.test.js) */
const TRANSCENDENTAL = { atol: 1e-6, rtol: 1e-5 };
/** a function of one float32 operation: the result within u; its derivative a few roundings more */
const EXACT = { atol: 1e-30, rtol: 2 * U };
const EXACT_GRAD = { atol: 1e-30, rtol: 4 * U };

/**
 * name: [engine, float64 reference, input generator, forward tolerance, gradient tolerance]. Ranges keep log and
 * sqrt well inside their domain (so a step of 1e-4 is tiny against x) and abs / relu / leakyRelu away from 0.
 */
const OPS = {
  exp: [(x) => sg.exp(x), Math.exp, (r, n) => uniform(r, n, -3, 3), TRANSCENDENTAL, TRANSCENDENTAL],
  log: [(x) => sg.log(x), Math.log, (r, n) => uniform(r, n, 0.5, 4), TRANSCENDENTAL, TRANSCENDENTAL],
  sqrt: [(x) => sg.sqrt(x), Math.sqrt, (r, n) => uniform(r, n, 0.3, 4), EXACT, EXACT_GRAD],
  square: [(x) => sg.square(x), (v) => v * v, (r, n) => uniform(r, n, -2, 2), EXACT, EXACT_GRAD],
  abs: [(x) => sg.abs(x), Math.abs, (r, n) => awayFromZero(r, n), { atol: 0 }, { atol: 0 }],
  relu: [(x) => sg.relu(x), (v) => (v > 0 ? v : 0), (r, n) => awayFromZero(r, n), { atol: 0 }, { atol: 0 }],
  leakyRelu: [(x) => sg.leakyRelu(x), (v) => (v > 0 ? v : 0.01 * v), (r, n) => awayFromZero(r, n), EXACT, EXACT_GRAD],
  'leakyRelu(0.3)': [(x) => sg.leakyRelu(x, 0.3), (v) => (v > 0 ? v : 0.3 * v), (r, n) => awayFromZero(r, n), EXACT, EXACT_GRAD],
  sigmoid: [(x) => sg.sigmoid(x), sigmoid, (r, n) => uniform(r, n, -6, 6), TRANSCENDENTAL, TRANSCENDENTAL],
  tanh: [(x) => sg.tanh(x), Math.tanh, (r, n) => uniform(r, n, -4, 4), TRANSCENDENTAL, TRANSCENDENTAL],
  softplus: [(x) => sg.softplus(x), softplus, (r, n) => uniform(r, n, -6, 6), TRANSCENDENTAL, TRANSCENDENTAL],
  gelu: [(x) => sg.gelu(x), gelu, (r, n) => uniform(r, n, -5, 5), TRANSCENDENTAL, TRANSCENDENTAL],
  'x.gelu() as a method': [(x) => x.gelu(), gelu, (r, n) => uniform(r, n, -5, 5), TRANSCENDENTAL, TRANSCENDENTAL],
  'x.exp() as a method': [(x) => x.exp(), Math.exp, (r, n) => uniform(r, n, -3, 3), TRANSCENDENTAL, TRANSCENDENTAL],
  'x.leakyRelu(0.2) as a method': [(x) => x.leakyRelu(0.2), (v) => (v > 0 ? v : 0.2 * v), (r, n) => awayFromZero(r, n), EXACT, EXACT_GRAD],
};

function map(x, f) {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  return out;
}

for (const device of devices()) {
  for (const [name, [op, f, gen, fwd, grad]] of Object.entries(OPS)) {
    s(`${name} [${device}]`, () => {
      for (const shape of [[1, 1], [7, 5], [33, 129], [2, 3, 4], []]) {
        gradcheck({
          name: `${name} [${shape}]`, device, seed: shape.length + 3,
          inputs: [{ name: 'x', shape, gen }],
          op,
          ref: (x) => map(x, f),
          outShape: shape,
          fwd,
          grad,
        });
      }
    });
  }

  s(`activate() applies each named activation; 'none' returns x itself [${device}]`, () => {
    for (const [act, f] of [['relu', (v) => (v > 0 ? v : 0)], ['leakyRelu', (v) => (v > 0 ? v : 0.1 * v)],
      ['sigmoid', sigmoid], ['tanh', Math.tanh], ['softplus', softplus], ['gelu', gelu], ['none', (v) => v]]) {
      const tight = act === 'relu' || act === 'leakyRelu' || act === 'none';
      gradcheck({
        name: `activate ${act}`, device,
        inputs: [{ name: 'x', shape: [7, 5], gen: (r, n) => awayFromZero(r, n) }],
        op: (x) => sg.activate(x, act, 0.1),
        ref: (x) => map(x, f),
        fwd: tight ? EXACT : TRANSCENDENTAL,
        grad: tight ? EXACT_GRAD : TRANSCENDENTAL,
      });
    }
  });
}

s.run();
