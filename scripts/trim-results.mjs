// Trims run folders to what results/ keeps of each run: config.json, labels.json (the label split) and the
// evaluation lines of metrics.jsonl (kind 'epoch' or 'end' records carrying test_* metrics). Everything else
// (per-interval log lines, loss.svg, pictures, checkpoints) is removed, so results/ stays small in git while
// `npm run results` rebuilds the README table from it unchanged: src/cli/results.ts reads a run's last test_error,
// step and wall_s, and every evaluation line carries all three.
//
//   node scripts/trim-results.mjs results/runs results/experiments   # every run folder under these roots
//   node scripts/trim-results.mjs results/runs/m2-mnist-100-s1        # or run folders themselves
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const KEEP = new Set(['config.json', 'labels.json', 'metrics.jsonl']);

/** Whether a metrics.jsonl line is an evaluation record; lines that do not parse (cut short by a crash) are not. */
function isEvaluation(line) {
  let record;
  try {
    record = JSON.parse(line);
  } catch {
    return false;
  }
  return (record.kind === 'epoch' || record.kind === 'end') && Object.keys(record).some((k) => k.startsWith('test_'));
}

function trimRun(dir) {
  for (const name of readdirSync(dir)) {
    if (!KEEP.has(name)) rmSync(join(dir, name), { recursive: true, force: true });
  }
  const metricsPath = join(dir, 'metrics.jsonl');
  const lines = readFileSync(metricsPath, 'utf8').split('\n').filter(isEvaluation);
  writeFileSync(metricsPath, lines.map((l) => `${l}\n`).join(''));
  return lines.length;
}

const roots = process.argv.slice(2);
if (roots.length === 0) {
  console.error('Usage: node scripts/trim-results.mjs RUN-OR-ROOT ...');
  process.exit(1);
}
for (const root of roots) {
  // a run folder is one with both config.json and metrics.jsonl; anything else is a root holding run folders
  const isRun = (d) => existsSync(join(d, 'config.json')) && existsSync(join(d, 'metrics.jsonl'));
  const dirs = isRun(root) ? [root] : readdirSync(root).sort().map((n) => join(root, n))
    .filter((d) => statSync(d).isDirectory() && isRun(d));
  for (const dir of dirs) console.log(`${dir}: ${trimRun(dir)} evaluation lines kept`);
}
