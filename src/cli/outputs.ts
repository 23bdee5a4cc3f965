// What a trained run makes: `semigen sample` (a PNG grid of new samples), `semigen reconstruct` (test images
// above their reconstructions) and `semigen encode` (codes of a file's rows as .npy or .csv).
import { extname } from 'node:path';
import { noGrad, tidy } from '../autograd.js';
import { loadFileDataset } from '../data/load.js';
import { writeNpy } from '../data/npy.js';
import { fromArray } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { writeFileAtomic } from '../train/files.js';
import { parse, positiveInt, nonNegativeInt, UsageError } from './args.js';
import { samplePng, reconstructionPng } from './pictures.js';
import { loadRunData, openRun, requireMethod } from './run.js';
import { Generator } from '../random.js';

export const sampleHelp = `Usage: semigen sample <run> [--count N] [--seed N] [--out FILE.png] [--json]

Draws new samples from a trained VAE or GAN as a PNG grid (default: <run>/samples.png).`;

export const reconstructHelp = `Usage: semigen reconstruct <run> [--count N] [--data DIR] [--out FILE.png] [--json]

Shows the first N test images (default 30) above their reconstructions (default: <run>/reconstructions.png).`;

export const encodeHelp = `Usage: semigen encode <run> --input FILE --out codes.npy|codes.csv [--json]

Writes the codes of every row of FILE (.csv or .npy with the model's input size; a label column is ignored)
as a float32 .npy or a CSV (one row per input row, one column per code dimension).`;

function single(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} needs one run folder`);
  return positionals[0];
}

function report(json: boolean, result: Record<string, unknown>, text: string): void {
  console.log(json ? JSON.stringify(result) : text);
}

export async function runSample(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    count: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) return console.log(sampleHelp);
  const run = openRun(single(positionals, 'sample'));
  try {
    requireMethod(run.model, 'sample', 'sample');
    const count = positiveInt('count', values.count, 64);
    // a fresh stream: the same --seed gives the same samples
    run.model.generator.setState(new Generator(nonNegativeInt('seed', values.seed, 0)).getState());
    const png = samplePng(run.model, count);
    if (png === null) throw new UsageError(`sample: the model's ${run.modelConfig.inputSize} outputs are not a square image`);
    const out = values.out ?? `${run.dir}/samples.png`;
    writeFileAtomic(out, png);
    report(values.json === true, { command: 'sample', run: run.dir, count, out }, `${count} samples -> ${out}`);
  } finally {
    run.dispose();
  }
}

export async function runReconstruct(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    count: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) return console.log(reconstructHelp);
  const run = openRun(single(positionals, 'reconstruct'));
  try {
    requireMethod(run.model, 'encode', 'reconstruct');
    requireMethod(run.model, 'decode', 'reconstruct');
    const count = positiveInt('count', values.count, 30);
    const data = await loadRunData(run.dataName, values.data, values.json === true);
    const png = reconstructionPng(run.model, data.test ?? data.train, count);
    if (png === null) throw new UsageError(`reconstruct: the model's ${run.modelConfig.inputSize} inputs are not a square image`);
    const out = values.out ?? `${run.dir}/reconstructions.png`;
    writeFileAtomic(out, png);
    report(values.json === true, { command: 'reconstruct', run: run.dir, count, out }, `${count} reconstructions -> ${out}`);
  } finally {
    run.dispose();
  }
}

export async function runEncode(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    input: { type: 'string' }, out: { type: 'string' }, 'label-column': { type: 'string' }, json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) return console.log(encodeHelp);
  if (values.input === undefined) throw new UsageError('encode needs --input FILE (.csv or .npy)');
  if (values.out === undefined) throw new UsageError('encode needs --out FILE (.npy or .csv)');
  const format = extname(values.out).toLowerCase();
  if (format !== '.npy' && format !== '.csv') throw new UsageError(`--out must end in .npy or .csv, got '${values.out}'`);
  const run = openRun(single(positionals, 'encode'));
  try {
    const model = requireMethod(run.model, 'encode', 'encode') as unknown as { encode(x: Tensor): Tensor };
    const input = loadFileDataset(values.input, { labelColumn: values['label-column'] }).train;
    if (input.features !== run.modelConfig.inputSize) {
      throw new UsageError(`encode: ${values.input} has ${input.features} features per row, the model takes ${run.modelConfig.inputSize}`);
    }
    let width = 0;
    const chunks: Float32Array[] = [];
    for (let start = 0; start < input.count; start += 1000) {
      const rows = Math.min(1000, input.count - start);
      const slice = input.x.subarray(start * input.features, (start + rows) * input.features);
      const codes = tidy(() => noGrad(() => {
        const z = model.encode(fromArray(slice, [rows, input.features]));
        width = z.cols;
        return z.toArray();
      }));
      chunks.push(codes);
    }
    const all = new Float32Array(input.count * width);
    chunks.forEach((c, i) => all.set(c, i * 1000 * width));
    if (format === '.npy') {
      writeNpy(values.out, all, [input.count, width]);
    } else {
      const lines = [Array.from({ length: width }, (_, j) => `z${j}`).join(',')];
      for (let r = 0; r < input.count; r++) lines.push(Array.from(all.subarray(r * width, (r + 1) * width)).join(','));
      writeFileAtomic(values.out, Buffer.from(`${lines.join('\n')}\n`));
    }
    report(values.json === true, { command: 'encode', run: run.dir, rows: input.count, dims: width, out: values.out },
      `${input.count} rows -> ${width}-dimensional codes in ${values.out}`);
  } finally {
    run.dispose();
  }
}
