// `semigen bench sgemm`: SGEMM GFLOP/s on square sizes and on the MLP training shapes (forward and the two
// backward products), each with its fraction of this machine's measured FMA peak at the same thread count.
import { native } from '../../backend.js';
import type { NativeStorage } from '../../native.js';
import { timeCases, type TimedCase } from './harness.js';
import { measuredPeak } from './peak.js';

export interface SgemmShape {
  name: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
}

export interface SgemmRow extends SgemmShape {
  [key: string]: string | number | boolean;
  threads: number;
  ms: number;
  gflops: number;
  peak_fraction: number;
}

export const SQUARE_SIZES = [128, 256, 512, 1024, 2048];

/** Square NN products, then a Linear layer x:128x784 · W:784x512 forward, dW = xᵀ·dY and dX = dY·Wᵀ. */
export function defaultShapes(): SgemmShape[] {
  const shapes: SgemmShape[] = SQUARE_SIZES.map((s) => ({
    name: `square-${s}`, m: s, n: s, k: s, transA: false, transB: false,
  }));
  shapes.push({ name: 'linear-forward', m: 128, n: 512, k: 784, transA: false, transB: false });
  shapes.push({ name: 'linear-grad-weight', m: 784, n: 512, k: 128, transA: true, transB: false });
  shapes.push({ name: 'linear-grad-input', m: 128, n: 784, k: 512, transA: false, transB: true });
  return shapes;
}

/** The four transpose combinations of one square size. */
export function transposeShapes(size: number): SgemmShape[] {
  return [false, true].flatMap((transA) =>
    [false, true].map((transB) => ({
      name: `square-${size}-${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`, m: size, n: size, k: size, transA, transB,
    })),
  );
}

function filled(length: number, seed: number): NativeStorage {
  const data = new Float32Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    data[i] = s / 4294967296 - 0.5;
  }
  const storage = native.alloc('cpu', length);
  native.upload(storage, 0, data);
  return storage;
}

export async function benchSgemm(shapes: SgemmShape[], threads: number, maxTime = 1): Promise<SgemmRow[]> {
  const previous = native.threads();
  native.setThreads(threads);
  const buffers: NativeStorage[] = [];
  try {
    const cases: TimedCase[] = shapes.map((shape) => {
      const { m, n, k, transA, transB } = shape;
      const a = filled(m * k, 1);
      const b = filled(k * n, 2);
      const c = native.alloc('cpu', m * n);
      buffers.push(a, b, c);
      const lda = transA ? m : k;
      const ldb = transB ? k : n;
      return {
        name: shape.name,
        fn: () => native.gemm(transA, transB, m, n, k, 1, a, 0, lda, b, 0, ldb, 0, c, 0, n, null, 0, 0, 0),
      };
    });
    const timings = await timeCases(`sgemm threads=${threads}`, cases, maxTime);
    const peak = measuredPeak(threads);
    return timings.map((t, i) => {
      const { name, m, n, k, transA, transB } = shapes[i];
      const gflops = (2 * m * n * k) / t.medianSeconds / 1e9;
      return { name, m, n, k, transA, transB, threads, ms: t.medianSeconds * 1e3, gflops, peak_fraction: gflops / peak };
    });
  } finally {
    for (const s of buffers) native.free(s);
    native.setThreads(previous);
  }
}
