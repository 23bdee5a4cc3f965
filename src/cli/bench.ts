// `semigen bench <workload>`: kernel microbenchmarks (sgemm, peak) and training steps (mlp-step, vae-step,
// gan-step, m2-step), rows with their fraction of this machine's measured FMA peak.
import { printRows } from './bench/harness.js';
import { benchPeak } from './bench/peak.js';
import { benchSgemm, defaultShapes, transposeShapes } from './bench/sgemm.js';
import { benchMlpStep, benchMlpTrain } from './bench/mlp.js';
import { benchStep, STEP_WORKLOADS, type StepWorkload } from './bench/steps.js';
import { native } from '../backend.js';
import { nonNegativeInt, parse, positiveInt, positiveNumber, UsageError } from './args.js';
import { parseDevice } from './train.js';

export const benchHelp = `Usage: semigen bench <workload> [options]

Workloads:
  sgemm     SGEMM GFLOP/s on square 128..2048 and the MLP training shapes (128x784 · 784x512 and the
            transposed products of its backward pass)
  peak      this machine's FP32 FMA peak for the instruction set in use
  mlp-step  one training step of a 784-500-500-10 ReLU MLP (dropout 0.5, Adam, batch 100) on Fashion-MNIST
  mlp-train train that MLP (6000 steps by default) and report its test error
  vae-step  one training step of the 784-512-256-z32 VAE (batch 128, Adam 1e-3) on Fashion-MNIST
  gan-step  one SS-GAN training step (G 100-500-500-784, D 784-1000-500-250-250-250 + 10-way head,
            100 labelled + 100 unlabelled rows, feature matching); a clone's \`npm run bench:compare\` times
            the same step in PyTorch beside it
  m2-step   one Kingma M2 training step (q(y|x) 784-500-500-10, q(z|x,y) 794-500-500-z50,
            p(x|y,z) 60-500-500-784, 100 labelled + 100 unlabelled rows, 10 classes enumerated),
            as in bench:compare; also prints PyTorch's FLOP count of the step

Options:
  --threads N       threads to use (default: all; for peak, 1 and N are both measured)
  --transposes      sgemm: also time all four transpose combinations at 512 and 1024
  --max-time S      seconds of sampling per case (default 1)
  --steps N         mlp-step: steps timed (default 300); vae-step, gan-step, m2-step: steps timed after 10 of
                    warm-up (default 100, at least 50); mlp-train: steps trained (default 6000)
  --seed N          mlp-train: seed (default 0)
  --data DIR        folder holding fashion-mnist/ (default: SEMIGEN_DATA, then ~/.cache/semigen)
  --device D        vae-step, gan-step, m2-step: cpu or cuda:N (default cpu); the data set is uploaded first
  --json            one JSON object per line
  -h, --help`;

export async function runBench(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    argv,
    {
      threads: { type: 'string' },
      transposes: { type: 'boolean' },
      'max-time': { type: 'string' },
      steps: { type: 'string' },
      seed: { type: 'string' },
      data: { type: 'string' },
      device: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help || positionals.length === 0) {
    console.log(benchHelp);
    if (!values.help) process.exitCode = 1;
    return;
  }
  if (positionals.length > 1) throw new UsageError(`bench takes one workload, got: ${positionals.join(' ')}`);
  const threads = positiveInt('threads', values.threads, native.threads());
  const maxTime = positiveNumber('max-time', values['max-time'], 1);
  const json = values.json === true;
  const workload = positionals[0];
  if (values.device !== undefined && !(STEP_WORKLOADS as readonly string[]).includes(workload)) {
    throw new UsageError(`--device is for ${STEP_WORKLOADS.join(', ')} only (${workload} runs on the CPU)`);
  }
  if (workload === 'sgemm') {
    const shapes = defaultShapes();
    if (values.transposes) shapes.push(...transposeShapes(512), ...transposeShapes(1024));
    printRows(await benchSgemm(shapes, threads, maxTime), json);
  } else if (workload === 'peak') {
    const counts = threads === 1 ? [1] : [1, threads];
    printRows(benchPeak(counts), json);
  } else if (workload === 'mlp-step') {
    printRows([benchMlpStep(values.data, threads, positiveInt('steps', values.steps, 300))], json);
  } else if (workload === 'mlp-train') {
    const seed = nonNegativeInt('seed', values.seed, 0);
    const progress = (line: string) => process.stderr.write(`${line}\n`);
    printRows([benchMlpTrain(values.data, positiveInt('steps', values.steps, 6000), seed, progress)], json);
  } else if ((STEP_WORKLOADS as readonly string[]).includes(workload)) {
    const steps = positiveInt('steps', values.steps, 100);
    if (steps < 50) throw new UsageError(`--steps must be at least 50 for ${workload}, got ${steps}`);
    printRows([benchStep(workload as StepWorkload, values.data, threads, steps, parseDevice(values.device))], json);
  } else {
    throw new UsageError(`unknown workload '${workload}' (expected one of: sgemm, peak, mlp-step, mlp-train, ` +
      `${STEP_WORKLOADS.join(', ')})`);
  }
}
