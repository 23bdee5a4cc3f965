// What a trained run makes: `semigen sample` (new rows: a PNG grid of images, or CSV rows in a table's own
// columns), `semigen reconstruct` (test images above their reconstructions, or a table's rows reconstructed) and
// `semigen encode` (codes of a file's rows as .npy or .csv).
import { extname } from 'node:path';
import { noGrad, tidy } from '../autograd.js';
import { SplitMix32 } from '../data/batches.js';
import { csvText, decodeRows, type TableSchema } from '../data/schema.js';
import { writeNpy } from '../data/npy.js';
import { fromArray } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { writeFileAtomic } from '../train/files.js';
import { parse, positiveInt, nonNegativeInt, UsageError } from './args.js';
import { samplePng, reconstructionPng } from './pictures.js';
import { loadRunData, loadRunInput, openRun, requireMethod } from './run.js';
import { Generator } from '../random.js';

export const sampleHelp = `Usage: semigen sample <run> [--count N] [--seed N] [--out FILE] [--json]

Draws N new samples (default 64) from a trained generative model. Images: a PNG grid (default
<run>/samples.png). A run trained on a table: CSV rows in the table's own columns (default <run>/samples.csv):
numbers unscaled (the model's mean), each category or binary value drawn from the model's probabilities, so
every cell is one of its column's values.`;

export const reconstructHelp = `Usage: semigen reconstruct <run> [--count N] [--data PATH] [--out FILE] [--json]

Reconstructs the first N rows (default 30) of the run's test data (else its training data, or --data). Images:
the originals above their reconstructions as PNG (default <run>/reconstructions.png). A table: CSV rows in its
own columns, each category its most likely value (default <run>/reconstructions.csv).`;

export const encodeHelp = `Usage: semigen encode <run> --input FILE --out codes.npy|codes.csv [--json]

Writes the codes of every row of FILE (a table of the run's columns, read with its schema.json, or a .npy of the
model's input size; a label column is ignored) as a float32 .npy or a CSV (one row per input row, one column
per code dimension).`;

/** The --out of sample / reconstruct: a .png for images, a .csv for a table's rows. */
function outputPath(out: string | undefined, schema: TableSchema | undefined, fallback: string): string {
  const wanted = schema === undefined ? '.png' : '.csv';
  const path = out ?? `${fallback}${wanted}`;
  if (extname(path).toLowerCase() !== wanted) {
    throw new UsageError(`--out must end in ${wanted} (${schema === undefined ? 'the model makes images' : 'the run was trained on a table'}), got '${path}'`);
  }
  return path;
}

/** Encoded rows of a table-trained model written as CSV in the table's columns. */
function tableCsv(schema: TableSchema, values: Float32Array, count: number, draw: (() => number) | null): Buffer {
  const { columns, rows } = decodeRows(schema, values, count, draw);
  return Buffer.from(csvText(columns, rows));
}

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
    const seed = nonNegativeInt('seed', values.seed, 0);
    // a fresh stream: the same --seed gives the same samples (and, for a table, the same drawn categories)
    run.model.generator.setState(new Generator(seed).getState());
    const out = outputPath(values.out, run.schema, `${run.dir}/samples`);
    let bytes: Buffer | null;
    if (run.schema === undefined) {
      bytes = samplePng(run.model, count);
      if (bytes === null) throw new UsageError(`sample: the model's ${run.modelConfig.inputSize} outputs are not a square image`);
    } else {
      const model = run.model as unknown as { sample(n: number): Tensor };
      const means = tidy(() => noGrad(() => model.sample(count).toArray()));
      const random = new SplitMix32(seed);
      bytes = tableCsv(run.schema, means, count, () => random.next() / 2 ** 32);
    }
    writeFileAtomic(out, bytes);
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
    const out = outputPath(values.out, run.schema, `${run.dir}/reconstructions`);
    let bytes: Buffer | null;
    let n: number; // the rows there were to reconstruct, at most --count
    if (run.schema === undefined) {
      const data = await loadRunData(run.dataName, values.data, values.json === true);
      const split = data.test ?? data.train;
      n = Math.min(count, split.count);
      bytes = reconstructionPng(run.model, split, n);
      if (bytes === null) throw new UsageError(`reconstruct: the model's ${run.modelConfig.inputSize} inputs are not a square image`);
    } else {
      const split = await loadRunInput(run, values.data ?? run.read.test ?? run.dataName);
      n = Math.min(count, split.count);
      const model = run.model as unknown as { encode(x: Tensor): Tensor; decode(z: Tensor): Tensor };
      const x = split.x.subarray(0, n * split.features);
      const means = tidy(() => noGrad(() => model.decode(model.encode(fromArray(x, [n, split.features]))).toArray()));
      bytes = tableCsv(run.schema, means, n, null);
    }
    writeFileAtomic(out, bytes);
    report(values.json === true, { command: 'reconstruct', run: run.dir, count: n, out }, `${n} reconstructions -> ${out}`);
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
    const input = await loadRunInput(run, values.input, values['label-column']);
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
