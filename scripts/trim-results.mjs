// Turns run folders into what results/ keeps of each run: one file, <folder>.json beside the folder, holding
//   {"config": config.json, "labels": labels.json (the label split; null when the run has none),
//    "epochs": [the evaluation lines of metrics.jsonl (kind 'epoch', 'end' or 'best' records carrying test_* metrics)]}
// with the config and the label split on one line each and one line per evaluation record. An evaluation record
// keeps step, epoch, wall_s and every test_* and validation_* metric (and kind, where it is not 'epoch'); its training-side
// figures (losses, samples_per_s, rss_mb, stage, ...) are dropped, as is everything else in the folder
// (per-interval log lines, loss.svg, pictures, checkpoints), and the folder is removed. `npm run results`
// rebuilds the README table from these files unchanged: src/cli/results.ts reads a run's last test_error,
// step and wall_s.
//
//   node scripts/trim-results.mjs results/runs results/experiments   # every run folder under these roots
//   node scripts/trim-results.mjs results/runs/m2-mnist-100-s1        # or run folders themselves
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether a metrics.jsonl record is an evaluation record. */
function isEvaluation(record) {
  return (record.kind === 'epoch' || record.kind === 'end' || record.kind === 'best') && Object.keys(record).some((k) => k.startsWith('test_'));
}

/** The fields of an evaluation record that results/ keeps, in the record's own order. */
function keep(record) {
  const kept = {};
  for (const [key, value] of Object.entries(record)) {
    if ((key === 'kind' && value !== 'epoch') || key === 'step' || key === 'epoch' || key === 'wall_s' || key.startsWith('test_') || key.startsWith('validation_')) {
      kept[key] = value;
    }
  }
  return kept;
}

/** The evaluation records of a metrics.jsonl; lines that do not parse (cut short by a crash) are skipped. */
function evaluations(text) {
  const records = [];
  for (const line of text.split('\n')) {
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (record !== null && typeof record === 'object' && isEvaluation(record)) records.push(keep(record));
  }
  return records;
}

function trimRun(dir) {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const labelsPath = join(dir, 'labels.json');
  const labels = existsSync(labelsPath) ? JSON.parse(readFileSync(labelsPath, 'utf8')) : null;
  const epochs = evaluations(readFileSync(join(dir, 'metrics.jsonl'), 'utf8'));
  const text = `{"config":${JSON.stringify(config)},\n"labels":${JSON.stringify(labels)},\n"epochs":[` +
    `${epochs.map((e) => `\n${JSON.stringify(e)}`).join(',')}\n]}\n`;
  const out = `${dir.replace(/\/+$/, '')}.json`;
  writeFileSync(out, text);
  rmSync(dir, { recursive: true, force: true });
  return { out, count: epochs.length };
}

const roots = process.argv.slice(2);
if (roots.length === 0) {
  console.error('Usage: node scripts/trim-results.mjs RUN-FOLDER-OR-ROOT ...');
  process.exit(1);
}
for (const root of roots) {
  // a run folder is one with both config.json and metrics.jsonl; anything else is a root holding run folders
  const isRun = (d) => existsSync(join(d, 'config.json')) && existsSync(join(d, 'metrics.jsonl'));
  const dirs = isRun(root) ? [root] : readdirSync(root).sort().map((n) => join(root, n))
    .filter((d) => statSync(d).isDirectory() && isRun(d));
  for (const dir of dirs) {
    const { out, count } = trimRun(dir);
    console.log(`${dir} -> ${out}: ${count} evaluation lines kept`);
  }
}
