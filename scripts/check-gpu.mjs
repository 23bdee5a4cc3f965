#!/usr/bin/env node
// npm run check:gpu [-- --out FILE]: the prepared checks of the CUDA side on a machine with a GPU, as one JSON
// report (default results/gpu-check.json), in about 10 minutes on one GPU. Steps, in order: find a CUDA device;
// the CUDA tests, every op's gradient check and the kernel tests on the GPU, with SEMIGEN_CUDA_SYNC=1 (a fault
// named by its op); compute-sanitizer's memcheck, racecheck and synccheck over the GEMM, row and batch-norm
// kernel tests; a seeded 200-step VAE on the GPU and on the CPU, whose losses must agree to float rounding; SGEMM
// TFLOP/s at 4096 (beside the GPU's FP32 peak) and on the training shapes; the vae-, m2- and gan-step beside
// PyTorch's on the same GPU (bench/compare_steps.ts). Each step records its own failure and the next one runs.
// Without a GPU it stops at the first step, says so in one line, writes {"gpu": null, "reason": ...} and exits 2;
// `--dry-run-on-cpu` runs every step against the CPU instead, to try the script itself where no GPU is at hand.
// Only what was measured goes into the report.
// Needs dist/ and build/Release/semigen.node built with CUDA (npm run build); for the PyTorch step, python3
// with a CUDA build of PyTorch (SEMIGEN_PYTHON), torch_steps.py (SEMIGEN_ANCHORS, default ../shared/anchors)
// and Fashion-MNIST (SEMIGEN_DATA); for the sanitizers, compute-sanitizer on PATH or in /usr/local/cuda/bin.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NO_GPU = 2;

function parseArgs(argv) {
  let out = join(root, 'results', 'gpu-check.json');
  let dryRun = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && i + 1 < argv.length) out = resolve(argv[++i]);
    else if (argv[i] === '--dry-run-on-cpu') dryRun = true;
    else {
      console.error(`check:gpu: unknown argument '${argv[i]}' (usage: check-gpu.mjs [--out FILE] [--dry-run-on-cpu])`);
      process.exit(1);
    }
  }
  return { out, dryRun };
}

/** Written whole or not at all: a temp file beside it, renamed over it. */
function writeReport(path, report) {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(temp, path);
}

/** Runs `command args...` in the repository root; its status (null: timed out), seconds, last lines, stdout. */
function run(command, args, env = {}, timeoutSeconds = 300) {
  const start = performance.now();
  const r = spawnSync(command, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env },
    timeout: timeoutSeconds * 1000, maxBuffer: 64 << 20 });
  const lines = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n');
  return { status: r.status, timedOut: r.error?.code === 'ETIMEDOUT', seconds: (performance.now() - start) / 1000,
    tail: lines.slice(-8), stdout: r.stdout ?? '', error: r.error ? String(r.error.message) : undefined };
}

/** `node args...` as run() does, without the stdout in the result. */
function node(args, env = {}, timeoutSeconds = 300) {
  const { stdout, ...rest } = run(process.execPath, args, env, timeoutSeconds);
  return rest;
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

function cudaTests(device) {
  const env = { SEMIGEN_CUDA_SYNC: '1' };
  return [
    { file: 'test/native/cuda.test.js', ...node(['test/run.js', 'test/native/cuda.test.js'], env, 120) },
    { file: 'test/ops', ...node(['test/run.js', 'test/ops'], env, 240) },  // each op's gradient check, cpu and GPU
    { file: 'test/kernels (GPU only)', ...node(['test/run.js', 'test/kernels'], { ...env, SEMIGEN_TEST_DEVICES: device }, 180) },
  ];
}

function findSanitizer() {
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/local/cuda/bin')) {
    if (dir && existsSync(join(dir, 'compute-sanitizer'))) return join(dir, 'compute-sanitizer');
  }
  return null;
}

/** compute-sanitizer's three tools over the kernel tests that use shared memory, barriers and shuffles. */
function sanitizers(device) {
  const tool = findSanitizer();
  if (!tool) return { found: false };
  const files = ['test/kernels/gemm.test.js', 'test/kernels/reduce.test.js', 'test/kernels/losses.test.js',
    'test/kernels/batchnorm.test.js', 'test/kernels/optim.test.js', 'test/kernels/gather.test.js'];
  const result = { found: true };
  for (const [name, seconds] of [['memcheck', 200], ['racecheck', 200], ['synccheck', 120]]) {
    const r = run(tool, ['--tool', name, '--error-exitcode', '3', '--print-limit', '10', process.execPath, 'test/run.js',
      ...files], { SEMIGEN_TEST_DEVICES: device }, seconds);
    const summary = r.stdout.split('\n').filter((l) => /ERROR SUMMARY|RACECHECK SUMMARY|passed, \d+ failed/.test(l));
    const counts = /(\d+) passed, (\d+) failed/.exec(summary.find((l) => /passed, \d+ failed/.test(l)) ?? '');
    // clean: the tool found nothing and the tests ran on the GPU and passed
    result[name] = { status: r.status, timedOut: r.timedOut, seconds: r.seconds, summary, tail: r.status === 0 ? [] : r.tail,
      clean: r.status === 0 && counts !== null && Number(counts[1]) > 0 && counts[2] === '0' };
  }
  return result;
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

/** SGEMM of m x n x k (transposes ta, tb) on the device: the median of `runs` timed batches of `reps` calls. */
function timeGemm(native, device, ta, tb, m, n, k, reps, runs = 7) {
  const a = native.alloc(device, m * k), b = native.alloc(device, k * n), c = native.alloc(device, m * n);
  try {
    native.fill(a, 0, m * k, 0.5);
    native.fill(b, 0, k * n, 0.25);
    const call = () => native.gemm(ta, tb, m, n, k, 1, a, 0, ta ? m : k, b, 0, tb ? k : n, 0, c, 0, n, null, 0, 0, 0);
    call();
    native.synchronize(device);
    const times = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      for (let j = 0; j < reps; j++) call();
      native.synchronize(device);
      times.push((performance.now() - start) / 1000 / reps);
    }
    const seconds = times.sort((x, y) => x - y)[runs >> 1];
    const check = native.download(c, 0, 1)[0];  // every element is k * 0.125
    return { shape: `${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} ${m}x${n}x${k}`, seconds, tflops: (2 * m * n * k) / seconds / 1e12,
      correct: Math.abs(check - k * 0.125) <= 1e-4 * k };
  } finally {
    for (const x of [a, b, c]) native.free(x);
  }
}

/** FP32 lanes per multiprocessor by compute capability: 64 on 6.0, 7.x and 8.0 (P100, V100, T4, A100), else 128. */
function fp32Lanes(major, minor) {
  return (major === 6 && minor === 0) || major === 7 || (major === 8 && minor === 0) ? 64 : 128;
}

/**
 * The FP32 FMA peak of `device` (cuda:N) from its multiprocessors and compute capability (PyTorch, whose device
 * numbering is CUDA's, as ours) and its maximum SM clock (nvidia-smi, asked by PCI bus id, as its own numbering
 * may differ), or why it could not be had.
 */
function fp32Peak(device) {
  const index = Number(device.split(':')[1] ?? 0);
  const python = process.env.SEMIGEN_PYTHON ?? 'python3';
  const props = run(python, ['-c', `import torch; p = torch.cuda.get_device_properties(${index}); ` +
    `print(p.multi_processor_count, p.major, p.minor, torch.cuda.get_device_name(${index})); ` +
    `print(getattr(p, 'pci_bus_id', ''), getattr(p, 'pci_device_id', ''), getattr(p, 'pci_domain_id', ''))`], {}, 60);
  const [first = '', second = ''] = props.stdout.trim().split('\n');
  const [count, major, minor] = first.split(' ').map(Number);
  const [bus, dev, domain] = second.split(' ').map(Number);
  const busId = Number.isInteger(bus) && Number.isInteger(dev) && Number.isInteger(domain)
    ? `${domain.toString(16).padStart(8, '0')}:${bus.toString(16).padStart(2, '0')}:${dev.toString(16).padStart(2, '0')}.0`
    : String(index);
  const clock = run('nvidia-smi', ['--query-gpu=clocks.max.sm', '--format=csv,noheader,nounits', '-i', busId], {}, 30);
  const mhz = Number(clock.stdout.trim().split('\n')[0]);
  if (!(count > 0) || !(major > 0) || !(mhz > 0)) {
    return { reason: `PyTorch: ${props.tail.join(' ')}; nvidia-smi -i ${busId}: ${clock.tail.join(' ')}` };
  }
  const lanes = fp32Lanes(major, minor);
  return { multiprocessors: count, capability: `${major}.${minor}`, fp32_lanes: lanes, max_sm_mhz: mhz,
    tflops: (count * lanes * 2 * mhz * 1e6) / 1e12 };
}

function sgemm(native, device) {
  const peak = fp32Peak(device);
  const square = timeGemm(native, device, false, false, 4096, 4096, 4096, 3);
  const training = [[false, true, 100, 500, 784], [false, false, 100, 784, 500], [true, false, 784, 500, 100],
    [false, true, 128, 250, 1000], [false, true, 128, 512, 784]].map(([ta, tb, m, n, k]) =>
    timeGemm(native, device, ta, tb, m, n, k, 200));
  return { peak, square, peak_fraction: peak.tflops ? square.tflops / peak.tflops : null, training };
}

/** bench/compare_steps.ts on the GPU: each step's median time beside PyTorch's on the same device. */
function torchSteps(device) {
  const r = node(['dist/bench/compare_steps.js'], { DEVICE: device, ROUNDS: '3', STEPS: '200',
    SEMIGEN_PYTHON: process.env.SEMIGEN_PYTHON ?? 'python3' }, 420);
  const rows = r.status === 0 ? r.tail.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)) : [];
  return { status: r.status, seconds: r.seconds, tail: r.status === 0 ? [] : r.tail, rows };
}

/** Runs one step, keeping its failure in the report instead of ending the check. */
function attempt(fn) {
  try {
    return fn();
  } catch (e) {
    return { failed: e instanceof Error ? e.message : String(e) };
  }
}

// ---- main ----

const { out, dryRun } = parseArgs(process.argv.slice(2));
// --dry-run-on-cpu: every step against the CPU, to try the script itself where no GPU is lent; its figures say
// nothing about a GPU, and the report says so
const found = dryRun
  ? { gpu: { device: 'cpu', name: 'the CPU (a dry run of check:gpu, no GPU figures)' },
    native: (await import(join(root, 'dist', 'src', 'backend.js'))).native }
  : await findGpu();
if (!found.gpu) {
  writeReport(out, { gpu: null, reason: found.reason });
  console.log(`check:gpu: no GPU was found, so nothing was run or measured (${found.reason}); report: ${out}`);
  process.exit(NO_GPU);
}
const { gpu, native } = found;
const report = dryRun ? { gpu: null, dry_run_on: 'cpu', steps: {} } : { gpu, steps: {} };
const save = () => writeReport(out, report);  // after every step: a check cut short keeps what it measured
report.steps.tests = attempt(() => cudaTests(gpu.device));
save();
report.steps.sanitizers = attempt(() => sanitizers(gpu.device));
save();
report.steps.training = attempt(() => trainBoth(gpu.device));
save();
report.steps.sgemm = attempt(() => sgemm(native, gpu.device));
save();
report.steps.torch = attempt(() => torchSteps(gpu.device));
save();
const { tests, sanitizers: san, training, sgemm: gemm, torch } = report.steps;
const testsOk = Array.isArray(tests) && tests.every((t) => t.status === 0);
const sanOk = san.found === true && ['memcheck', 'racecheck', 'synccheck'].every((t) => san[t]?.clean);
const ratios = (torch.rows ?? []).map((row) => `${row.name} ${row.ratio.toFixed(2)}x`).join(', ');
console.log(`check:gpu: ${gpu.name}: tests ${testsOk ? 'passed' : 'FAILED'}, sanitizers ${san.found === false ? 'not found' : sanOk ? 'clean' : 'NOT CLEAN'}, ` +
  `cpu/cuda losses ${training.agree ? 'agree' : 'DISAGREE'} (worst ${training.worstRelativeDifference}), ` +
  `SGEMM 4096 ${gemm.square ? `${gemm.square.tflops.toFixed(2)} TFLOP/s` : 'failed'}` +
  `${gemm.peak_fraction ? ` (${(100 * gemm.peak_fraction).toFixed(0)}% of FP32 peak)` : ''}, ` +
  `steps vs PyTorch: ${ratios || 'not measured'}; report: ${out}`);
const gemmOk = gemm.square?.correct === true && (gemm.training ?? []).every((t) => t.correct);
const torchOk = torch.status === 0 && (torch.rows ?? []).length === 3;
process.exit(testsOk && sanOk && training.agree && gemmOk && torchOk ? 0 : 1);
