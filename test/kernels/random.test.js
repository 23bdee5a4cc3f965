// Philox random kernels against an independent Philox4x32-10 (test/reference/philox.js, itself checked against
// the Random123 known-answer vectors): uniform bit-exact in the kernels.h stream layout for several
// (seed, offset, n) incl. seeds above 2^32 and continued draws; normal via Box-Muller; Bernoulli masks;
// reparameterised sampling; statistics of large draws.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../../dist/src/backend.js';
import { rng, randomArray } from '../helpers.js';
import { Distribution } from '../../dist/src/native.js';
import { check, compare, deviceIO, testDevices, U32 } from '../reference/device.js';
import { meanStd, mulhilo32, philox4x32, philoxNormal, philoxUniform } from '../reference/philox.js';

const STREAMS = [
  // [seed, offset, n]
  [0, 0, 1],
  [1, 0, 7],
  [12345, 3, 33],
  [2 ** 32 - 1, 0, 129],
  [2 ** 32 + 7, 11, 1000],
  [2 ** 40 + 12345, 2 ** 33 + 5, 1001],
  [2 ** 53 - 1, 2 ** 32 - 2, 64], // the counter carries into its second word
  [987654321, 2 ** 52, 10],
  [42, 0, 100003], // long enough for the draw to be split over threads
];

function draw(io, dist, n, seed, offset, p1, p2) {
  const out = io.output(n);
  native.random(dist, n, seed, offset, p1, p2, out.s, out.off);
  return io.read(out, 'random');
}

const normalTolerance = (z, p2 = 1) => Float64Array.from(z, (v) => 1e-5 * Math.abs(p2) * (1 + Math.abs(v)));

const s = suite('kernels: random');

s('reference Philox4x32-10 matches the Random123 known-answer vectors', () => {
  const hex = (w) => w.map((x) => x.toString(16).padStart(8, '0')).join(' ');
  assert.is(hex(philox4x32([0, 0, 0, 0], [0, 0])), '6627e8d5 e169c58d bc57ac4c 9b00dbd8');
  const f = 0xffffffff;
  assert.is(hex(philox4x32([f, f, f, f], [f, f])), '408f276d 41c83b0e a20bc7c6 6d5451fd');
  assert.is(hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])),
    'd16cfe09 94fdcceb 5001e420 24126ea1');
  const r = rng(9);
  for (let i = 0; i < 2000; i++) {
    const a = Math.floor(r.uniform(0, 2 ** 32));
    const b = Math.floor(r.uniform(0, 2 ** 32));
    const p = BigInt(a) * BigInt(b);
    assert.equal(mulhilo32(a, b), [Number(p >> 32n), Number(p & 0xffffffffn)], `mulhilo32(${a}, ${b})`);
  }
});

for (const device of testDevices(native)) {
  s(`random uniform [0, 1): bit-exact Philox stream for ${STREAMS.length} (seed, offset, n) [${device}]`, () => {
    const io = deviceIO(native, device);
    try {
      for (const [seed, offset, n] of STREAMS) {
        const got = draw(io, Distribution.uniform, n, seed, offset, 0, 1);
        check(compare(got, philoxUniform(seed, offset, n), 0, `uniform seed=${seed} offset=${offset} n=${n}`));
        if (!got.every((u) => u >= 0 && u < 1)) check(`uniform seed=${seed}: a value outside [0, 1)`);
      }
    } finally {
      io.free();
    }
  });

  s(`random: a continued draw (offset advanced by ceil(n / 4)) continues the stream [${device}]`, () => {
    const io = deviceIO(native, device);
    try {
      for (const seed of [5, 2 ** 35 + 3]) {
        const whole = draw(io, Distribution.uniform, 64, seed, 100, 0, 1);
        const first = draw(io, Distribution.uniform, 10, seed, 100, 0, 1); // consumes 3 counters
        const second = draw(io, Distribution.uniform, 20, seed, 103, 0, 1);
        check(compare(first, whole.subarray(0, 10), 0, `seed ${seed} first draw`));
        check(compare(second, whole.subarray(12, 32), 0, `seed ${seed} continued draw`));
        const z = draw(io, Distribution.normal, 64, seed, 100, 0, 1);
        const z2 = draw(io, Distribution.normal, 7, seed, 104, 0, 1);
        check(compare(z2, z.subarray(16, 23), normalTolerance(z.subarray(16, 23)), `seed ${seed} continued normal draw`));
        const other = draw(io, Distribution.uniform, 64, seed + 1, 100, 0, 1);
        assert.ok(other.some((v, i) => v !== whole[i]), 'another seed gives another stream');
      }
    } finally {
      io.free();
    }
  });

  s(`random uniform [p1, p2): scaled stream [${device}]`, () => {
    const io = deviceIO(native, device);
    try {
      for (const [p1, p2] of [[-3, 5], [2, 2.5], [-1, 1]]) {
        const u = philoxUniform(77, 9, 1000);
        const expected = u.map((v) => p1 + (p2 - p1) * v);
        const tol = 2 * U32 * (Math.abs(p1) + Math.abs(p2 - p1));
        check(compare(draw(io, Distribution.uniform, 1000, 77, 9, p1, p2), expected, tol, `uniform [${p1}, ${p2})`));
      }
    } finally {
      io.free();
    }
  });

  s(`random normal: Box-Muller of the stream within 1e-5 [${device}]`, () => {
    const io = deviceIO(native, device);
    try {
      for (const [seed, offset, n] of STREAMS) {
        const z = philoxNormal(seed, offset, n);
        check(compare(draw(io, Distribution.normal, n, seed, offset, 0, 1), z, normalTolerance(z), `normal seed=${seed} offset=${offset} n=${n}`));
      }
      const z = philoxNormal(31, 2, 129);
      const expected = z.map((v) => 2 + 0.5 * v);
      check(compare(draw(io, Distribution.normal, 129, 31, 2, 2, 0.5), expected, normalTolerance(z, 0.5), 'normal mean 2 std 0.5'));
    } finally {
      io.free();
    }
  });

  s(`random bernoulli: values in {0, p2}, frequency p1, edge probabilities [${device}]`, () => {
    const io = deviceIO(native, device);
    try {
      const n = 200003;
      for (const [p1, p2] of [[0.3, 1 / 0.3], [0.9, 1], [0.5, 2]]) {
        const m = draw(io, Distribution.bernoulli, n, 1234, 7, p1, p2);
        const value = Math.fround(p2);
        let ones = 0;
        for (let i = 0; i < n; i++) {
          if (m[i] === value) ones++;
          else if (m[i] !== 0) check(`bernoulli p1=${p1} p2=${p2}: element ${i} = ${m[i]}, expected 0 or ${value}`);
        }
        const sigma = Math.sqrt((p1 * (1 - p1)) / n);
        assert.ok(Math.abs(ones / n - p1) < 5 * sigma, `bernoulli p1=${p1}: frequency ${ones / n}`);
        check(compare(draw(io, Distribution.bernoulli, n, 1234, 7, p1, p2), m, 0, `bernoulli p1=${p1}: same (seed, offset), same mask`));
      }
      assert.ok(draw(io, Distribution.bernoulli, 1000, 3, 0, 0, 5).every((v) => v === 0), 'bernoulli p1 = 0 gives zeros');
      assert.ok(draw(io, Distribution.bernoulli, 1000, 3, 0, 1, 5).every((v) => v === 5), 'bernoulli p1 = 1 gives p2 everywhere');
    } finally {
      io.free();
    }
  });

  s(`random: statistics of 10^6 uniform and normal draws [${device}]`, () => {
    const io = deviceIO(native, device);
    try {
      const n = 1_000_000;
      const u = meanStd(draw(io, Distribution.uniform, n, 99, 0, 0, 1));
      assert.ok(Math.abs(u.mean - 0.5) < 5 * Math.sqrt(1 / 12 / n), `uniform mean ${u.mean}`);
      assert.ok(Math.abs(u.std - Math.sqrt(1 / 12)) < 1e-3, `uniform std ${u.std}`);
      const z = meanStd(draw(io, Distribution.normal, n, 99, 0, -1, 3));
      assert.ok(Math.abs(z.mean + 1) < 5 * 3 / Math.sqrt(n), `normal mean ${z.mean}`);
      assert.ok(Math.abs(z.std - 3) < 3 * 5 / Math.sqrt(2 * n), `normal std ${z.std}`);
    } finally {
      io.free();
    }
  });

  s(`reparameterize: z = mu + eps exp(logvar / 2), eps the normal stream, eps optional [${device}]`, () => {
    const r = rng(600);
    const io = deviceIO(native, device);
    try {
      for (const [seed, offset, n] of [[1, 0, 1], [2 ** 33 + 1, 5, 7], [8, 2 ** 34, 33], [9, 1, 129], [10, 0, 1000]]) {
        const mu = randomArray(r, n, -2, 2);
        const logvar = randomArray(r, n, -4, 2);
        const ms = io.input(mu);
        const lvs = io.input(logvar);
        const eps = io.output(n);
        const z = io.output(n);
        native.reparameterize(n, ms.s, ms.off, lvs.s, lvs.off, seed, offset, eps.s, eps.off, z.s, z.off);
        const e = io.read(eps, 'eps');
        const zs = philoxNormal(seed, offset, n);
        check(compare(e, zs, normalTolerance(zs), `reparameterize seed=${seed} offset=${offset} n=${n}: eps`));
        const expected = Float64Array.from(mu, (m, i) => m + e[i] * Math.exp(0.5 * logvar[i]));
        const tol = Float64Array.from(mu, (m, i) => 1e-7 + 4 * U32 * Math.abs(m) + 1e-6 * Math.abs(e[i] * Math.exp(0.5 * logvar[i])));
        check(compare(io.read(z, 'z'), expected, tol, `reparameterize seed=${seed} n=${n}: z`));
        const z2 = io.output(n);
        native.reparameterize(n, ms.s, ms.off, lvs.s, lvs.off, seed, offset, null, 0, z2.s, z2.off);
        check(compare(io.read(z2, 'z'), expected, tol, `reparameterize seed=${seed} n=${n} without eps: z`));
      }
      const n = 200_000;
      const zeros = io.input(new Float32Array(n));
      const eps = io.output(n);
      const z = io.output(n);
      native.reparameterize(n, zeros.s, zeros.off, zeros.s, zeros.off, 4, 0, eps.s, eps.off, z.s, z.off);
      const st = meanStd(io.read(eps));
      assert.ok(Math.abs(st.mean) < 5 / Math.sqrt(n) && Math.abs(st.std - 1) < 5 / Math.sqrt(2 * n), `eps mean ${st.mean} std ${st.std}`);
    } finally {
      io.free();
    }
  });
}

s.run();
