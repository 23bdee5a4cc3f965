// `semigen eval <run>`: the run's model on held-out rows (its dataset's test split, its test file, or any labelled
// file given with --data), or, when it has none, on the rows it learnt from, under names that say so: the model's
// evaluation metrics as means over the rows they name, e.g. test_neg_elbo in nats per row for a VAE.
import { kindSpec } from '../models/registry.js';
import { evaluateSplit } from '../train/evaluate.js';
import { BEST_CHECKPOINT } from '../train/loop.js';
import { parse, UsageError } from './args.js';
import { evaluationRows, openRun } from './run.js';

export const evalHelp = `Usage: semigen eval <run> [--data PATH] [--json]

Evaluates a trained run on held-out rows: the test split of its dataset (mnist, fashion-mnist), or the --test
file it was trained with. A run on your own file without one is measured on the rows it trained on, and its
metrics say so: train_labelled_error (its labelled training rows), train_neg_elbo (its training rows).

Options:
  --data PATH   a labelled file of the run's columns to evaluate on (its metrics are test_...; every row needs a
                label), or where a named dataset's folder is now
  --json        one JSON object, e.g. {"model":"m2","dataset":"mnist","rows":10000,...,"test_error":N}
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
    const spec = kindSpec(run.modelConfig.kind);
    const rows = await evaluationRows(run, values.data, values.json === true, spec.semiSupervised);
    const metrics = evaluateSplit(run.model, rows.split, 1000, 'cpu', rows.name);
    const trained = run.config.data as { labelledRows?: number } | undefined;
    // an ensemble (fit's) is named with its members
    const members = run.modelConfig.kind === 'ensemble' ? (run.modelConfig.members as { kind: string }[]).map((m) => m.kind) : undefined;
    const result = {
      model: run.modelConfig.kind, ...(members === undefined ? {} : { members }), dataset: run.dataName, labels: trained?.labelledRows ?? null, seed: run.seed,
      step: run.step, checkpoint: run.checkpoint, evaluated: rows.name, rows: rows.split.count, ...metrics,
    };
    if (values.json) {
      console.log(JSON.stringify(result));
    } else {
      const best = run.checkpoint.endsWith(BEST_CHECKPOINT) ? ' (its best epoch, chosen on its validation rows)' : '';
      console.log(`${members === undefined ? result.model : `an ensemble of ${members.join(', ')}`} at step ${run.step}${best}, on ${rows.describe} (${rows.split.count} rows)`);
      for (const [k, v] of Object.entries(metrics)) console.log(`  ${k}: ${v.toFixed(4)}`);
    }
  } finally {
    run.dispose();
  }
}
