// gatherRows against a plain copy: awkward row counts and widths, repeated and reversed indices, a
// source at an offset; an index outside [0, srcRows) is a thrown Error, and the addon still works after.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../../dist/src/backend.js';
import { AWKWARD, assertThrows, rng, randomArray } from '../helpers.js';
import { check, compare, deviceIO, testDevices } from '../reference/device.js';

const s = suite('kernels: gatherRows');

for (const device of testDevices(native)) {
  s(`gatherRows: rows ${AWKWARD.join(', ')} × cols 1, 7, 129 from 1000 source rows [${device}]`, () => {
    const r = rng(700);
    const io = deviceIO(native, device, { pad: 5 });
    try {
      for (const cols of [1, 7, 129]) {
        const srcRows = 1000;
        const src = randomArray(r, srcRows * cols);
        const ss = io.input(src);
        for (const rows of AWKWARD) {
          const index = Int32Array.from({ length: rows }, (_, i) => (i === 0 ? srcRows - 1 : i === 1 ? 0 : i === 2 ? 0 : r.int(srcRows)));
          const out = io.output(rows * cols);
          native.gatherRows(rows, cols, ss.s, ss.off, srcRows, index, out.s, out.off);
          const expected = new Float32Array(rows * cols);
          index.forEach((k, i) => expected.set(src.subarray(k * cols, (k + 1) * cols), i * cols));
          check(compare(io.read(out), expected, 0, `gatherRows ${rows}x${cols} from ${srcRows}: out`));
        }
        check(compare(io.read(ss, 'src'), src, 0, `gatherRows: source changed`));
      }
    } finally {
      io.free();
    }
  });

  s(`gatherRows: an index out of [0, srcRows) throws an Error naming the op [${device}]`, () => {
    const io = deviceIO(native, device);
    try {
      const src = io.input(randomArray(rng(701), 5 * 3));
      const out = io.output(2 * 3);
      for (const bad of [5, -1, 2 ** 31 - 1, -(2 ** 31)]) {
        assertThrows(() => native.gatherRows(2, 3, src.s, src.off, 5, Int32Array.from([0, bad]), out.s, out.off), /gather/i);
      }
      native.gatherRows(2, 3, src.s, src.off, 5, Int32Array.from([4, 1]), out.s, out.off);
      const got = io.read(out);
      const all = io.read(src, 'src');
      assert.equal(Array.from(got), [...all.subarray(12, 15), ...all.subarray(3, 6)]);
    } finally {
      io.free();
    }
  });
}

s.run();
