// Checks that m2-step computes PyTorch's M2 loss: runs a few m2-step steps, then evaluates one batch's loss with
// our model and with the anchor's own M2 class (m2_anchor_check.py execs it from ../shared/anchors/torch_steps.py)
// in float64 on the same weights, batch and eps; prints both and their relative difference.
// Run: node dist/bench/m2_anchor_check.js (SEMIGEN_DATA, SEMIGEN_ANCHORS, SEMIGEN_PYTHON as for bench:compare).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { noGrad } from '../src/autograd.js';
import { randn } from '../src/ops/random.js';
import { gatherRows } from '../src/ops/shape.js';
import { Generator } from '../src/random.js';
import { m2Workload } from '../src/cli/bench/m2_step.js';
import { loadData } from '../src/cli/bench/steps.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const anchors = process.env.SEMIGEN_ANCHORS ?? join(root, '..', 'shared', 'anchors');
const python = process.env.SEMIGEN_PYTHON ?? '/usr/bin/python3';

const data = loadData(undefined, 100, 0);
const work = m2Workload(data, 0);
for (let i = 0; i < 3; i++) work.step(); // trained weights, not only the initial ones
const l = data.batches.next();
const u = data.batches.next();
const batch = { x: gatherRows(data.images, u), labelled: { x: gatherRows(data.images, l), labels: gatherRows(data.labels, l) } };
// the eps the objective will draw: one [labelled + 10 · unlabelled, 50] draw
const gen = work.model.generator;
const copy = new Generator(gen.seed);
copy.setState(gen.getState());
const eps = randn([1100, 50], copy).toArray();
const ours = noGrad(() => work.model.objective(batch).loss.item());
const weights: Record<string, { shape: number[]; data: number[] }> = {};
for (const [k, v] of Object.entries(work.model.module.stateDict())) weights[k] = { shape: v.shape, data: Array.from(v.data) };
const dir = mkdtempSync(join(tmpdir(), 'semigen-m2-'));
const file = join(dir, 'm2.json');
writeFileSync(file, JSON.stringify({
  eps: Array.from(eps), weights, xl: Array.from(batch.labelled.x.toArray()), yl: Array.from(batch.labelled.labels.toArray()),
  xu: Array.from(batch.x.toArray()),
}));
const script = join(root, 'bench', 'm2_anchor_check.py');
const run = spawnSync(python, [script, join(anchors, 'torch_steps.py'), file], { encoding: 'utf8' });
rmSync(dir, { recursive: true, force: true });
if (run.status !== 0) throw new Error(`${python} ${script} failed: ${run.stderr || run.error?.message}`);
const theirs = Number(run.stdout.trim());
console.log(JSON.stringify({ semigen_loss: ours, torch_float64_loss: theirs, relative_difference: Math.abs(ours - theirs) / Math.abs(theirs) }));
work.dispose();
