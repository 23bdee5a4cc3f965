// Bad calls at the addon level: one test per class of mistake, each asserting a thrown Error whose
// message names the op (and the shapes where they matter), and that the addon still works afterwards.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../../dist/src/backend.js';
import { assertThrows } from '../helpers.js';
import { Axis, Binary, Broadcast, Distribution, Reduce, Unary } from '../../dist/src/native.js';

const hasCuda = native.devices().some((d) => d.device.startsWith('cuda'));

/** Node and the addon are alive: a fresh alloc, fill and download work */
function alive() {
  const s = native.alloc('cpu', 5);
  native.fill(s, 1, 3, 2.5);
  assert.equal(Array.from(native.download(s, 1, 3)), [2.5, 2.5, 2.5]);
  native.free(s);
}

/** runs fn with cpu storages of the given lengths, freeing them after */
function withStorages(lengths, fn) {
  const st = lengths.map((n) => native.alloc('cpu', n));
  try {
    fn(...st);
  } finally {
    for (const x of st) if (!x.freed) native.free(x);
  }
}

const s = suite('native: bad calls throw and Node survives');

s('a freed storage is refused by every kind of call', () => {
  withStorages([16, 16], (a, b) => {
    native.free(a);
    assert.ok(a.freed, 'freed flag set');
    assertThrows(() => native.fill(a, 0, 4, 1), /fill/i);
    assertThrows(() => native.download(a, 0, 4), /download/i);
    assertThrows(() => native.upload(a, 0, new Float32Array(4)), /upload/i);
    assertThrows(() => native.unary(Unary.relu, 4, b, 0, a, 0, 0, 0), /unary/i);
    assertThrows(() => native.gemm(false, false, 2, 2, 2, 1, a, 0, 2, b, 0, 2, 0, b, 4, 2, null, 0, Unary.affine, 0), /gemm/i);
    assertThrows(() => native.copy(b, 0, a, 0, 4), /copy/i);
  });
  alive();
});

s('freeing twice throws naming free', () => {
  const a = native.alloc('cpu', 8);
  native.free(a);
  assertThrows(() => native.free(a), /free/i);
  alive();
});

s('a value that is not a storage is refused', () => {
  withStorages([8], (ok) => {
    for (const bad of [{}, null, undefined, 3, 'cpu', new Float32Array(8), { device: 'cpu', length: 8, freed: false }]) {
      assertThrows(() => native.fill(bad, 0, 4, 1), /fill/i);
      assertThrows(() => native.binary(Binary.add, 2, 2, ok, 0, Broadcast.full, bad, 0, Broadcast.full, ok, 4), /binary/i);
    }
    assertThrows(() => native.free({}), /free/i);
  });
  alive();
});

s('a Float64Array (or other array) where a Float32Array or Int32Array is needed is refused', () => {
  withStorages([8, 8], (a, b) => {
    assertThrows(() => native.upload(a, 0, new Float64Array(4)), /upload/i);
    assertThrows(() => native.upload(a, 0, [1, 2, 3]), /upload/i);
    assertThrows(() => native.upload(a, 0, new Int32Array(4)), /upload/i);
    assertThrows(() => native.gatherRows(1, 2, a, 0, 4, new Float64Array([0]), b, 0), /gather/i);
    assertThrows(() => native.gatherRows(1, 2, a, 0, 4, new Float32Array([0]), b, 0), /gather/i);
  });
  alive();
});

s('an offset out of range, negative, fractional or NaN is refused', () => {
  withStorages([10, 10], (a, b) => {
    for (const off of [11, 7, -1, 1.5, NaN, Infinity]) {
      assertThrows(() => native.fill(a, off, 4, 0), /fill/i);
      assertThrows(() => native.download(a, off, 4), /download/i);
      assertThrows(() => native.upload(a, off, new Float32Array(4)), /upload/i);
      assertThrows(() => native.unary(Unary.exp, 4, a, 0, b, off, 0, 0), /unary/i);
    }
    assertThrows(() => native.fill(a, 0, 11, 0), /fill/i);
    assertThrows(() => native.fill(a, 0, -1, 0), /fill/i);
    assertThrows(() => native.download(a, 0, 11), /download/i);
    assertThrows(() => native.upload(a, 0, new Float32Array(11)), /upload/i);
    assertThrows(() => native.copy(a, 5, b, 0, 6), /copy/i);
  });
  alive();
});

s('shapes exceeding the storage are refused, the message naming the shapes', () => {
  withStorages([17 * 23, 23 * 19, 17 * 19, 100], (a, b, c, small) => {
    // A is 17 x 23, B 23 x 19, C 17 x 19: each operand one element too small in turn
    native.gemm(false, false, 17, 19, 23, 1, a, 0, 23, b, 0, 19, 0, c, 0, 19, null, 0, Unary.affine, 0);
    assertThrows(() => native.gemm(false, false, 17, 19, 23, 1, a, 1, 23, b, 0, 19, 0, c, 0, 19, null, 0, Unary.affine, 0), /gemm/i, /17|19|23/);
    assertThrows(() => native.gemm(false, false, 17, 19, 23, 1, a, 0, 23, b, 1, 19, 0, c, 0, 19, null, 0, Unary.affine, 0), /gemm/i, /17|19|23/);
    assertThrows(() => native.gemm(false, false, 17, 19, 23, 1, a, 0, 23, b, 0, 19, 0, c, 1, 19, null, 0, Unary.affine, 0), /gemm/i, /17|19|23/);
    assertThrows(() => native.gemm(false, false, 17, 19, 23, 1, a, 0, 24, b, 0, 19, 0, c, 0, 19, null, 0, Unary.affine, 0), /gemm/i);
    assertThrows(() => native.gemm(false, false, 17, 19, 23, 1, a, 0, 23, b, 0, 19, 0, c, 0, 19, small, 90, Unary.affine, 0), /gemm/i);
    // a leading dimension shorter than the row
    assertThrows(() => native.gemm(false, false, 17, 19, 23, 1, a, 0, 22, b, 0, 19, 0, c, 0, 19, null, 0, Unary.affine, 0), /gemm/i);
    assertThrows(() => native.copy2d(4, 10, small, 0, 9, a, 0, 10), /copy_?2d/i);
    assertThrows(() => native.copy2d(11, 10, small, 0, 10, a, 0, 10), /copy_?2d/i, /11|10/);
    assertThrows(() => native.binary(Binary.add, 11, 10, small, 0, Broadcast.full, small, 0, Broadcast.row, a, 0), /binary/i, /11|10/);
    assertThrows(() => native.binary(Binary.add, 10, 10, small, 0, Broadcast.full, small, 95, Broadcast.row, a, 0), /binary/i);
    assertThrows(() => native.reduce(Reduce.sum, Axis.rows, 13, 8, small, 0, a, 0), /reduce/i, /13|8/);
    assertThrows(() => native.softmax(false, 13, 8, small, 0, a, 0), /softmax/i, /13|8/);
    assertThrows(() => native.softmaxXent(10, 10, small, 0, null, 0, small, 1, a, 0, null, 0), /softmax_?xent/i);
    assertThrows(() => native.sigmoidXent(10, 11, small, 0, a, 0, c, 0, null, 0), /sigmoid_?xent/i);
    assertThrows(() => native.gaussianKl(10, 10, small, 0, small, 1, c, 0, null, 0, null, 0), /gaussian_?kl/i);
    assertThrows(() => native.random(Distribution.uniform, 101, 1, 0, 0, 1, small, 0), /random/i, /101/);
    assertThrows(() => native.reparameterize(101, a, 0, a, 0, 1, 0, null, 0, small, 0), /reparameterize/i);
    assertThrows(() => native.gatherRows(3, 40, a, 0, 3, Int32Array.from([0, 1, 2]), small, 0), /gather_?rows/i);
    assertThrows(() => native.gatherRows(3, 10, a, 0, 3, Int32Array.from([0, 1]), small, 0), /gather_?rows/i);
    assertThrows(() => native.unaryBackward(Unary.relu, 101, small, 0, null, 0, a, 0, c, 0, 0), /unary_?backward/i);
  });
  alive();
});

s('a missing operand the op needs is refused (unaryBackward without x or y, softmaxXent without labels/targets)', () => {
  withStorages([16, 16, 16, 16], (x, dy, dx, loss) => {
    assertThrows(() => native.unaryBackward(Unary.relu, 4, null, 0, null, 0, dy, 0, dx, 0, 0), /unary_?backward/i);
    assertThrows(() => native.unaryBackward(Unary.sigmoid, 4, x, 0, null, 0, dy, 0, dx, 0, 0), /unary_?backward/i);
    assertThrows(() => native.softmaxXent(2, 2, x, 0, null, 0, null, 0, loss, 0, null, 0), /softmax_?xent/i);
    assertThrows(() => native.softmaxXent(2, 2, x, 0, dy, 0, dy, 4, loss, 0, null, 0), /softmax_?xent/i);
  });
  alive();
});

s('mismatched devices are refused; without CUDA, allocating on cuda:0 says so', () => {
  if (hasCuda) {
    const g = native.alloc('cuda:0', 8);
    withStorages([8, 8], (a, out) => {
      assertThrows(() => native.binary(Binary.add, 2, 4, a, 0, Broadcast.full, g, 0, Broadcast.full, out, 0), /binary/i, /device|cuda|cpu/i);
      assertThrows(() => native.unary(Unary.relu, 8, g, 0, out, 0, 0, 0), /unary/i, /device|cuda|cpu/i);
    });
    native.free(g);
  } else {
    assertThrows(() => native.alloc('cuda:0', 8), /cuda/i);
  }
  assertThrows(() => native.alloc('cuda:99', 8), /cuda/i);
  assertThrows(() => native.alloc('tpu', 8), /alloc|device/i, /tpu/);
  assertThrows(() => native.alloc('cpu', -1), /alloc/i);
  assertThrows(() => native.alloc('cpu', 1.5), /alloc/i);
  assertThrows(() => native.alloc('cpu', NaN), /alloc/i);
  assertThrows(() => native.alloc('cpu', 2 ** 60), /alloc/i);
  assertThrows(() => native.memoryStats('tpu'), /memory_?stats|device/i);
  alive();
});

s('unknown enum values are refused', () => {
  withStorages([64, 64, 64], (a, b, c) => {
    assertThrows(() => native.unary(99, 4, a, 0, b, 0, 0, 0), /unary/i);
    assertThrows(() => native.unary(-1, 4, a, 0, b, 0, 0, 0), /unary/i);
    assertThrows(() => native.unaryBackward(99, 4, a, 0, a, 0, b, 0, c, 0, 0), /unary_?backward/i);
    assertThrows(() => native.binary(42, 2, 2, a, 0, Broadcast.full, b, 0, Broadcast.full, c, 0), /binary/i);
    assertThrows(() => native.binary(Binary.add, 2, 2, a, 0, 9, b, 0, Broadcast.full, c, 0), /binary/i);
    assertThrows(() => native.binary(Binary.add, 2, 2, a, 0, Broadcast.full, b, 0, -2, c, 0), /binary/i);
    assertThrows(() => native.reduce(9, Axis.rows, 2, 2, a, 0, b, 0), /reduce/i);
    assertThrows(() => native.reduce(Reduce.sum, 2, 2, 2, a, 0, b, 0), /reduce/i);
    assertThrows(() => native.random(5, 4, 1, 0, 0, 1, a, 0), /random/i);
    assertThrows(() => native.gemm(false, false, 2, 2, 2, 1, a, 0, 2, b, 0, 2, 0, c, 0, 2, null, 0, 77, 0), /gemm/i);
    // EXP is a unary op but not one of the GEMM epilogues (AFFINE, RELU, LEAKY_RELU, SIGMOID, TANH)
    assertThrows(() => native.gemm(false, false, 2, 2, 2, 1, a, 0, 2, b, 0, 2, 0, c, 0, 2, null, 0, Unary.exp, 0), /gemm/i);
  });
  alive();
});

s('a NaN, negative, fractional or too large seed or offset is refused', () => {
  withStorages([16, 16, 16], (out, mu, lv) => {
    for (const bad of [NaN, -1, 1.5, 2 ** 60, Infinity]) {
      assertThrows(() => native.random(Distribution.uniform, 8, bad, 0, 0, 1, out, 0), /random/i);
      assertThrows(() => native.random(Distribution.normal, 8, 1, bad, 0, 1, out, 0), /random/i);
      assertThrows(() => native.reparameterize(8, mu, 0, lv, 0, bad, 0, null, 0, out, 0), /reparameterize/i);
      assertThrows(() => native.reparameterize(8, mu, 0, lv, 0, 1, bad, null, 0, out, 0), /reparameterize/i);
    }
  });
  alive();
});

s('a gather index out of range is refused', () => {
  withStorages([20, 20], (src, out) => {
    for (const bad of [5, -1, 1000]) {
      assertThrows(() => native.gatherRows(2, 4, src, 0, 5, Int32Array.from([1, bad]), out, 0), /gather_?rows/i);
    }
    assertThrows(() => native.gatherRows(2, 4, src, 0, 6, Int32Array.from([0, 1]), out, 0), /gather_?rows/i); // 6 x 4 > 20
  });
  alive();
});

s('a label out of range in softmaxXent is refused', () => {
  withStorages([12, 4, 4, 12], (logits, labels, loss, dl) => {
    for (const bad of [3, -1, 100]) {
      native.upload(labels, 0, Float32Array.from([0, bad, 2, 1]));
      assertThrows(() => native.softmaxXent(4, 3, logits, 0, labels, 0, null, 0, loss, 0, dl, 0), /softmax_?xent/i);
    }
  });
  alive();
});

s('adam and sgd with mismatched tensor lists are refused', () => {
  withStorages([64, 64, 64, 64], (p, g, m, v) => {
    const t = (st, off, n) => [st, off, n];
    const lr = 1e-3;
    const adam = (ps, gs, ms, vs, step = 1) => native.adam(ps, gs, ms, vs, lr, 0.9, 0.999, 1e-8, 0, false, step);
    assertThrows(() => adam([t(p, 0, 8), t(p, 8, 8)], [t(g, 0, 8)], [t(m, 0, 8), t(m, 8, 8)], [t(v, 0, 8), t(v, 8, 8)]), /adam/i);
    assertThrows(() => adam([t(p, 0, 8)], [t(g, 0, 8)], [], [t(v, 0, 8)]), /adam/i);
    assertThrows(() => adam([t(p, 0, 8)], [t(g, 0, 9)], [t(m, 0, 8)], [t(v, 0, 8)]), /adam/i);
    assertThrows(() => adam([t(p, 60, 8)], [t(g, 0, 8)], [t(m, 0, 8)], [t(v, 0, 8)]), /adam/i);
    assertThrows(() => adam([t(p, 0, 8)], [[g, 0]], [t(m, 0, 8)], [t(v, 0, 8)]), /adam/i);
    assertThrows(() => adam([t(p, 0, 8)], [t(g, 0, 8)], [t(m, 0, 8)], [t(v, 0, 8)], 0), /adam/i);
    assertThrows(() => native.sgd([t(p, 0, 8)], [t(g, 0, 8), t(g, 8, 8)], null, lr, 0, 0, false), /sgd/i);
    assertThrows(() => native.sgd([t(p, 0, 8)], [t(g, 0, 8)], null, lr, 0.9, 0, false), /sgd/i);
    assertThrows(() => native.sgd([t(p, 0, 8)], [t(g, 0, 8)], [t(v, 0, 7)], lr, 0.9, 0, false), /sgd/i);
  });
  alive();
});

s('wrong argument counts and types for sizes are refused', () => {
  withStorages([16, 16], (a, b) => {
    assertThrows(() => native.fill(a, 0), /fill/i);
    assertThrows(() => native.fill(a, '0', 4, 1), /fill/i);
    assertThrows(() => native.unary(Unary.relu, 2.5, a, 0, b, 0, 0, 0), /unary/i);
    assertThrows(() => native.copy2d(-2, 2, a, 0, 2, b, 0, 2), /copy_?2d/i);
  });
  alive();
});

s.run();
