// `npm run bench:compare`: semigen's vae-step, gan-step and m2-step beside PyTorch's same steps
// (../shared/anchors/torch_steps.py with one intra-op thread by default, its fastest setting here), alternated
// round by round in one run so both sides see the same machine; prints each side's median over the rounds and
// the ratios. Per round, semigen's figure is its median step, PyTorch's the mean its script prints (its own
// timing). Environment: SEMIGEN_ANCHORS (folder of torch_steps.py, default ../shared/anchors from the repository
// root), SEMIGEN_PYTHON (default /usr/bin/python3), ROUNDS (default 5), STEPS (default 100), SEMIGEN_NUM_THREADS,
// TORCH_THREADS (PyTorch's intra-op threads, default 1), WORKLOADS (comma-separated subset, default all), DEVICE
// (cpu or cuda:N, default cpu: on a GPU both sides run there, PyTorch on its CUDA device).
import './exit_on_error.js';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { native } from '../src/backend.js';
import { measuredPeak } from '../src/cli/bench/peak.js';
import { benchStep, STEP_WORKLOADS, type StepWorkload } from '../src/cli/bench/steps.js';
import { parseDevice } from '../src/cli/train.js';
import { requireOptimisedBlas } from './torch_blas.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const anchors = process.env.SEMIGEN_ANCHORS ?? join(root, '..', 'shared', 'anchors');
const script = join(anchors, 'torch_steps.py');
const python = process.env.SEMIGEN_PYTHON ?? '/usr/bin/python3';
const rounds = Number(process.env.ROUNDS ?? 5);
const steps = Number(process.env.STEPS ?? 100);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`ROUNDS must be a positive integer, got ${process.env.ROUNDS}`);
if (!Number.isInteger(steps) || steps < 50) throw new Error(`STEPS must be an integer >= 50, got ${process.env.STEPS}`);
const torchThreads = Number(process.env.TORCH_THREADS ?? 1);
if (!Number.isInteger(torchThreads) || torchThreads < 1) throw new Error(`TORCH_THREADS must be a positive integer, got ${process.env.TORCH_THREADS}`);
const workloads = (process.env.WORKLOADS?.split(',') ?? [...STEP_WORKLOADS]) as StepWorkload[];
for (const w of workloads) {
  if (!(STEP_WORKLOADS as readonly string[]).includes(w)) throw new Error(`WORKLOADS: unknown workload '${w}' (expected ${STEP_WORKLOADS.join(', ')})`);
}
if (!existsSync(script)) throw new Error(`${script} not found (set SEMIGEN_ANCHORS to the folder holding torch_steps.py)`);
const device = parseDevice(process.env.DEVICE);
if (device === 'cpu') requireOptimisedBlas(python);

/** One run of torch_steps.py: step_ms of each workload it prints (it times all three). */
function torchSteps(): Map<string, number> {
  const args = [script, String(torchThreads), String(steps), ...(device === 'cpu' ? [] : [device])];  // torch takes cuda:N
  const run = spawnSync(python, args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${python} ${script} ${torchThreads} failed: ${run.stderr || run.error?.message}`);
  const out = new Map<string, number>();
  for (const line of run.stdout.split('\n')) {
    const m = /\s(\S+-step) step_ms=([\d.]+)/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  for (const name of workloads) if (!out.has(name)) throw new Error(`${script} printed no ${name} line:\n${run.stdout}`);
  return out;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

const threads = native.threads();
const peak = device === 'cpu' ? measuredPeak(threads) : undefined;
const ours = new Map<StepWorkload, number[]>(workloads.map((n) => [n, []]));
const theirs = new Map<StepWorkload, number[]>(workloads.map((n) => [n, []]));
for (let r = 0; r < rounds; r++) {
  // alternate which side goes first, so a slow spell of the shared machine does not always hit the same side
  const torchFirst = r % 2 === 1;
  const t = torchFirst ? torchSteps() : null;
  const parts: string[] = [];
  for (const name of workloads) ours.get(name)!.push(benchStep(name, undefined, threads, steps, device, peak).ms_per_step);
  const t2 = t ?? torchSteps();
  for (const name of workloads) {
    theirs.get(name)!.push(t2.get(name)!);
    const a = ours.get(name)![r];
    const b = t2.get(name)!;
    parts.push(`${name}: semigen ${a.toFixed(2)} ms, torch ${b.toFixed(2)} ms, ratio ${(a / b).toFixed(3)}`);
  }
  console.log(`round ${r + 1}/${rounds}: ${parts.join('; ')}`);
}
// ratio: of the two medians; round_ratio: the median of each round's ratio (both sides of a round ran back to back)
for (const name of workloads) {
  const a = median(ours.get(name)!);
  const b = median(theirs.get(name)!);
  const roundRatio = median(ours.get(name)!.map((v, i) => v / theirs.get(name)![i]));
  console.log(JSON.stringify({
    name, device, semigen_ms: a, torch_ms: b, ratio: a / b, round_ratio: roundRatio, threads, torch_threads: torchThreads, rounds,
    steps,
  }));
}
