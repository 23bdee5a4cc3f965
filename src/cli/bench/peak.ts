// `semigen bench peak`: this machine's measured FP32 FMA peak (GFLOP/s) for the ISA in use, per thread
// count; kernel benchmarks report their fraction of it.
import { native } from '../../backend.js';

const peakCache = new Map<number, number>();

/** Median of three short FMA-peak probes on `threads` threads, cached per thread count. */
export function measuredPeak(threads: number, seconds = 0.3): number {
  const cached = peakCache.get(threads);
  if (cached !== undefined) return cached;
  const runs = [0, 1, 2].map(() => native.fmaPeak(threads, seconds)).sort((a, b) => a - b);
  peakCache.set(threads, runs[1]);
  return runs[1];
}

export interface PeakRow {
  [key: string]: string | number;
  name: string;
  isa: string;
  threads: number;
  gflops: number;
  per_thread_gflops: number;
}

export function benchPeak(threadCounts: number[]): PeakRow[] {
  const isa = native.isa();
  return threadCounts.map((threads) => {
    const gflops = measuredPeak(threads, 0.5);
    return { name: 'fma-peak', isa, threads, gflops, per_thread_gflops: gflops / threads };
  });
}
