// A float64 Ladder network (Rasmus et al. 2015, Algorithm 1) over plain arrays, written from the paper for
// test/models/ladder.test.js: the clean and corrupted encoders with batch statistics, the vanilla combinator
// decoder and the loss (cross-entropy of the corrupted output on the labelled rows + Σ λ_l · mean (z - ẑ_BN)²).
// Parameters use the engine's names (encoder.l = W_l stored [in, out], decoder.l = V_l, combinators.l.a1..a10).
import { sigmoid } from '../reference/unary.js';

export const EPS = 1e-5;

/** per-column mean and biased variance of a row matrix */
export function columnStats(m) {
  const n = m.length;
  const cols = m[0].length;
  const mean = new Array(cols).fill(0);
  const variance = new Array(cols).fill(0);
  for (const row of m) row.forEach((v, j) => { mean[j] += v / n; });
  for (const row of m) row.forEach((v, j) => { variance[j] += (v - mean[j]) ** 2 / n; });
  return { mean, variance };
}

/** (m - mean) / sqrt(variance + EPS) per column, with the given statistics or m's own */
export function normalize(m, stats = columnStats(m)) {
  return m.map((row) => row.map((v, j) => (v - stats.mean[j]) / Math.sqrt(stats.variance[j] + EPS)));
}

/** m · W for W [in, out] flat */
export function times(m, W) {
  const out = W.length / m[0].length;
  return m.map((row) => Array.from({ length: out }, (_, j) => {
    let s = 0;
    for (let i = 0; i < row.length; i++) s += row[i] * W[i * out + j];
    return s;
  }));
}

const add = (a, b) => a.map((row, i) => row.map((v, j) => v + b[i][j]));

function softmaxRow(row) {
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** the layer's activation of normalised z: relu(z + beta) below the top, gamma (z + beta) (logits) at the top */
function activation(p, l, top, z) {
  const beta = p[`beta.${l}`];
  return z.map((row) => row.map((v, j) => (l === top ? p.gamma[j] * (v + beta[j]) : Math.max(0, v + beta[j]))));
}

/**
 * One encoder pass over x (rows, missing values already 0). noise: null (clean, batch statistics), the string
 * 'running' (clean, the running statistics p[`norms.l.running*`]), or per-layer noise matrices (corrupted).
 */
export function encode(p, x, top, noise) {
  const z = [noise !== null && noise !== 'running' ? add(x, noise[0]) : x];
  const stats = [];
  let h = z[0];
  for (let l = 1; l <= top; l++) {
    const pre = times(h, p[`encoder.${l}`]);
    stats[l] = noise === 'running'
      ? { mean: p[`norms.${l}.runningMean`], variance: p[`norms.${l}.runningVar`] } : columnStats(pre);
    const zl = normalize(pre, stats[l]);
    z.push(noise !== null && noise !== 'running' ? add(zl, noise[l]) : zl);
    h = activation(p, l, top, z[l]);
  }
  return { z, stats, logits: h };
}

/** the vanilla combinator of layer l */
function combine(p, l, zc, u) {
  const a = (k) => p[`combinators.${l}.a${k}`];
  return zc.map((row, i) => row.map((z, j) => {
    const v = u[i][j];
    const mu = a(1)[j] * sigmoid(a(2)[j] * v + a(3)[j]) + a(4)[j] * v + a(5)[j];
    const s = a(6)[j] * sigmoid(a(7)[j] * v + a(8)[j]) + a(9)[j] * v + a(10)[j];
    return (z - mu) * s + mu;
  }));
}

/**
 * The training loss. xl, xu: the labelled and the unlabelled rows (NaN = missing), labels of xl; noise.labelled and
 * noise.unlabelled: the corrupted path's noise per layer; lambdas per layer. The two row sets are normalised apart;
 * the decoder and the denoising costs use the unlabelled rows. `frozen`: the clean statistics that normalise ẑ (the
 * engine treats them as constants, so finite differences must hold them fixed); null: computed here.
 */
export function ladderLoss(p, { xl, xu, labels, noise, lambdas, classWeights = null }, frozen = null) {
  const top = lambdas.length - 1;
  const zeroed = (x) => x.map((row) => row.map((v) => (Number.isNaN(v) ? 0 : v)));
  const x0 = zeroed(xu);
  const clean = encode(p, x0, top, null);
  const corruptedLabelled = encode(p, zeroed(xl), top, noise.labelled);
  const corrupted = encode(p, x0, top, noise.unlabelled);
  let ce = 0;
  let weights = 0;
  labels.forEach((y, i) => {
    const w = classWeights === null ? 1 : classWeights[y];
    ce -= w * Math.log(softmaxRow(corruptedLabelled.logits[i])[y]);
    weights += w;
  });
  const supervised = ce / weights;
  const lowest = lambdas.findIndex((v) => v > 0);
  const stats = frozen ?? clean.stats;
  const costs = [];
  let denoising = 0;
  if (lowest >= 0) {
    let u = normalize(corrupted.logits.map(softmaxRow));
    for (let l = top; l >= lowest; l--) {
      const zHat = combine(p, l, corrupted.z[l], u);
      const zBN = l === 0 ? zHat : normalize(zHat, stats[l]);
      if (lambdas[l] > 0) {
        let s = 0;
        clean.z[l].forEach((row, i) => row.forEach((v, j) => {
          if (!(l === 0 && Number.isNaN(xu[i][j]))) s += (v - zBN[i][j]) ** 2;
        }));
        costs[l] = s / (xu.length * zBN[0].length);
        denoising += lambdas[l] * costs[l];
      }
      if (l > lowest) u = normalize(times(zHat, p[`decoder.${l}`]));
    }
  }
  return { loss: supervised + denoising, supervised, denoising, costs, clean };
}
