// A compact CPU check of the kernels against the float64 references, run in a child process per ISA by
// test/kernels/isa.test.js: GEMM, every unary and binary op of the lists, reductions, softmax, batch norm.
import { Axis, BINARY_OPS, Broadcast, REDUCE_OPS, UNARY_OPS, Unary } from '../../dist/src/native.js';
import { randomArray, rng } from '../helpers.js';
import { refBatchnorm, batchnormTolerances, refBatchnormBackward } from './batchnorm.js';
import { bcastLength, refBinary } from './binary.js';
import { U32, compare, deviceIO, tolerance } from './device.js';
import { gemmTolerance, refGemm } from './gemm.js';
import { refReduce, refSoftmax, softmaxTolerance } from './reduce.js';
import { UNARY_REFERENCES, refUnary } from './unary.js';

/**
 * GEMM over every transpose on a few awkward shapes with bias and an epilogue, every unary op, binary
 * ops with broadcasting, reductions, softmax and batch norm (both ways), on the CPU. Returns { isa, checks, failures }.
 */
export function isaCheck(native) {
  const r = rng(4242);
  const io = deviceIO(native, 'cpu');
  const failures = [];
  let checks = 0;
  const note = (message) => {
    checks++;
    if (message) failures.push(message);
  };
  try {
    for (const [m, n, k] of [[1, 1, 1], [7, 33, 129], [129, 7, 33], [33, 129, 300], [300, 33, 7]]) {
      for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]]) {
        for (const [beta, bias, act, actAlpha] of [[0, false, Unary.affine, 0], [0.5, true, Unary.leakyRelu, 0.1], [0, true, Unary.tanh, 0]]) {
          const lda = (ta ? m : k) + 3;
          const ldb = (tb ? k : n) + 1;
          const ldc = n + 2;
          const A = randomArray(r, (ta ? k : m) * lda);
          const B = randomArray(r, (tb ? n : k) * ldb);
          const C = beta === 0 ? new Float32Array(m * ldc).fill(NaN) : randomArray(r, m * ldc);
          const bv = bias ? randomArray(r, n) : null;
          const [as, bs, cs] = [io.input(A), io.input(B), io.input(C)];
          const biasS = bias ? io.input(bv) : null;
          native.gemm(ta, tb, m, n, k, 1.25, as.s, as.off, lda, bs.s, bs.off, ldb, beta, cs.s, cs.off, ldc, biasS?.s ?? null, biasS?.off ?? 0, act, actAlpha);
          const got = io.read(cs, 'C');
          const ref = refGemm(ta, tb, m, n, k, 1.25, A, lda, B, ldb, beta, C, ldc, bv, act, actAlpha);
          const view = new Float32Array(m * n);
          for (let i = 0; i < m; i++) view.set(got.subarray(i * ldc, i * ldc + n), i * n);
          note(compare(view, ref.out, gemmTolerance(ref.scale, k), `gemm ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} ${m}x${n}x${k} beta=${beta} act=${act}`));
        }
      }
    }
    for (const { name, id: op } of UNARY_OPS) {
      const { lo, hi } = UNARY_REFERENCES[name] ?? { lo: -3, hi: 3 }; // (refUnary below names a missing reference)
      for (const n of [1, 7, 33, 129, 1000]) {
        const x = randomArray(r, n, lo, hi);
        const [xs, ys] = [io.input(x), io.output(n)];
        native.unary(op, n, xs.s, xs.off, ys.s, ys.off, 0.3, -0.2);
        const ref = refUnary(op, x, 0.3, -0.2);
        const scale = UNARY_REFERENCES[name].forwardScale?.(x, 0.3, -0.2) ?? ref;
        note(compare(io.read(ys), ref, tolerance(scale, 1e-6, 1e-5), `unary ${name} n=${n}`));
      }
    }
    for (const { name, id: op } of BINARY_OPS) {
      for (const [rows, cols] of [[7, 33], [129, 129], [1, 1000]]) {
        for (const bMode of [Broadcast.full, Broadcast.row, Broadcast.col, Broadcast.scalar]) {
          const a = randomArray(r, rows * cols);
          const b = randomArray(r, bcastLength(bMode, rows, cols), 0.5, 2);
          const [as, bs, out] = [io.input(a), io.input(b), io.output(rows * cols)];
          native.binary(op, rows, cols, as.s, as.off, Broadcast.full, bs.s, bs.off, bMode, out.s, out.off);
          const ref = refBinary(op, rows, cols, a, Broadcast.full, b, bMode);
          note(compare(io.read(out), ref, tolerance(ref, 1e-30, 2 * U32), `binary ${name} ${rows}x${cols} b mode ${bMode}`));
        }
      }
    }
    for (const [rows, cols] of [[7, 33], [129, 1000], [1000, 7]]) {
      const x = randomArray(r, rows * cols);
      for (const { name, id: op } of REDUCE_OPS) {
        for (const axis of [Axis.rows, Axis.cols]) {
          const [xs, out] = [io.input(x), io.output(axis === Axis.rows ? rows : cols)];
          native.reduce(op, axis, rows, cols, xs.s, xs.off, out.s, out.off);
          const ref = refReduce(op, axis, rows, cols, x);
          const tol = name === 'max' ? 0 : tolerance(ref.scale, 2e-6, 8 * U32 * Math.sqrt(ref.len) + 2e-6);
          note(compare(io.read(out), ref.out, tol, `reduce ${name} axis ${axis} ${rows}x${cols}`));
        }
      }
      for (const log of [false, true]) {
        const [xs, out] = [io.input(x), io.output(rows * cols)];
        native.softmax(log, rows, cols, xs.s, xs.off, out.s, out.off);
        const ref = refSoftmax(log, rows, cols, x);
        note(compare(io.read(out), ref, softmaxTolerance(log, rows, cols, x, ref), `softmax log=${log} ${rows}x${cols}`));
      }
    }
    for (const [rows, cols] of [[7, 33], [129, 17], [2, 129]]) {
      const x = randomArray(r, rows * cols, -3, 3);
      const [xs, y, mean, invstd, variance] = [io.input(x), io.output(rows * cols), io.output(cols), io.output(cols), io.output(cols)];
      native.batchnormForward(rows, cols, xs.s, xs.off, 1e-5, y.s, y.off, mean.s, mean.off, invstd.s, invstd.off, variance.s, variance.off);
      const ref = refBatchnorm(rows, cols, x, 1e-5);
      const tol = batchnormTolerances(rows, cols, ref);
      for (const [name, t] of [['y', y], ['mean', mean], ['invstd', invstd], ['variance', variance]]) {
        note(compare(io.read(t), ref[name], tol[name], `batchnormForward ${rows}x${cols} ${name}`));
      }
      const dy = randomArray(r, rows * cols);
      const [ys, invs, dys, dx] = [io.input(io.read(y)), io.input(io.read(invstd)), io.input(dy), io.output(rows * cols)];
      native.batchnormBackward(rows, cols, dys.s, dys.off, ys.s, ys.off, invs.s, invs.off, dx.s, dx.off);
      const back = refBatchnormBackward(rows, cols, dy, io.read(ys), io.read(invs));
      note(compare(io.read(dx), back.dx, back.tol, `batchnormBackward ${rows}x${cols}`));
    }
  } catch (e) {
    failures.push(`threw: ${e.message}`);
  } finally {
    io.free();
  }
  return { isa: native.isa(), checks, failures };
}
