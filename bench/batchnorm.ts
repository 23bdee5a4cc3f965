// Batch norm forward + backward: the fused kernels (batchNormalize) against the same op composed from elementwise
// and reduction ops (the version before the kernels, kept here only as the baseline), on the shapes of the MLP
// models' hidden layers. One sample is y = f(x) then y.backward(g) inside tidy(); the two forms alternate sample
// by sample (fair on a busy machine) and the medians are printed per shape and thread count, with the fused form's
// effective bandwidth (x read, y written forward; g, y read and dx written backward: 5 floats per element).
// Run: node dist/bench/batchnorm.js [--json] [--samples N]
import { tidy } from '../src/autograd.js';
import { native } from '../src/backend.js';
import { sqrt, square } from '../src/ops/activations.js';
import { batchNormalize } from '../src/ops/batchnorm.js';
import { randn } from '../src/ops/random.js';
import { add, div, sub } from '../src/ops/elementwise.js';
import { mean } from '../src/ops/reduce.js';
import { keep } from '../src/tensor.js';
import type { Tensor } from '../src/tensor.js';
import { printRows } from '../src/cli/bench/harness.js';

type Normalize = (x: Tensor, eps: number) => Tensor;

/** the composed batch norm of before the fused kernels: six kernels forward, their rules backward */
const composed: Normalize = (x, eps) => {
  const m = mean(x, 0);
  const d = sub(x, m);
  const v = mean(square(d), 0);
  return div(d, sqrt(add(v, eps)));
};

const fused: Normalize = (x, eps) => batchNormalize(x, eps).y;

function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** seconds of one forward + backward of f */
function sample(f: Normalize, x: Tensor, g: Tensor): number {
  const t0 = process.hrtime.bigint();
  tidy(() => {
    f(x, 1e-5).backward(g);
    x.grad?.dispose();
    x.grad = null;
  });
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function main(): void {
  const json = process.argv.includes('--json');
  const at = process.argv.indexOf('--samples');
  const samples = at > 0 ? Number(process.argv[at + 1]) : 300;
  const original = native.threads();
  const rows: Record<string, string | number>[] = [];
  for (const [r, c] of [[100, 1000], [200, 500]]) {
    const x = keep(randn([r, c], undefined, { requiresGrad: true }));
    const g = keep(randn([r, c]));
    for (const threads of [...new Set([1, original])]) {
      native.setThreads(threads);
      for (let i = 0; i < 20; i++) [composed, fused].forEach((f) => sample(f, x, g)); // warm the caches and the JIT
      const times: [number[], number[]] = [[], []];
      for (let i = 0; i < samples; i++) [composed, fused].forEach((f, k) => times[k].push(sample(f, x, g)));
      const [tc, tf] = times.map(median);
      rows.push({
        shape: `${r}x${c}`, threads, composed_us: tc * 1e6, fused_us: tf * 1e6, speedup: tc / tf,
        fused_GBps: (5 * 4 * r * c) / tf / 1e9,
      });
    }
    native.setThreads(original);
    x.dispose();
    g.dispose();
  }
  printRows(rows, json);
}

main();
