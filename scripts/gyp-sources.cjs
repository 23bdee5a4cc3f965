// Prints the source files of one part of the addon for binding.gyp (`<!@(node scripts/gyp-sources.cjs PART)`), so
// node-gyp compiles the same files as CMakeLists.txt's globs: cpu (the portable CPU kernels), avx2 and avx512 (the
// files compiled with those instruction sets), native (the N-API glue), check (the CUDA kernels' host checker; empty
// in the package, which does not ship it). Paths are relative to the package root, where node-gyp runs this.
'use strict';
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const list = (dir, test) => (existsSync(join(root, dir)) ? readdirSync(join(root, dir)).sort() : [])
  .filter(test).map((f) => `${dir}/${f}`);
const isa = /_(avx2|avx512)\.cc$/;
const parts = {
  cpu: () => list('kernels/cpu', (f) => f.endsWith('.cc') && !isa.test(f)),
  avx2: () => list('kernels/cpu', (f) => f.endsWith('_avx2.cc')),
  avx512: () => list('kernels/cpu', (f) => f.endsWith('_avx512.cc')),
  native: () => list('native', (f) => f.endsWith('.cc')),
  check: () => [...list('kernels/cuda/check', (f) => f.endsWith('.cc')),
    ...list('kernels/cuda/check/on_host', (f) => f.endsWith('.cc'))],
};
const part = parts[process.argv[2]];
if (part === undefined) {
  process.stderr.write(`gyp-sources: expected one of ${Object.keys(parts).join(', ')}\n`);
  process.exit(1);
}
process.stdout.write(`${part().join('\n')}\n`);
