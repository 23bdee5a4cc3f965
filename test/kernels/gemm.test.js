// GEMM kernel against a float64 reference: m, n, k over {1, 7, 33, 129, 300}, all four transpose
// combinations, leading dimensions wider than the rows (the gap holding NaN in A and B, guards in C),
// non-trivial alpha/beta incl. beta = 0 over a NaN-poisoned C, bias and every epilogue activation.
import { suite } from 'uvu';
import { native } from '../../dist/src/backend.js';
import { rng, randomArray } from '../helpers.js';
import { Unary } from '../../dist/src/native.js';
import { check, compare, framed, GUARD, testDevices } from '../reference/device.js';
import { gemmTolerance, refGemm } from '../reference/gemm.js';

const SIZES = [1, 7, 33, 129, 300];
const SCALARS = [
  { alpha: 1, beta: 0 },
  { alpha: 0.75, beta: -1.25 },
  { alpha: -2, beta: 0 },
  { alpha: 1, beta: 1 },
  { alpha: 0.5, beta: 0.5 },
];
const TRANSPOSES = [[false, false], [false, true], [true, false], [true, true]];
const tname = (ta, tb) => `${ta ? 'T' : 'N'}${tb ? 'T' : 'N'}`;

/** a rows x cols matrix with leading dimension ld, the gap after each row holding `gap` */
function matrix(r, rows, cols, ld, gap) {
  const m = new Float32Array(Math.max(rows * ld, 1)).fill(gap);
  for (let i = 0; i < rows; i++) m.set(randomArray(r, cols), i * ld);
  return m;
}

/**
 * Runs one GEMM on `device` and checks every element of C against the reference, and that the gaps of C
 * (columns n..ldc) and the guards around each operand are untouched.
 */
function runGemm(device, r, { ta, tb, m, n, k, alpha, beta, pad = 0, bias = false, act = Unary.affine, actAlpha = 0 }) {
  const lda = (ta ? m : k) + pad;
  const ldb = (tb ? k : n) + 2 * pad;
  const ldc = n + pad;
  const A = matrix(r, ta ? k : m, ta ? m : k, lda, NaN);
  const B = matrix(r, tb ? n : k, tb ? k : n, ldb, NaN);
  const C = beta === 0 ? matrix(r, m, n, ldc, GUARD).map((v) => (v === GUARD ? v : NaN)) : matrix(r, m, n, ldc, GUARD);
  const biasData = bias ? randomArray(r, n) : null;
  // each operand at an odd offset, a guard element on either side of C's storage span
  const pa = native.alloc(device, A.length + 3);
  const pb = native.alloc(device, B.length + 5);
  const pc = native.alloc(device, C.length + 2);
  const pbias = bias ? native.alloc(device, n + 2) : null;
  try {
    native.upload(pa, 3, A);
    native.upload(pb, 5, B);
    native.upload(pc, 0, framed(C));
    if (bias) native.upload(pbias, 2, biasData);
    native.gemm(ta, tb, m, n, k, alpha, pa, 3, lda, pb, 5, ldb, beta, pc, 1, ldc, pbias, 2, act, actAlpha);
    const full = native.download(pc, 0, C.length + 2);
    if (!Object.is(full[0], GUARD) || !Object.is(full[C.length + 1], GUARD)) {
      check(`gemm ${tname(ta, tb)} m=${m} n=${n} k=${k}: an element outside C's storage span was written`);
    }
    const got = full.subarray(1, C.length + 1);
    const { out, scale } = refGemm(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, biasData, act, actAlpha);
    const view = new Float32Array(m * n);
    for (let i = 0; i < m; i++) {
      view.set(got.subarray(i * ldc, i * ldc + n), i * n);
      for (let j = n; j < ldc && i * ldc + j < C.length; j++) {
        if (!Object.is(got[i * ldc + j], GUARD)) {
          check(`gemm ${tname(ta, tb)} m=${m} n=${n} k=${k} ldc=${ldc}: C[${i}, ${j}] outside the matrix was written`);
        }
      }
    }
    const what = `gemm ${tname(ta, tb)} m=${m} n=${n} k=${k} lda=${lda} ldb=${ldb} ldc=${ldc} alpha=${alpha} beta=${beta}` +
      ` bias=${bias} act=${act}: C`;
    check(compare(view, out, gemmTolerance(scale, k), what));
  } finally {
    for (const p of [pa, pb, pc, pbias]) if (p) native.free(p);
  }
}

const s = suite('kernels: gemm');

for (const device of testDevices(native)) {
  for (const [ta, tb] of TRANSPOSES) {
    s(`gemm ${tname(ta, tb)}: m, n, k over {1, 7, 33, 129, 300}, alpha/beta, wide leading dimensions [${device}]`, () => {
      const r = rng(1000 + 2 * ta + tb);
      let i = 0;
      for (const m of SIZES) {
        for (const n of SIZES) {
          for (const k of SIZES) {
            runGemm(device, r, { ta, tb, m, n, k, ...SCALARS[i % SCALARS.length], pad: [0, 3, 16][i % 3] });
            i++;
          }
        }
      }
    });
  }

  s(`gemm: bias and each epilogue activation, all transposes [${device}]`, () => {
    const r = rng(77);
    const acts = [
      [Unary.affine, 0], [Unary.relu, 0], [Unary.leakyRelu, 0.1], [Unary.leakyRelu, -0.5], [Unary.sigmoid, 0],
      [Unary.tanh, 0],
    ];
    const shapes = [[7, 129, 33], [129, 7, 300], [33, 300, 1], [1, 1, 7]];
    let i = 0;
    for (const [act, actAlpha] of acts) {
      for (const bias of [false, true]) {
        for (const [ta, tb] of TRANSPOSES) {
          const [m, n, k] = shapes[i % shapes.length];
          const { alpha, beta } = SCALARS[i % SCALARS.length];
          runGemm(device, r, { ta, tb, m, n, k, alpha, beta, pad: i % 2 ? 5 : 0, bias, act, actAlpha });
          i++;
        }
      }
    }
  });

  s(`gemm: a large case 513x1000x257 (NN, beta 0) and (TT, beta 0.5, bias, relu) [${device}]`, () => {
    const r = rng(513);
    runGemm(device, r, { ta: false, tb: false, m: 513, n: 1000, k: 257, alpha: 1, beta: 0 });
    runGemm(device, r, { ta: true, tb: true, m: 513, n: 1000, k: 257, alpha: 0.5, beta: 0.5, pad: 3, bias: true, act: Unary.relu });
  });

  // a 784-500 layer at batch 100 (forward with bias and ReLU, input and weight gradients) and 128x250x1000: on a
  // GPU, small tiles with k split over idle multiprocessors; A, B and C at odd offsets (no float4 loads)
  s(`gemm: training shapes 100x500x784 NT, 100x784x500 NN, 784x500x100 TN, 128x250x1000 [${device}]`, () => {
    const r = rng(784);
    runGemm(device, r, { ta: false, tb: true, m: 100, n: 500, k: 784, alpha: 1, beta: 0, bias: true, act: Unary.relu });
    runGemm(device, r, { ta: false, tb: false, m: 100, n: 784, k: 500, alpha: 1, beta: 0 });
    runGemm(device, r, { ta: true, tb: false, m: 784, n: 500, k: 100, alpha: 1, beta: 1, pad: 4 });
    runGemm(device, r, { ta: false, tb: true, m: 128, n: 250, k: 1000, alpha: 0.5, beta: 0.25, pad: 3, bias: true,
      act: Unary.tanh });
  });

  if (device.startsWith('cuda')) {
    // enough 128x128 tiles to fill any GPU of up to 192 multiprocessors: the large tile shape
    s(`gemm: 2048x1536x72 NN and TT (the large CUDA tiles) [${device}]`, () => {
      const r = rng(2048);
      runGemm(device, r, { ta: false, tb: false, m: 2048, n: 1536, k: 72, alpha: 1, beta: 0 });
      runGemm(device, r, { ta: true, tb: true, m: 2048, n: 1536, k: 72, alpha: -0.5, beta: 0.5, pad: 1, bias: true,
        act: Unary.sigmoid });
    });
  }

  s(`gemm: long k (1x1x4099 and 7x9x2000) [${device}]`, () => {
    const r = rng(4099);
    runGemm(device, r, { ta: false, tb: false, m: 1, n: 1, k: 4099, alpha: 1, beta: 0 });
    runGemm(device, r, { ta: true, tb: false, m: 7, n: 9, k: 2000, alpha: -1, beta: 1 });
  });
}

s.run();
