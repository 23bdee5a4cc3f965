// Loss kernels against float64 references: softmax cross-entropy (class labels and soft targets, with
// and without dlogits), sigmoid cross-entropy with logits (large |logits|, NaN targets masked) and the
// Gaussian KL with its gradients.
import { suite } from 'uvu';
import { native } from '../../dist/src/backend.js';
import { rng, randomArray } from '../helpers.js';
import { check, compare, deviceIO, testDevices, tolerance, U32 } from '../reference/device.js';
import { refGaussianKl, refSigmoidXent, refSoftmaxXent } from '../reference/losses.js';
import { hardRows, refSoftmax, softmaxTolerance } from '../reference/reduce.js';

const COLS = [1, 2, 7, 33, 1000, 4099]; // 4099: a CUDA block team per row
const ROWS = [1, 7, 129];

/** loss tolerance: each -t log p is good to softmaxTolerance, plus the rounding of a sum of `cols` terms */
function xentLossTolerance(rows, cols, logits, labels, targets) {
  const logp = refSoftmax(true, rows, cols, logits);
  const tolp = softmaxTolerance(true, rows, cols, logits, logp);
  const tol = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let t = 1e-6;
    for (let c = 0; c < cols; c++) {
      const w = labels ? (labels[r] === c ? 1 : 0) : targets[r * cols + c];
      t += Math.abs(w) * (tolp[r * cols + c] + 8 * U32 * Math.sqrt(cols) * Math.abs(logp[r * cols + c]));
    }
    tol[r] = t;
  }
  return tol;
}

/** dlogits = p - t: the tolerance of p plus the rounding of the subtraction */
function xentGradTolerance(rows, cols, logits, dlogits) {
  const p = refSoftmax(false, rows, cols, logits);
  const tolp = softmaxTolerance(false, rows, cols, logits, p);
  return Float64Array.from(tolp, (t, i) => t + U32 * Math.abs(dlogits[i]));
}

/** rows x cols probabilities, each row summing to 1 (up to float32 rounding) */
function softTargets(r, rows, cols) {
  const t = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const row = Array.from({ length: cols }, () => r.uniform(0, 1) ** 3);
    for (const v of row) s += v;
    row.forEach((v, j) => { t[i * cols + j] = v / s; });
  }
  return t;
}

const s = suite('kernels: losses');

for (const device of testDevices(native)) {
  for (const soft of [false, true]) {
    s(`softmaxXent with ${soft ? 'soft targets' : 'class labels'}: loss and dlogits, random and hard rows [${device}]`, () => {
      const r = rng(soft ? 510 : 500);
      const io = deviceIO(native, device);
      try {
        for (const cols of COLS) {
          const cases = ROWS.map((rows) => randomArray(r, rows * cols, -5, 5));
          cases.push(hardRows(r, cols));
          for (const logits of cases) {
            const rows = logits.length / cols;
            const labels = soft ? null : Float32Array.from({ length: rows }, (_, i) => (i === 0 ? cols - 1 : r.int(cols)));
            const targets = soft ? softTargets(r, rows, cols) : null;
            const ref = refSoftmaxXent(rows, cols, logits, labels, targets);
            const what = `softmaxXent ${rows}x${cols} ${soft ? 'targets' : 'labels'}`;
            for (const withGrad of [true, false]) {
              const xs = io.input(logits);
              const ls = labels ? io.input(labels) : null;
              const ts = targets ? io.input(targets) : null;
              const loss = io.output(rows);
              const dl = withGrad ? io.output(rows * cols) : null;
              native.softmaxXent(rows, cols, xs.s, xs.off, ls?.s ?? null, ls?.off ?? 0, ts?.s ?? null, ts?.off ?? 0,
                loss.s, loss.off, dl?.s ?? null, dl?.off ?? 0);
              check(compare(io.read(loss), ref.loss, xentLossTolerance(rows, cols, logits, labels, targets), `${what}: loss`));
              if (withGrad) check(compare(io.read(dl), ref.dlogits, xentGradTolerance(rows, cols, logits, ref.dlogits), `${what}: dlogits`));
            }
          }
        }
      } finally {
        io.free();
      }
    });
  }

  s(`sigmoidXent: loss and dlogits, large |logits|, NaN targets masked [${device}]`, () => {
    const r = rng(520);
    const io = deviceIO(native, device);
    const edges = [0, 20, -20, 50, -50, 100, -100, 200, -200, 1e4, -1e4, 88, -88];
    try {
      for (const cols of COLS) {
        for (const rows of [...ROWS, 4]) {
          const n = rows * cols;
          const logits = Float32Array.from({ length: n }, (_, i) => (i % 5 === 2 ? edges[(i / 5) | 0] ?? r.uniform(-8, 8) : r.uniform(-8, 8)));
          const targets = Float32Array.from({ length: n }, (_, i) => {
            const u = r.uniform(0, 1);
            if (rows === 4 && i < cols) return NaN; // a row with every target missing
            return u < 0.1 ? NaN : u < 0.3 ? 0 : u < 0.5 ? 1 : r.uniform(0, 1);
          });
          const ref = refSigmoidXent(rows, cols, logits, targets);
          const what = `sigmoidXent ${rows}x${cols}`;
          for (const withGrad of [true, false]) {
            const xs = io.input(logits);
            const ts = io.input(targets);
            const loss = io.output(rows);
            const dl = withGrad ? io.output(n) : null;
            native.sigmoidXent(rows, cols, xs.s, xs.off, ts.s, ts.off, loss.s, loss.off, dl?.s ?? null, dl?.off ?? 0);
            const lossTol = tolerance(ref.lossScale, 1e-6, 8 * U32 * Math.sqrt(cols) + 1e-6);
            check(compare(io.read(loss), ref.loss, lossTol, `${what}: loss`));
            if (withGrad) {
              const got = io.read(dl);
              check(compare(got, ref.dlogits, 1e-6 + 2 * U32, `${what}: dlogits`));
              targets.forEach((t, i) => {
                if (Number.isNaN(t) && got[i] !== 0) check(`${what}: dlogits[${i}] = ${got[i]} where the target is NaN (expected 0)`);
              });
            }
          }
        }
      }
    } finally {
      io.free();
    }
  });

  s(`gaussianKl: loss, dmu and dlogvar, each optional [${device}]`, () => {
    const r = rng(530);
    const io = deviceIO(native, device);
    try {
      for (const cols of COLS) {
        for (const rows of ROWS) {
          const n = rows * cols;
          const mu = randomArray(r, n, -2, 2);
          const logvar = Float32Array.from({ length: n }, (_, i) => (i === 1 ? 0 : i === 2 ? 1e-4 : i === 3 ? -20 : i === 4 ? 10 : r.uniform(-3, 3)));
          const ref = refGaussianKl(rows, cols, mu, logvar);
          const what = `gaussianKl ${rows}x${cols}`;
          for (const [withMu, withLv] of [[true, true], [false, false], [true, false], [false, true]]) {
            const ms = io.input(mu);
            const lvs = io.input(logvar);
            const loss = io.output(rows);
            const dmu = withMu ? io.output(n) : null;
            const dlv = withLv ? io.output(n) : null;
            native.gaussianKl(rows, cols, ms.s, ms.off, lvs.s, lvs.off, loss.s, loss.off, dmu?.s ?? null, dmu?.off ?? 0,
              dlv?.s ?? null, dlv?.off ?? 0);
            const lossTol = tolerance(ref.lossScale, 1e-6, 8 * U32 * Math.sqrt(cols) + 1e-6);
            check(compare(io.read(loss), ref.loss, lossTol, `${what}: loss`));
            if (withMu) check(compare(io.read(dmu), ref.dmu, 0, `${what}: dmu`));
            if (withLv) {
              // 0.5 (exp(lv) - 1): the rounding of exp(lv) carries over to the difference
              const tol = Float64Array.from(logvar, (lv) => 1e-7 + 1e-5 * 0.5 * Math.exp(lv));
              check(compare(io.read(dlv), ref.dlogvar, tol, `${what}: dlogvar`));
            }
          }
        }
      }
    } finally {
      io.free();
    }
  });
}

s.run();
