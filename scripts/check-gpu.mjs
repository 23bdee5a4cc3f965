#!/usr/bin/env node
// npm run check:gpu [-- --out FILE]: the prepared checks of the CUDA side on a machine with a GPU, as one JSON
// report (default results/gpu-check.json). Steps, in order: find a CUDA device; the CUDA tests with
// SEMIGEN_CUDA_SYNC=1 (a fault named by its op); a seeded 200-step VAE on cuda:0 and on the CPU, whose losses
// must agree to float rounding; SGEMM TFLOP/s. Without a GPU it stops at the first step, says so in one line,
// writes {"gpu": null, "reason": ...} and exits 2. Only what was measured goes into the report.
// Needs dist/ and build/Release/semigen.node built with CUDA (npm run build).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NO_GPU = 2;

function parseArgs(argv) {
  let out = join(root, 'results', 'gpu-check.json');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && i + 1 < argv.length) out = resolve(argv[++i]);
    else {
      console.error(`check:gpu: unknown argument '${argv[i]}' (usage: check-gpu.mjs [--out FILE])`);
      process.exit(1);
    }
  }
  return { out };
}

/** Written whole or not at all: a temp file beside it, renamed over it. */
function writeReport(path, report) {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(temp, path);
}

/** Runs `node args...` in the repository root; its status, seconds and last lines. */
function node(args, env = {}, timeoutSeconds = 300) {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env },
    timeout: timeoutSeconds * 1000 });
  const lines = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n');
  return { status: r.status, seconds: (performance.now() - start) / 1000, tail: lines.slice(-8) };
}

// ---- step 1: a CUDA device, or the reason there is none ----

async function findGpu() {
  const { native } = await import(join(root, 'dist', 'src', 'backend.js'));
  const gpu = native.devices().find((d) => d.device.startsWith('cuda'));
  if (gpu) return { gpu, native };
  try {
    native.free(native.alloc('cuda:0', 1));  // refused: its message says why (no CUDA build, no driver, no device)
    return { reason: 'cuda:0 is not listed among the devices' };
  } catch (e) {
    return { reason: e instanceof Error ? e.message : String(e) };
  }
}

// ---- the GPU steps ----

function cudaTests() {
  const files = ['test/native/cuda.test.js', 'test/ops'];
  return files.map((f) => ({ file: f, ...node(['test/run.js', f], { SEMIGEN_CUDA_SYNC: '1' }) }));
}

/** 2000 rows of 10 noisy blobs over 784 pixels, the same on every run. */
function blobs(dir) {
  let s = 7;
  const r = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lines = [[...Array(784).keys()].map((i) => `p${i}`).concat('label').join(',')];
  for (let i = 0; i < 2000; i++) {
    const k = i % 10;
    lines.push([...Array(784)].map((_, j) => ((j % 28) % 10 === k ? 0.9 : 0.1) + 0.05 * r()).map((v) => v.toFixed(3))
      .concat(String(k)).join(','));
  }
  const path = join(dir, 'blobs.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The seeded VAE on cuda:0 and on the CPU: the last log record's losses and their worst relative difference. */
function trainBoth(device) {
  const dir = mkdtempSync(join(tmpdir(), 'semigen-gpu-check-'));
  const data = blobs(dir);
  const runs = {};
  for (const d of [device, 'cpu']) {
    const out = join(dir, d.replace(':', ''));
    const r = node(['dist/src/cli/main.js', 'train', 'vae', '--data', data, '--steps', '200', '--batch-size', '100',
      '--seed', '1', '--device', d, '--out', out, '--overwrite', '--json'], {}, 600);
    const records = r.status === 0 ? readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
    const last = records.filter((x) => x.kind === 'log').at(-1) ?? {};
    runs[d] = { status: r.status, seconds: r.seconds, tail: r.status === 0 ? [] : r.tail,
      losses: Object.fromEntries(Object.entries(last).filter(([k, v]) => /loss/.test(k) && typeof v === 'number')) };
  }
  const keys = Object.keys(runs.cpu.losses).filter((k) => k in runs[device].losses);
  const worst = keys.length === 0 ? null : Math.max(...keys.map((k) =>
    Math.abs(runs[device].losses[k] - runs.cpu.losses[k]) / Math.max(1e-30, Math.abs(runs.cpu.losses[k]))));
  // float rounding over 200 steps of a small VAE: well under 1e-3 relative; more means the devices disagree
  return { runs, worstRelativeDifference: worst, agree: worst !== null && worst < 1e-3 };
}

/** SGEMM C = A B (fp32, 4096^3) on the device: the best of 10 timed runs after a warm-up. */
function sgemm(native, device, size = 4096) {
  const a = native.alloc(device, size * size), b = native.alloc(device, size * size), c = native.alloc(device, size * size);
  for (const x of [a, b, c]) native.fill(x, 0, size * size, 0.5);
  const run = () => native.gemm(false, false, size, size, size, 1, a, 0, size, b, 0, size, 0, c, 0, size, null, 0, 0, 0);
  run();
  native.synchronize(device);
  let best = Infinity;
  for (let i = 0; i < 10; i++) {
    const start = performance.now();
    run();
    native.synchronize(device);
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  for (const x of [a, b, c]) native.free(x);
  return { size, seconds: best, tflops: (2 * size ** 3) / best / 1e12 };
}

// ---- main ----

const { out } = parseArgs(process.argv.slice(2));
const found = await findGpu();
if (!found.gpu) {
  writeReport(out, { gpu: null, reason: found.reason });
  console.log(`check:gpu: no GPU was found, so nothing was run or measured (${found.reason}); report: ${out}`);
  process.exit(NO_GPU);
}
const { gpu, native } = found;
const report = { gpu, steps: {} };
report.steps.tests = cudaTests();
report.steps.training = trainBoth(gpu.device);
report.steps.sgemm = sgemm(native, gpu.device);
writeReport(out, report);
const ok = report.steps.tests.every((t) => t.status === 0) && report.steps.training.agree;
console.log(`check:gpu: ${gpu.name}: tests ${report.steps.tests.every((t) => t.status === 0) ? 'passed' : 'FAILED'}, ` +
  `cpu/cuda losses ${report.steps.training.agree ? 'agree' : 'DISAGREE'} (worst ${report.steps.training.worstRelativeDifference}), ` +
  `SGEMM ${report.steps.sgemm.tflops.toFixed(2)} TFLOP/s; report: ${out}`);
process.exit(ok ? 0 : 1);
