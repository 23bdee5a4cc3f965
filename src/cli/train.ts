// `semigen train <model>`: trains a model on a named dataset or the user's file, with checkpoints, metrics,
// progress and pictures in the run folder; Ctrl-C stops after the current step with a checkpoint to resume from.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../data/load.js';
import { fewLabels } from '../data/subset.js';
import { balancedClassWeights } from '../models/parts/classifier.js';
import { stderrProgress } from '../data/download.js';
import { DATASETS } from '../data/resolve.js';
import { createModel, defaultConfig, describeKind, disposeModel, MODEL_KINDS } from '../models/registry.js';
import { train } from '../train/loop.js';
import { Generator } from '../random.js';
import { setNumThreads } from '../backend.js';
import type { Device } from '../tensor.js';
import { nonNegativeInt, parse, positiveInt, UsageError } from './args.js';
import { modelOptionFlags, modelOverrides } from './model-flags.js';
import { writePictures } from './pictures.js';

/** The semi-supervised kinds: they take --labels and --class-weights and report test_error. */
const SEMI_KINDS = ['supervised', 'ssae', 'm1', 'm2', 'm1m2', 'ssgan', 'ladder', 'gamma'].filter((k) => MODEL_KINDS.includes(k));

export const trainHelp = `Usage: semigen train <model> [options]

Models:
${MODEL_KINDS.map((k) => `  ${k.padEnd(12)}${describeKind(k)}`).join('\n')}

Data:
  --dataset NAME      ${DATASETS.join(' or ')} (default fashion-mnist), found in --data DIR, SEMIGEN_DATA,
                      ~/.cache/semigen, or downloaded (SHA-256 checked)
  --data PATH         the folder holding the dataset, or your own .csv / .npy file (label column optional)
  --label-column C    CSV: the label column's name or index (default: a column named 'label')
  --labels N          keep N labels of the training split (N/classes per class, chosen by --seed; saved in the
                      run as labels.json); the other rows are unlabelled. Default: every label the data has
  --lr-decay F        decay the learning rate linearly to 0 over the last fraction F of the steps (ladder and
                      gamma; default 0.33 there, as in the paper; 0: none)
  --class-weights W   balanced: weigh each class's cross-entropy by n / (classes · its labelled rows), for
                      imbalanced labels (semi-supervised models); default: none

Training:
  --epochs N          epochs to train (default 10; m1m2 trains M1 for the first half of the steps and M2 for
                      the rest, unless --option m1Steps=N sets the split; a resumed m1m2 run keeps its split)
  --steps N           or a number of steps
  --batch-size N      rows per step (default 128; 100 for gan and the semi-supervised models, whose labelled
                      batch is set by --option labelledBatchSize=N, default 100)
  --seed N            seeds weights, noise and batch order (default 0)
  --out DIR           the run folder (default runs/<model>-<data>-s<seed>)
  --resume            continue the run in --out from its checkpoint, exactly as if never stopped
  --overwrite         start afresh in an --out folder that already holds a run
  --device D          cpu or cuda:N (default cpu)
  --threads N         CPU threads (default: all cores)
${modelOptionFlags}
Output:
  --json              JSON lines for progress and a JSON summary at the end
  -h, --help

Semi-supervised models (${SEMI_KINDS.join(', ')})
train on every row and, each step, on a batch of the labelled rows; their test metric is test_error. Example:
  semigen train m2 --dataset mnist --labels 100 --seed 1 --out runs/m2-mnist-100-s1

The run folder gets config.json, metrics.jsonl, checkpoint.safetensors, loss.svg, and samples.png /
reconstructions.png where the model can make them.`;

/** Kinds whose learning rate can decay linearly at the end of training (config decayStart / decayEnd). */
const DEFAULT_LR_DECAY: Record<string, number> = { ladder: 0.33, gamma: 0.33 };

const DEFAULT_BATCH: Record<string, number> = { gan: 100, ...Object.fromEntries(SEMI_KINDS.map((k) => [k, 100])) };

export async function runTrain(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    dataset: { type: 'string' }, data: { type: 'string' }, 'label-column': { type: 'string' },
    epochs: { type: 'string' }, steps: { type: 'string' }, 'batch-size': { type: 'string' }, seed: { type: 'string' },
    out: { type: 'string' }, resume: { type: 'boolean' }, overwrite: { type: 'boolean' }, device: { type: 'string' }, threads: { type: 'string' },
    labels: { type: 'string' }, 'class-weights': { type: 'string' }, 'lr-decay': { type: 'string' },
    lr: { type: 'string' }, hidden: { type: 'string' }, latent: { type: 'string' }, beta: { type: 'string' },
    noise: { type: 'string' }, 'noise-level': { type: 'string' }, option: { type: 'string', multiple: true },
    json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    console.log(trainHelp);
    return;
  }
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? `train needs a model (one of: ${MODEL_KINDS.join(', ')})`
      : `train takes one model, got: ${positionals.join(' ')}`);
  }
  const kind = positionals[0];
  if (!MODEL_KINDS.includes(kind)) throw new UsageError(`unknown model '${kind}' (expected one of: ${MODEL_KINDS.join(', ')})`);
  if (values.epochs !== undefined && values.steps !== undefined) throw new UsageError('give --epochs or --steps, not both');
  const epochs = values.steps === undefined ? positiveInt('epochs', values.epochs, 10) : undefined;
  const steps = values.steps === undefined ? undefined : positiveInt('steps', values.steps, 1);
  const batchSize = positiveInt('batch-size', values['batch-size'], DEFAULT_BATCH[kind] ?? 128);
  const seed = nonNegativeInt('seed', values.seed, 0);
  const device = parseDevice(values.device);
  if (values.threads !== undefined) setNumThreads(positiveInt('threads', values.threads, 1));
  const json = values.json === true;

  // --data names the dataset's folder when a dataset is named (or nothing else is), else the user's file
  const isFile = values.data !== undefined && /\.(csv|npy)$/i.test(values.data);
  if (isFile && values.dataset !== undefined) throw new UsageError('give --dataset NAME or --data FILE, not both');
  const dataName = isFile ? (values.data as string) : values.dataset ?? 'fashion-mnist';
  if (!isFile && !(DATASETS as readonly string[]).includes(dataName)) {
    throw new UsageError(`unknown dataset '${dataName}' (expected one of: ${DATASETS.join(', ')}, or --data FILE.csv|.npy)`);
  }
  const data = await loadDataset(isFile ? dataName : dataName, {
    dataDir: isFile ? undefined : values.data,
    labelColumn: values['label-column'],
    onProgress: json ? undefined : stderrProgress(),
  });
  const labels = values.labels === undefined ? null : positiveInt('labels', values.labels, 1);
  const semi = SEMI_KINDS.includes(kind);
  if (!semi && values['class-weights'] !== undefined) {
    throw new UsageError(`--class-weights is for the semi-supervised models (${SEMI_KINDS.join(', ')}), not ${kind}`);
  }
  if (values['class-weights'] !== undefined && values['class-weights'] !== 'balanced') {
    throw new UsageError(`--class-weights must be 'balanced', got '${values['class-weights']}'`);
  }
  const outDir = values.out ??
    join('runs', `${kind}-${isFile ? 'data' : dataName}${labels === null ? '' : `-${labels}`}-s${seed}`);
  const files: Record<string, string> = {};
  if (labels !== null) {
    let chosen;
    try {
      chosen = fewLabels(data.train, labels, seed);
    } catch (e) {
      throw new UsageError(`--labels ${labels}: ${(e as Error).message.replace(/^balancedSubset: /, '')}`);
    }
    data.train = chosen.split;
    files['labels.json'] = labelSplitJson(chosen.indices, data.train.labels, seed);
  }
  const overrides = modelOverrides(kind, values);
  if (semi) {
    if (data.classes < 2) throw new UsageError(`${kind} needs labelled data with at least 2 classes; ${data.name} has ${data.classes}`);
    overrides.classes ??= data.classes;
    if (values['class-weights'] === 'balanced') overrides.classWeights = balancedClassWeights(data.train.labels, overrides.classes as number);
  }
  const total = steps ?? (epochs as number) * Math.max(1, Math.floor(data.train.count / batchSize));
  const decay = values['lr-decay'] === undefined ? DEFAULT_LR_DECAY[kind] : Number(values['lr-decay']);
  if (decay !== undefined) {
    if (!(kind in DEFAULT_LR_DECAY)) throw new UsageError(`--lr-decay is for ${Object.keys(DEFAULT_LR_DECAY).join(', ')}, not ${kind}`);
    if (!(decay >= 0 && decay <= 1)) throw new UsageError(`--lr-decay must be a fraction in [0, 1], got '${values['lr-decay']}'`);
    const start = Math.round(total * (1 - decay));
    if (decay > 0 && start < total && overrides.decayEnd === undefined) {
      overrides.decayStart = start;
      overrides.decayEnd = total;
    }
  }
  if (kind === 'm1m2') {
    // a resumed run keeps the split it started with, so it can be continued to more epochs
    if (values.resume === true && overrides.m1Steps === undefined) overrides.m1Steps = savedM1Steps(outDir);
    splitM1M2Stages(overrides, total);
  }
  const config = defaultConfig(kind, data.train.features, overrides);
  const model = createModel(config, { generator: new Generator(seed), device });

  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130); // a second Ctrl-C: stop now; the last checkpoint stays whole
    process.stderr.write('\nstopping after this step (Ctrl-C again to quit at once)...\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  try {
    const result = await train(model, data, {
      epochs, steps, batchSize, seed, outDir, device, resume: values.resume === true, overwrite: values.overwrite === true,
      progress: json ? 'json' : 'auto', signal: controller.signal,
      extra: { command: ['train', ...argv] }, files,
    });
    const pictures = writePictures(model, data.test ?? data.train, outDir);
    const summary = {
      model: kind, dataset: data.name, labels: labels ?? countLabelled(data.train.labels), seed, step: result.step, epoch: result.epoch, stopped: result.stopped,
      seconds: result.seconds, ...(result.test ?? {}), out: outDir, pictures,
    };
    if (json) {
      console.log(JSON.stringify(summary));
    } else {
      const tests = Object.entries(result.test ?? {}).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ');
      console.log(`${result.stopped === 'aborted' ? 'stopped' : 'done'}: ${kind} on ${data.name}, step ${result.step} ` +
        `(epoch ${result.epoch}) in ${result.seconds.toFixed(1)} s${tests ? `; ${tests}` : ''}`);
      console.log(`run folder: ${outDir}${result.stopped === 'aborted' ? ' (continue with --resume)' : ''}`);
    }
  } finally {
    process.off('SIGINT', onSignal);
    disposeModel(model);
  }
}

/**
 * M1+M2 trains M1 for m1Steps steps, then M2 for the rest: unless --option m1Steps=N says otherwise, the run's
 * steps are split in half, so any --epochs trains both stages. A split that leaves M2 no steps is an error.
 */
function splitM1M2Stages(overrides: Record<string, unknown>, total: number): void {
  if (overrides.m1Steps === undefined) {
    overrides.m1Steps = Math.floor(total / 2);
  } else if (typeof overrides.m1Steps === 'number' && overrides.m1Steps >= total) {
    throw new UsageError(`m1m2: m1Steps ${overrides.m1Steps} leaves M2 none of the run's ${total} steps; ` +
      'give more --epochs or --steps, or a smaller --option m1Steps=N');
  }
}

/** m1Steps from the config.json of the m1m2 run in outDir; undefined when the folder holds none (the loop then
 *  reports the missing checkpoint). */
function savedM1Steps(outDir: string): number | undefined {
  const path = join(outDir, 'config.json');
  if (!existsSync(path)) return undefined;
  let saved: unknown;
  try {
    saved = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`${path}: is not JSON (${(e as Error).message})`);
  }
  const model = (saved as { model?: { kind?: unknown; m1Steps?: unknown } } | null)?.model;
  if (model?.kind !== 'm1m2') throw new UsageError(`--resume: ${path} is not an m1m2 run`);
  if (!Number.isInteger(model.m1Steps)) throw new UsageError(`--resume: ${path} gives no m1Steps`);
  return model.m1Steps as number;
}

function countLabelled(labels: Float32Array): number {
  let n = 0;
  for (const l of labels) if (!Number.isNaN(l)) n++;
  return n;
}

/**
 * The run's labelled rows as labels.json. The loop writes it once the folder is known to be this run's; a resumed
 * run's checkpoint already proves the same split (the run config's labelledHash).
 */
function labelSplitJson(indices: Int32Array, labels: Float32Array, seed: number): string {
  const record = { count: indices.length, seed, rows: Array.from(indices), labels: Array.from(indices, (r) => labels[r]) };
  return `${JSON.stringify(record)}\n`;
}

export function parseDevice(value: string | undefined): Device {
  if (value === undefined || value === 'cpu') return 'cpu';
  if (/^cuda(:\d+)?$/.test(value)) return (value === 'cuda' ? 'cuda:0' : value) as Device;
  throw new UsageError(`--device must be cpu or cuda:N, got '${value}'`);
}
