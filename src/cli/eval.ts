// `semigen eval <run>`: the run's model on its dataset's test split (or, for a user's file, its rows): the
// model's evaluation metrics as means per row, e.g. test_neg_elbo in nats per image for a VAE.
import { evaluateSplit } from '../train/evaluate.js';
import { parse, UsageError } from './args.js';
import { loadRunData, openRun } from './run.js';

export const evalHelp = `Usage: semigen eval <run> [--data DIR] [--json]

Evaluates a trained run on the standard test split of its dataset (a user's file: on its rows).

Options:
  --data PATH   where the dataset (or the file) is now, if not where it was found at training
  --json        one JSON object, e.g. {"model":"m2","dataset":"mnist","labels":100,"seed":1,...,"test_error":N}
  -h, --help`;

export async function runEval(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    data: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    console.log(evalHelp);
    return;
  }
  if (positionals.length !== 1) throw new UsageError('eval needs one run folder');
  const run = openRun(positionals[0]);
  try {
    const data = await loadRunData(run.dataName, values.data, values.json === true);
    const split = data.test ?? data.train;
    const metrics = evaluateSplit(run.model, split, 1000, 'cpu');
    const trained = run.config.data as { labelledRows?: number } | undefined;
    const result = {
      model: run.modelConfig.kind, dataset: data.name, labels: trained?.labelledRows ?? null, seed: run.seed,
      step: run.step, rows: split.count, ...metrics,
    };
    if (values.json) {
      console.log(JSON.stringify(result));
    } else {
      console.log(`${result.model} on ${result.dataset} (${data.test ? 'test split' : 'all rows'}, ${split.count} rows), ` +
        `step ${run.step}`);
      for (const [k, v] of Object.entries(metrics)) console.log(`  ${k}: ${v.toFixed(4)}`);
    }
  } finally {
    run.dispose();
  }
}
