// `semigen predict <run> --input FILE --out preds.csv`: a trained classifier's predicted class and class
// probabilities for every row of a table (read with the run's schema) or .npy file, named by the classes' names
// for a table; when the file has labels, the error on them is reported too.
import { extname } from 'node:path';
import { noGrad } from '../autograd.js';
import { csvText } from '../data/schema.js';
import { isClassifier } from '../train/contract.js';
import { fromArray } from '../ops/creation.js';
import { tidy } from '../tensor.js';
import { writeFileAtomic } from '../train/files.js';
import { parse, UsageError } from './args.js';
import { loadRunInput, openRun } from './run.js';

export const predictHelp = `Usage: semigen predict <run> --input FILE --out preds.csv [--label-column C] [--json]

Classifies every row of FILE with a trained semi-supervised model (ssae, m1, m2, m1m2, ssgan, ladder, gamma,
vime) and writes a CSV: one line per input row, its predicted class and the probability of each class. For a run
trained on a table, FILE is a table of its columns (read with the run's schema.json; extra columns are ignored)
and the classes are named as in its label column (header: class,p(<name>),...); for images or arrays, FILE is a
.npy (or headerless numeric CSV) of the model's input size and the classes are numbered (label,p0,p1,...). A
label column in FILE is not used for the prediction; when present, the error rate on its labelled rows is
reported.

Options:
  --input FILE        the rows to classify
  --out FILE.csv      where the predictions go (written whole or not at all)
  --label-column C    the label column's name or index (default: the run's, or a column named 'label' or 'class')
  --json              one JSON summary line
  -h, --help`;

const CHUNK = 1000;

export async function runPredict(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    input: { type: 'string' }, out: { type: 'string' }, 'label-column': { type: 'string' }, json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) return console.log(predictHelp);
  if (positionals.length !== 1) throw new UsageError('predict needs one run folder');
  if (values.input === undefined) throw new UsageError('predict needs --input FILE (.csv or .npy)');
  if (values.out === undefined) throw new UsageError('predict needs --out FILE.csv');
  if (extname(values.out).toLowerCase() !== '.csv') throw new UsageError(`--out must end in .csv, got '${values.out}'`);
  const run = openRun(positionals[0]);
  try {
    const model = run.model;
    if (!isClassifier(model)) {
      throw new UsageError(`predict: the ${run.modelConfig.kind} model does not classify (train ssae, m1, m2, m1m2, ssgan, ladder, gamma or vime)`);
    }
    const input = await loadRunInput(run, values.input, values['label-column']);
    const k = model.classes;
    const names = run.schema?.label?.classes ?? Array.from({ length: k }, (_, c) => String(c));
    if (names.length !== k) throw new UsageError(`predict: ${run.dir}/schema.json names ${names.length} classes, the model has ${k}`);
    const header = run.schema === undefined ? ['label', ...names.map((n) => `p${n}`)] : ['class', ...names.map((n) => `p(${n})`)];
    const rowsOut: string[][] = [];
    let labelled = 0;
    let wrong = 0;
    for (let start = 0; start < input.count; start += CHUNK) {
      const rows = Math.min(CHUNK, input.count - start);
      const slice = input.x.subarray(start * input.features, (start + rows) * input.features);
      const p = tidy(() => noGrad(() => model.classify(fromArray(slice, [rows, input.features])).toArray()));
      for (let r = 0; r < rows; r++) {
        const probs = p.subarray(r * k, (r + 1) * k);
        let best = 0;
        for (let c = 1; c < k; c++) if (probs[c] > probs[best]) best = c;
        rowsOut.push([names[best], ...Array.from(probs, (v) => String(Number(v.toPrecision(6))))]);
        const truth = input.labels[start + r];
        if (!Number.isNaN(truth)) {
          labelled++;
          if (truth !== best) wrong++;
        }
      }
    }
    writeFileAtomic(values.out, Buffer.from(csvText(header, rowsOut)));
    const error = labelled > 0 ? wrong / labelled : null;
    const summary = { command: 'predict', run: run.dir, rows: input.count, classes: k, out: values.out, labelled, error };
    console.log(values.json ? JSON.stringify(summary)
      : `${input.count} rows -> ${values.out}${error === null ? '' : `; error ${(100 * error).toFixed(2)}% on its ${labelled} labelled rows`}`);
  } finally {
    run.dispose();
  }
}
