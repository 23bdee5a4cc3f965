// Binary elementwise kernel against a float64 reference: every op × every broadcast mode of each operand
// (full, row, column, scalar) on awkward shapes, outputs poisoned with NaN and guarded.
import { suite } from 'uvu';
import { native } from '../../dist/src/backend.js';
import { rng } from '../helpers.js';
import { Binary, Broadcast } from '../../dist/src/native.js';
import { bcastLength, refBinary } from '../reference/binary.js';
import { check, compare, deviceIO, testDevices, tolerance, U32 } from '../reference/device.js';

const SHAPES = [[1, 1], [1, 1000], [1000, 1], [7, 33], [33, 7], [129, 129], [3, 1025]];

/** n operand values; divisors stay in ±[0.5, 2] */
function operand(r, n, divisor) {
  return Float32Array.from({ length: n }, () => {
    if (!divisor) return r.uniform(-4, 4);
    const m = r.uniform(0.5, 2);
    return r.uniform() < 0 ? -m : m;
  });
}

const s = suite('kernels: binary');

for (const device of testDevices(native)) {
  for (const [opName, op] of Object.entries(Binary)) {
    s(`binary ${opName}: every broadcast mode of a and b, shapes ${SHAPES.map((x) => x.join('x')).join(' ')} [${device}]`, () => {
      const r = rng(300 + op);
      const io = deviceIO(native, device);
      try {
        for (const [rows, cols] of SHAPES) {
          for (const [aName, aMode] of Object.entries(Broadcast)) {
            for (const [bName, bMode] of Object.entries(Broadcast)) {
              const a = operand(r, bcastLength(aMode, rows, cols), false);
              const b = operand(r, bcastLength(bMode, rows, cols), op === Binary.div);
              // a few equal elements, where max/min and sub meet their edge cases
              if (a.length > 3 && b.length > 3) a[1] = b[1];
              const as = io.input(a);
              const bs = io.input(b);
              const out = io.output(rows * cols);
              native.binary(op, rows, cols, as.s, as.off, aMode, bs.s, bs.off, bMode, out.s, out.off);
              const expected = refBinary(op, rows, cols, a, aMode, b, bMode);
              const what = `binary ${opName} ${rows}x${cols} a ${aName} b ${bName}: out`;
              check(compare(io.read(out, 'out'), expected, tolerance(expected, 1e-30, 2 * U32), what));
            }
          }
        }
      } finally {
        io.free();
      }
    });
  }

  s(`binary: a large full + row case, 300x1000 [${device}]`, () => {
    const r = rng(399);
    const io = deviceIO(native, device, { pad: 5 });
    try {
      for (const op of [Binary.add, Binary.mul]) {
        const a = operand(r, 300 * 1000, false);
        const b = operand(r, 1000, false);
        const as = io.input(a);
        const bs = io.input(b);
        const out = io.output(300 * 1000);
        native.binary(op, 300, 1000, as.s, as.off, Broadcast.full, bs.s, bs.off, Broadcast.row, out.s, out.off);
        const expected = refBinary(op, 300, 1000, a, Broadcast.full, b, Broadcast.row);
        check(compare(io.read(out), expected, tolerance(expected, 1e-30, 2 * U32), `binary ${op} 300x1000 full,row: out`));
      }
    } finally {
      io.free();
    }
  });
}

s.run();
