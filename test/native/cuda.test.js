// The CUDA device through the addon: fill, upload, download, copy to and from the CPU, the same random
// numbers as the CPU for the same (seed, offset), batch norm agreeing with the CPU's, memory stats.
// Without a CUDA device it prints `skipped: no CUDA device` and asserts nothing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../../dist/src/backend.js';
import { rng } from '../helpers.js';
import { batchnormTolerances, refBatchnorm, refBatchnormBackward } from '../reference/batchnorm.js';
import { check, compare } from '../reference/device.js';

const s = suite('native: cuda');
const gpus = native.devices().filter((d) => d.device.startsWith('cuda'));

if (gpus.length === 0) {
  console.log('skipped: no CUDA device');
} else {
  for (const { device } of gpus) {
    s(`upload and download round-trip at offsets [${device}]`, () => {
      for (const n of [1, 7, 129, 1000, 1 << 20]) {
        const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 100);
        const g = native.alloc(device, n + 3);
        assert.is(g.device, device);
        native.upload(g, 3, data);
        const back = native.download(g, 3, n);
        assert.ok(back.every((v, i) => v === data[i]), `round-trip of ${n} floats`);
        native.free(g);
      }
    });

    s(`fill writes exactly its view [${device}]`, () => {
      for (const n of [1, 7, 129, 1000, 100_003]) {
        const g = native.alloc(device, n + 4);
        native.upload(g, 0, new Float32Array(n + 4).fill(-9));
        native.fill(g, 2, n, 3.25);
        const back = native.download(g, 0, n + 4);
        assert.ok(back.subarray(2, n + 2).every((v) => v === 3.25), `fill of ${n}`);
        assert.equal(Array.from([...back.subarray(0, 2), ...back.subarray(n + 2)]), [-9, -9, -9, -9], 'outside the view untouched');
        native.free(g);
      }
    });

    s(`copy between cpu and ${device} both ways, synchronize [${device}]`, () => {
      const n = 4099;
      const data = Float32Array.from({ length: n }, (_, i) => i - 2000.5);
      const c = native.alloc('cpu', n);
      const g = native.alloc(device, n + 1);
      const c2 = native.alloc('cpu', n);
      native.upload(c, 0, data);
      native.copy(c, 0, g, 1, n);
      native.copy(g, 1, c2, 0, n);
      native.synchronize(device);
      assert.ok(native.download(c2, 0, n).every((v, i) => v === data[i]));
      [c, g, c2].forEach((x) => native.free(x));
    });

    s(`the same (seed, offset) draws the same numbers on cpu and ${device} [${device}]`, () => {
      const draw = (dev, dist, n, seed, offset, p1, p2) => {
        const out = native.alloc(dev, n);
        native.random(dist, n, seed, offset, p1, p2, out, 0);
        const values = native.download(out, 0, n);
        native.free(out);
        return values;
      };
      for (const [seed, offset, n] of [[0, 0, 1], [7, 3, 1001], [2 ** 40 + 5, 2 ** 32 - 2, 4099]]) {
        const u = [draw('cpu', 0, n, seed, offset, 0, 1), draw(device, 0, n, seed, offset, 0, 1)];
        assert.ok(u[0].every((v, i) => Object.is(v, u[1][i])), `uniform seed ${seed} offset ${offset}: bit for bit`);
        const b = [draw('cpu', 2, n, seed, offset, 0.3, 2), draw(device, 2, n, seed, offset, 0.3, 2)];
        assert.ok(b[0].every((v, i) => v === b[1][i]), `bernoulli seed ${seed} offset ${offset}`);
        const z = [draw('cpu', 1, n, seed, offset, 0, 1), draw(device, 1, n, seed, offset, 0, 1)];
        const worst = z[0].reduce((w, v, i) => Math.max(w, Math.abs(v - z[1][i]) / (1 + Math.abs(v))), 0);
        assert.ok(worst <= 2e-6, `normal seed ${seed} offset ${offset}: worst relative difference ${worst}`);
      }
    });

    s(`batch norm forward and backward agree on cpu and ${device} [${device}]`, () => {
      const r = rng(77);
      // runs a kernel on `dev` with inputs uploaded and outputs poisoned with NaN; returns the outputs downloaded
      const call = (dev, inputs, outputSizes, kernel) => {
        const put = (data) => {
          const g = native.alloc(dev, data.length);
          native.upload(g, 0, data);
          return g;
        };
        const ins = inputs.map(put);
        const outs = outputSizes.map((n) => put(new Float32Array(n).fill(NaN)));
        kernel(ins, outs);
        const got = outs.map((g, i) => native.download(g, 0, outputSizes[i]));
        [...ins, ...outs].forEach((g) => native.free(g));
        return got;
      };
      const forward = (dev, rows, cols, x) => {
        const [y, mean, invstd, variance] = call(dev, [x], [rows * cols, cols, cols, cols], ([xs], [ys, m, i, v]) =>
          native.batchnormForward(rows, cols, xs, 0, 1e-5, ys, 0, m, 0, i, 0, v, 0));
        return { y, mean, invstd, variance };
      };
      const backward = (dev, rows, cols, dy, y, invstd) => call(dev, [dy, y, invstd], [rows * cols],
        ([dys, ys, i], [dx]) => native.batchnormBackward(rows, cols, dys, 0, ys, 0, i, 0, dx, 0))[0];
      for (const [rows, cols] of [[1, 7], [7, 33], [129, 1000], [1000, 17]]) {
        // every fourth column 1000 + small noise: only a two-pass variance gets it right
        const x = Float32Array.from({ length: rows * cols },
          (_, i) => (i % cols) % 4 === 3 ? 1000 + r.uniform(-0.01, 0.01) : r.uniform(-3, 3));
        const dy = Float32Array.from({ length: rows * cols }, () => r.uniform(-1, 1));
        const [cpu, gpu] = [forward('cpu', rows, cols, x), forward(device, rows, cols, x)];
        // each device is within one float32 error bound of float64, so the two are within two
        const tol = batchnormTolerances(rows, cols, refBatchnorm(rows, cols, x, 1e-5));
        for (const name of ['y', 'mean', 'invstd', 'variance']) {
          check(compare(gpu[name], cpu[name], tol[name].map((t) => 2 * t), `batchnormForward ${rows}x${cols} ${name}`));
        }
        const dx = [backward('cpu', rows, cols, dy, cpu.y, cpu.invstd), backward(device, rows, cols, dy, cpu.y, cpu.invstd)];
        const back = refBatchnormBackward(rows, cols, dy, cpu.y, cpu.invstd);
        check(compare(dx[1], dx[0], back.tol.map((t) => 2 * t), `batchnormBackward ${rows}x${cols} dx`));
      }
    });

    s(`memoryStats of ${device} follow alloc and free [${device}]`, () => {
      native.emptyCache(device);
      const s0 = native.memoryStats(device);
      const g = native.alloc(device, 1 << 20);
      const s1 = native.memoryStats(device);
      assert.ok(s1.liveBytes >= s0.liveBytes + 4 * (1 << 20));
      native.free(g);
      const s2 = native.memoryStats(device);
      assert.is(s2.liveBytes, s0.liveBytes);
      native.free(native.alloc(device, 1 << 20));
      const s3 = native.memoryStats(device);
      assert.is(s3.liveBytes + s3.cachedBytes, s2.liveBytes + s2.cachedBytes, 'the cached block was reused');
      native.emptyCache(device);
    });
  }
}

s.run();
