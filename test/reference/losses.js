// Float64 references of the loss kernels: softmax cross-entropy (labels or soft targets), sigmoid cross-entropy
// with NaN targets masked, and the Gaussian KL, each with the magnitude of its terms for tolerances.
import { refSoftmax } from './reduce.js';
import { sigmoid } from './unary.js';

/** softmax cross-entropy with labels (Float32Array of class numbers) or soft targets */
export function refSoftmaxXent(rows, cols, logits, labels, targets) {
  const loss = new Float64Array(rows);
  const lossScale = new Float64Array(rows);
  const dlogits = new Float64Array(rows * cols);
  const logp = refSoftmax(true, rows, cols, logits);
  for (let r = 0; r < rows; r++) {
    let l = 0;
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const t = labels ? (labels[r] === c ? 1 : 0) : targets[r * cols + c];
      l -= t * logp[r * cols + c];
      s += Math.abs(t) * (Math.abs(logp[r * cols + c]) + Math.abs(logits[r * cols + c]));
      dlogits[r * cols + c] = Math.exp(logp[r * cols + c]) - t;
    }
    loss[r] = l;
    lossScale[r] = s;
  }
  return { loss, lossScale, dlogits };
}

/** sigmoid cross-entropy with logits, NaN targets masked */
export function refSigmoidXent(rows, cols, logits, targets) {
  const loss = new Float64Array(rows);
  const lossScale = new Float64Array(rows);
  const dlogits = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let l = 0;
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const x = logits[r * cols + c];
      const t = targets[r * cols + c];
      if (Number.isNaN(t)) {
        dlogits[r * cols + c] = 0;
        continue;
      }
      const lp = Math.log1p(Math.exp(-Math.abs(x)));
      l += Math.max(x, 0) - x * t + lp;
      s += Math.max(x, 0) + Math.abs(x * t) + lp;
      dlogits[r * cols + c] = sigmoid(x) - t;
    }
    loss[r] = l;
    lossScale[r] = s;
  }
  return { loss, lossScale, dlogits };
}

export function refGaussianKl(rows, cols, mu, logvar) {
  const loss = new Float64Array(rows);
  const lossScale = new Float64Array(rows);
  const dmu = Float64Array.from(mu);
  const dlogvar = Float64Array.from(logvar, (lv) => 0.5 * Math.expm1(lv));
  for (let r = 0; r < rows; r++) {
    let l = 0;
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const m = mu[r * cols + c];
      const lv = logvar[r * cols + c];
      l += 1 + lv - m * m - Math.exp(lv);
      s += 1 + Math.abs(lv) + m * m + Math.exp(lv);
    }
    loss[r] = -0.5 * l;
    lossScale[r] = 0.5 * s;
  }
  return { loss, lossScale, dmu, dlogvar };
}
