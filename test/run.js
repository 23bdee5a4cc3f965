// Runs the uvu suites under test/ (or the files and folders named on the command line) in one process and
// ends with the line `N passed, N failed`, counted here from each suite's results.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname);
const targets = process.argv.slice(2).map((p) => resolve(p));
if (targets.length === 0) targets.push(root);

function collect(path, out) {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  } else if (/\.test\.js$/.test(path)) {
    out.push(path);
  }
  return out;
}

const files = targets.flatMap((t) => collect(t, []));
globalThis.UVU_DEFER = 1;
globalThis.UVU_QUEUE = [];
await import('uvu');

for (const [index, file] of files.entries()) {
  globalThis.UVU_INDEX = index;
  globalThis.UVU_QUEUE.push([relative(process.cwd(), file)]);
  await import(pathToFileURL(file).href);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const started = Date.now();
for (const group of globalThis.UVU_QUEUE) {
  const name = group.shift();
  process.stdout.write(`${name}\n`);
  for (const runSuite of group) {
    const [errors, ran, skips, total] = await runSuite();
    passed += ran;
    failed += total - ran;
    skipped += skips;
    if (errors !== true) process.stdout.write(`\n${errors}\n`);
  }
}
process.stdout.write(`\n${files.length} files, ${skipped} skipped, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed > 0 || files.length === 0 ? 1 : 0;
