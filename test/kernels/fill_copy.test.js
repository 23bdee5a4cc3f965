// fill, copy2d and storage-to-storage copy: every element of the view written, nothing outside it,
// strided rows with gaps (the source gaps hold NaN, the destination gaps must stay untouched).
import { suite } from 'uvu';
import { native } from '../../dist/src/backend.js';
import { AWKWARD, rng, randomArray } from '../helpers.js';
import { check, compare, deviceIO, framed, GUARD, testDevices } from '../reference/device.js';

const s = suite('kernels: fill and copy');

for (const device of testDevices(native)) {
  s(`fill: n ${[...AWKWARD, 100003].join(', ')}, several values [${device}]`, () => {
    const io = deviceIO(native, device, { pad: 7 });
    try {
      for (const n of [...AWKWARD, 100003]) {
        for (const value of [0, -3.5, 1e30, Infinity, 0.1]) {
          const out = io.output(n);
          native.fill(out.s, out.off, n, value);
          check(compare(io.read(out), new Float32Array(n).fill(value), 0, `fill n=${n} value=${value}`));
        }
      }
    } finally {
      io.free();
    }
  });

  s(`copy2d: rows x cols over awkward sizes, lds and ldd wider than the row [${device}]`, () => {
    const r = rng(800);
    for (const rows of [1, 7, 33, 129]) {
      for (const cols of [1, 7, 33, 1000]) {
        for (const [sp, dp] of [[0, 0], [3, 0], [0, 5], [17, 2]]) {
          const lds = cols + sp;
          const ldd = cols + dp;
          const src = new Float32Array(rows * lds).fill(NaN);
          for (let i = 0; i < rows; i++) src.set(randomArray(r, cols), i * lds);
          const dst = new Float32Array(rows * ldd).fill(GUARD);
          for (let i = 0; i < rows; i++) dst.fill(NaN, i * ldd, i * ldd + cols);
          const ps = native.alloc(device, src.length + 1);
          const pd = native.alloc(device, dst.length + 3);
          try {
            native.upload(ps, 1, src);
            native.upload(pd, 0, framed(dst, 2, 1));
            native.copy2d(rows, cols, ps, 1, lds, pd, 2, ldd);
            const expected = framed(dst, 2, 1);
            for (let i = 0; i < rows; i++) expected.set(src.subarray(i * lds, i * lds + cols), 2 + i * ldd);
            check(compare(native.download(pd, 0, dst.length + 3), expected, 0, `copy2d ${rows}x${cols} lds=${lds} ldd=${ldd}: dst storage`));
          } finally {
            native.free(ps);
            native.free(pd);
          }
        }
      }
    }
  });

  s(`copy: between storages at offsets, within one device and to/from every other device [${device}]`, () => {
    const r = rng(801);
    for (const other of native.devices().map((d) => d.device)) {
      for (const n of AWKWARD) {
        const data = randomArray(r, n);
        const a = native.alloc(device, n + 3);
        const b = native.alloc(other, n + 4);
        try {
          native.upload(a, 3, data);
          native.upload(b, 0, new Float32Array(n + 4).fill(GUARD));
          native.copy(a, 3, b, 2, n);
          const expected = new Float32Array(n + 4).fill(GUARD);
          expected.set(data, 2);
          check(compare(native.download(b, 0, n + 4), expected, 0, `copy ${device} -> ${other} n=${n}`));
        } finally {
          native.free(a);
          native.free(b);
        }
      }
    }
  });
}

s.run();
