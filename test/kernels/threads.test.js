// The kernels do not depend on the thread pool's size: with 1, 3 and 7 threads (chunk boundaries that
// are not multiples of 4 or of any tile) the compact check passes and the Philox streams stay bit-exact.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../../dist/src/backend.js';
import { Distribution } from '../../dist/src/native.js';
import { check, compare, deviceIO } from '../reference/device.js';
import { isaCheck } from '../reference/isa-check.js';
import { philoxNormal, philoxUniform } from '../reference/philox.js';

const s = suite('kernels: thread counts');
const original = native.threads();

for (const threads of [1, 3, 7]) {
  s(`with ${threads} thread(s): compact check, uniform bit-exact, normal and reparameterize within 1e-5`, () => {
    assert.is(native.setThreads(threads), threads);
    const io = deviceIO(native, 'cpu');
    try {
      const result = isaCheck(native);
      assert.equal(result.failures, [], `${threads} threads:\n${result.failures.join('\n')}`);
      for (const [seed, offset, n] of [[3, 1, 100003], [2 ** 36 + 1, 2 ** 32 - 5, 40001]]) {
        const u = io.output(n);
        native.random(Distribution.uniform, n, seed, offset, 0, 1, u.s, u.off);
        check(compare(io.read(u), philoxUniform(seed, offset, n), 0, `${threads} threads: uniform seed=${seed} n=${n}`));
        const z = io.output(n);
        native.random(Distribution.normal, n, seed, offset, 0, 1, z.s, z.off);
        const zr = philoxNormal(seed, offset, n);
        const tol = Float64Array.from(zr, (v) => 1e-5 * (1 + Math.abs(v)));
        check(compare(io.read(z), zr, tol, `${threads} threads: normal seed=${seed} n=${n}`));
        const zeros = io.input(new Float32Array(n));
        const eps = io.output(n);
        native.reparameterize(n, zeros.s, zeros.off, zeros.s, zeros.off, seed, offset, eps.s, eps.off, z.s, z.off);
        check(compare(io.read(eps), zr, tol, `${threads} threads: reparameterize eps seed=${seed} n=${n}`));
      }
    } finally {
      io.free();
      native.setThreads(original);
    }
  });
}

s.run();
