// `npm run bench:mlp`: the MLP training step of semigen beside PyTorch's same step (bench/torch_mlp_step.py,
// Debian's python3-torch, one intra-op thread: its fastest setting here), alternated in one run so both see
// the same machine; prints each side's median and the ratio.
import './exit_on_error.js';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { native } from '../src/backend.js';
import { benchMlpStep } from '../src/cli/bench/mlp.js';
import { requireOptimisedBlas } from './torch_blas.js';

const here = dirname(fileURLToPath(import.meta.url));
const script = join(here, '..', '..', 'bench', 'torch_mlp_step.py');
const python = process.env.SEMIGEN_PYTHON ?? '/usr/bin/python3';
const rounds = Number(process.env.ROUNDS ?? 3);
const steps = 300;
requireOptimisedBlas(python);

function torchStep(threads: number): number {
  const run = spawnSync(python, [script, String(threads), String(steps)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${python} ${script} failed: ${run.stderr || run.error?.message}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!).ms_per_step as number;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const ours: number[] = [];
const torch: number[] = [];
const threads = native.threads();
for (let r = 0; r < rounds; r++) {
  ours.push(benchMlpStep(undefined, threads, steps).ms_per_step);
  torch.push(torchStep(1));
  console.log(`round ${r + 1}: semigen ${ours[r].toFixed(3)} ms (${threads} threads), torch ${torch[r].toFixed(3)} ms (1 thread)`);
}
const a = median(ours);
const b = median(torch);
console.log(JSON.stringify({ name: 'mlp-step', semigen_ms: a, torch_ms: b, ratio: a / b, threads, rounds }));
