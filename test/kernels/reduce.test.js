// Row/column reductions (sum, mean, max, log-sum-exp), softmax and log-softmax against float64
// references on awkward shapes, plus rows of -1e30 and of large values where a naive exp overflows.
import { suite } from 'uvu';
import { native } from '../../dist/src/backend.js';
import { rng, randomArray } from '../helpers.js';
import { Axis, Reduce } from '../../dist/src/native.js';
import { check, compare, deviceIO, testDevices, tolerance, U32 } from '../reference/device.js';
import { hardRows, refReduce, refSoftmax, softmaxTolerance } from '../reference/reduce.js';

// long rows (a CUDA block team per row) and tall columns (8 row lanes striding over 100k rows) last
const SHAPES = [[1, 1], [1, 1000], [1000, 1], [7, 33], [33, 7], [129, 1000], [1000, 129], [300, 257], [2, 4099],
  [3, 100003], [100003, 3]];

/** the tolerance of a reduction from the magnitude of its terms and the lane length */
function reduceTolerance(op, { scale, len }) {
  if (op === Reduce.max) return 0;
  if (op === Reduce.logsumexp) return tolerance(scale, 2e-6, 4 * U32 * Math.sqrt(len) + 2e-6);
  return tolerance(scale, 1e-6, 8 * U32 * Math.sqrt(len) + 2 * U32);
}

function runReduce(io, opName, axisName, rows, cols, x) {
  const op = Reduce[opName];
  const axis = Axis[axisName];
  const n = axis === Axis.rows ? rows : cols;
  const xs = io.input(x);
  const out = io.output(n);
  native.reduce(op, axis, rows, cols, xs.s, xs.off, out.s, out.off);
  const ref = refReduce(op, axis, rows, cols, x);
  check(compare(io.read(out), ref.out, reduceTolerance(op, ref), `reduce ${opName} axis ${axisName} ${rows}x${cols}: out`));
}

const s = suite('kernels: reduce and softmax');

for (const device of testDevices(native)) {
  for (const opName of Object.keys(Reduce)) {
    s(`reduce ${opName}: both axes on ${SHAPES.map((x) => x.join('x')).join(' ')} [${device}]`, () => {
      const r = rng(400 + Reduce[opName]);
      const io = deviceIO(native, device);
      try {
        for (const [rows, cols] of SHAPES) {
          const x = randomArray(r, rows * cols, opName === 'max' ? -5 : -1, opName === 'max' ? -0.5 : 1);
          for (const axisName of Object.keys(Axis)) runReduce(io, opName, axisName, rows, cols, x);
        }
      } finally {
        io.free();
      }
    });
  }

  s(`reduce max and logsumexp: rows of -1e30, large and all-negative values, both axes [${device}]`, () => {
    const r = rng(450);
    const io = deviceIO(native, device);
    try {
      for (const cols of [1, 7, 33, 1000]) {
        const x = hardRows(r, cols);
        const rows = x.length / cols;
        for (const opName of ['max', 'logsumexp']) {
          runReduce(io, opName, 'rows', rows, cols, x);
          // transposed: the same lanes reduced down the columns
          const t = new Float32Array(x.length);
          for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
          runReduce(io, opName, 'cols', cols, rows, t);
        }
      }
    } finally {
      io.free();
    }
  });

  for (const log of [false, true]) {
    const name = log ? 'log-softmax' : 'softmax';
    s(`${name}: rows of 1, 7, 33, 129, 1000, 1025, 4099 columns, random and hard rows [${device}]`, () => {
      const r = rng(log ? 460 : 470);
      const io = deviceIO(native, device);
      try {
        for (const cols of [1, 7, 33, 129, 1000, 1025, 4099]) { // 4099: a CUDA block team per row
          for (const x of [randomArray(r, 129 * cols, -5, 5), randomArray(r, 7 * cols, -1, 1), hardRows(r, cols)]) {
            const rows = x.length / cols;
            const xs = io.input(x);
            const out = io.output(x.length);
            native.softmax(log, rows, cols, xs.s, xs.off, out.s, out.off);
            const expected = refSoftmax(log, rows, cols, x);
            const tol = softmaxTolerance(log, rows, cols, x, expected);
            check(compare(io.read(out), expected, tol, `${name} ${rows}x${cols}: out`));
          }
        }
      } finally {
        io.free();
      }
    });
  }
}

s.run();
