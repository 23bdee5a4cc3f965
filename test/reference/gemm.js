// Float64 reference of the GEMM kernel (C = act(alpha op(A) op(B) + beta C + bias)) with its epilogue
// activations, and the float32 tolerance its tests derive from the magnitude of each element's terms.
import { Unary } from '../../dist/src/native.js';
import { sigmoid } from './unary.js';
import { U32, tolerance } from './device.js';

/** an activation of the GEMM epilogue (AFFINE meaning none) */
export function epilogue(act, v, actAlpha) {
  switch (act) {
    case Unary.affine: return v;
    case Unary.relu: return v > 0 ? v : 0;
    case Unary.leakyRelu: return v > 0 ? v : actAlpha * v;
    case Unary.sigmoid: return sigmoid(v);
    case Unary.tanh: return Math.tanh(v);
    default: throw new Error(`epilogue ${act}`);
  }
}

/**
 * C = act(alpha op(A) op(B) + beta C + bias) in float64. Returns { out, scale }: `scale` is the sum of
 * the magnitudes of every term of an element before the activation (the condition of the sum), from
 * which the tests derive the float32 tolerance. C is read only when beta != 0.
 */
export function refGemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, bias, act, actAlpha) {
  const out = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  const a = new Float64Array(m * k); // op(A), dense m x k
  for (let i = 0; i < m; i++) for (let l = 0; l < k; l++) a[i * k + l] = transA ? A[l * lda + i] : A[i * lda + l];
  const bt = new Float64Array(n * k); // op(B) transposed, dense n x k
  for (let j = 0; j < n; j++) for (let l = 0; l < k; l++) bt[j * k + l] = transB ? B[j * ldb + l] : B[l * ldb + j];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let sa = 0;
      const ai = i * k;
      const bj = j * k;
      for (let l = 0; l < k; l++) {
        const p = a[ai + l] * bt[bj + l];
        s += p;
        sa += Math.abs(p);
      }
      let v = alpha * s;
      let mag = Math.abs(alpha) * sa;
      if (beta !== 0) {
        v += beta * C[i * ldc + j];
        mag += Math.abs(beta * C[i * ldc + j]);
      }
      if (bias) {
        v += bias[j];
        mag += Math.abs(bias[j]);
      }
      out[i * n + j] = epilogue(act, v, actAlpha);
      scale[i * n + j] = mag;
    }
  }
  return { out, scale };
}

/**
 * The GEMM tolerance of an element: 8 u sqrt(k) times the magnitude sum of its terms, plus 1e-6. The
 * epilogue activations are 1-Lipschitz (leaky relu with |slope| <= 1), so the bound carries through them.
 */
export function gemmTolerance(scale, k) {
  return tolerance(scale, 1e-6, 8 * U32 * Math.sqrt(Math.max(k, 1)) + 2 * U32);
}
