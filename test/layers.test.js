// The layer check of DESIGN.md: every import in src/**/*.ts (read by TypeScript's own pre-processor, so type-only
// and dynamic imports count and comments and strings do not) must go down the layer table below, never up or
// across to a peer, must stay inside src/, and no files of src/ may import each other in a cycle. KNOWN lists the
// violations other work is removing; anything else fails, and so does a KNOWN entry that no longer matches, so
// the list only shrinks.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import ts from 'typescript';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The layers of src/ from the top down (DESIGN.md, "Layers"). A file may import files of its own layer and of
 * any layer below; layers in one row are peers and may not import each other. A path ending in / names a folder,
 * any other a file; a file of src/ that no entry names fails the check (add it here first).
 */
const LAYERS = [
  [{ name: 'index', paths: ['index.ts'] }], // the package entry: re-exports the public API, so nothing inside imports it
  [{ name: 'cli', paths: ['cli/'] }],
  [{ name: 'fit', paths: ['fit/'] }],
  [{ name: 'models', paths: ['models/'] }],
  [{ name: 'train', paths: ['train/'] }],
  [{ name: 'data', paths: ['data/'] }],
  [{ name: 'nn', paths: ['nn/'] }, { name: 'optim', paths: ['optim/'] }],
  [{ name: 'ops', paths: ['ops/'] }],
  [{ name: 'tensor', paths: ['tensor.ts', 'autograd.ts'] }],
  [{ name: 'backend', paths: ['backend.ts'] }],
  [{ name: 'native', paths: ['native.ts', 'op-lists.ts'] }], // op-lists.ts: generated from kernels/include's op lists
  [{ name: 'random', paths: ['random.ts'] }], // Philox streams in plain TypeScript: a leaf every layer may use
];

/**
 * Violations that other branches are removing, each with why it is allowed for now. A found cycle is covered when
 * all its files are listed; an upward import when its importer lies under `from` and its target is `to`.
 */
const KNOWN = [ // empty: the ops cycle and the train → models import are gone
];

const posix = (p) => p.split('\\').join('/');

/** Every .ts file under dir, as paths relative to it. */
function sourceFiles(dir, under = '') {
  const files = [];
  for (const name of readdirSync(join(dir, under)).sort()) {
    const rel = under === '' ? name : `${under}/${name}`;
    if (statSync(join(dir, rel)).isDirectory()) files.push(...sourceFiles(dir, rel));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(rel);
  }
  return files;
}

/** A file's layer (name, rank from the top, row) or null when the table does not name it. */
function layerOf(file) {
  for (const [rank, row] of LAYERS.entries()) {
    for (const layer of row) {
      if (layer.paths.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p))) return { name: layer.name, rank };
    }
  }
  return null;
}

/**
 * What the imports of the .ts files under srcDir break: `upward` (to a layer above, or to a peer), `outside`
 * (a relative import leaving srcDir), `unmapped` (a file the table does not name) and `cycles` (each strongly
 * connected set of files, with one shortest cycle through its first file). Paths are relative to srcDir.
 */
function checkLayers(srcDir) {
  const files = sourceFiles(srcDir);
  const known = new Set(files);
  const edges = new Map(files.map((f) => [f, new Set()]));
  const found = { files: files.length, imports: 0, upward: [], outside: [], unmapped: [], cycles: [] };
  for (const file of files) {
    const from = layerOf(file);
    if (from === null) found.unmapped.push(file);
    const text = readFileSync(join(srcDir, file), 'utf8');
    for (const { fileName: spec } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!spec.startsWith('.')) continue; // node: built-ins and packages sit outside the layers
      found.imports++;
      const target = posix(relative(srcDir, resolve(srcDir, dirname(file), spec))).replace(/\.js$/, '.ts');
      if (target.startsWith('../')) {
        found.outside.push({ from: file, spec });
        continue;
      }
      if (known.has(target)) edges.get(file).add(target);
      const to = layerOf(target);
      if (from === null || to === null || from.name === to.name) continue;
      if (to.rank <= from.rank) found.upward.push({ from: file, to: target, fromLayer: from.name, toLayer: to.name });
    }
  }
  found.cycles = stronglyConnected(files, edges)
    .filter((set) => set.length > 1 || edges.get(set[0]).has(set[0]))
    .map((set) => ({ files: set, path: shortestCycle(set[0], edges, new Set(set)) }));
  return found;
}

/** Tarjan's strongly connected components of the import graph, each sorted, in order of their first file. */
function stronglyConnected(nodes, edges) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const sets = [];
  const visit = (v) => {
    index.set(v, index.size);
    low.set(v, index.get(v));
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const set = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        set.push(w);
      } while (w !== v);
      sets.push(set.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return sets.sort((a, b) => a[0].localeCompare(b[0]));
}

/** The shortest import path from start back to itself inside `within` (breadth first), as [start, ..., start]. */
function shortestCycle(start, edges, within) {
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of [...edges.get(v)].sort()) {
      if (!within.has(w)) continue;
      if (w === start) {
        const path = [];
        for (let u = v; u !== start; u = previous.get(u)) path.unshift(u);
        return [start, ...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

/** Splits what checkLayers found into lines allowed by `known`, lines not allowed, and known entries now unused. */
function judge(found, known) {
  const used = new Set();
  const allowed = [];
  const unexpected = [];
  const sort = (item, line, entry) => {
    if (entry === undefined) unexpected.push(line);
    else {
      used.add(entry);
      allowed.push(`${line}  [KNOWN: ${entry.reason}]`);
    }
  };
  for (const u of found.upward) {
    const entry = known.find((k) => k.kind === 'upward' && u.from.startsWith(k.from) && u.to === k.to);
    sort(u, `upward import: ${u.from} (${u.fromLayer}) -> ${u.to} (${u.toLayer})`, entry);
  }
  for (const c of found.cycles) {
    const entry = known.find((k) => k.kind === 'cycle' && c.files.every((f) => k.files.includes(f)));
    sort(c, `import cycle of ${c.files.length} files: ${c.path.join(' -> ')} (all: ${c.files.join(', ')})`, entry);
  }
  for (const o of found.outside) unexpected.push(`import from outside src/: ${o.from} imports '${o.spec}'`);
  for (const f of found.unmapped) unexpected.push(`not in the layer table: ${f}`);
  const stale = known.filter((k) => !used.has(k)).map((k) => `KNOWN ${k.kind} no longer found, remove it: ${k.reason}`);
  return { allowed, unexpected, stale };
}

const s = suite('layers');

s('src/ imports only downward, from inside src/, with no cycle beyond KNOWN', () => {
  const srcDir = fileURLToPath(new URL('../src', import.meta.url));
  const found = checkLayers(srcDir);
  const { allowed, unexpected, stale } = judge(found, KNOWN);
  console.log(`  layers: ${found.files} files, ${found.imports} imports inside the project; ` +
    `${unexpected.length} violations, ${allowed.length} allowed as KNOWN, ${stale.length} stale KNOWN entries`);
  for (const line of [...unexpected, ...allowed, ...stale]) console.log(`    ${line}`);
  assert.ok(found.files > 0 && found.imports > 0, `no sources or imports read under ${srcDir}`);
  assert.equal(unexpected, [], `layer violations:\n${unexpected.join('\n')}`);
  assert.equal(stale, [], stale.join('\n'));
});

s('finds an upward import, an import across peers, a cycle, an import from outside src/ and an unmapped file', () => {
  const root = mkdtempSync(join(tmpdir(), 'semigen-layers-'));
  try {
    const write = (file, text) => {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
    };
    write('src/ops/a.ts', "import { m } from '../models/m.js';\nimport type { B } from './b.js';\n// import '../cli/x.js'\n");
    write('src/ops/b.ts', "export { a } from './a.js';\nimport { t } from '../tensor.js';\n");
    write('src/models/m.ts', "import { t } from '../tensor.js';\nconst late = () => import('../data/d.js');\n");
    write('src/nn/n.ts', "import { Adam } from '../optim/o.js';\n");
    write('src/optim/o.ts', "import { readFileSync } from 'node:fs';\n");
    write('src/cli/c.ts', "import { h } from '../../bench/harness.js';\nimport { m } from '../models/m.js';\n");
    write('src/tensor.ts', 'export const t = 1;\n');
    write('src/data/d.ts', 'export const d = 1;\n');
    write('src/extra/x.ts', 'export const x = 1;\n');
    const found = checkLayers(join(root, 'src'));
    assert.equal(found.upward.map((u) => `${u.from} -> ${u.to}`), ['nn/n.ts -> optim/o.ts', 'ops/a.ts -> models/m.ts']);
    assert.equal(found.outside, [{ from: 'cli/c.ts', spec: '../../bench/harness.js' }]);
    assert.equal(found.unmapped, ['extra/x.ts']);
    assert.equal(found.cycles, [{ files: ['ops/a.ts', 'ops/b.ts'], path: ['ops/a.ts', 'ops/b.ts', 'ops/a.ts'] }]);
    // a KNOWN entry covers the cycle; the other matches nothing and is reported as stale
    const known = [{ kind: 'cycle', files: ['ops/a.ts', 'ops/b.ts', 'ops/c.ts'], reason: 'r1' },
      { kind: 'upward', from: 'train/', to: 'models/model.ts', reason: 'r2' }];
    const { allowed, unexpected, stale } = judge(found, known);
    assert.is(allowed.length, 1);
    assert.match(allowed[0], /^import cycle of 2 files: ops\/a\.ts -> ops\/b\.ts -> ops\/a\.ts/);
    assert.is(unexpected.length, 4);
    assert.equal(stale, ['KNOWN upward no longer found, remove it: r2']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

s.run();
