// The import graph of src/: no cycle among its modules (type-only imports aside, as they vanish at run time), so
// every module is fully initialised before anything uses it. Reads the TypeScript sources' import lines.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const s = suite('engine: imports');
const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** file → the src/ files it imports at run time */
function importGraph() {
  const files = [];
  (function walk(dir) {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) files.push(path);
    }
  })(src);
  const graph = new Map();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const deps = [];
    // `import ... from './x.js'`, `export ... from './x.js'` and `import './x.js'`; `import type` is skipped
    for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s)?[^;]*?from\s+'(\.[^']+)'|^\s*import\s+'(\.[^']+)'/gm)) {
      if (m[1]) continue;
      deps.push(resolve(dirname(file), (m[2] ?? m[3]).replace(/\.js$/, '.ts')));
    }
    graph.set(file, deps);
  }
  return graph;
}

/** every cycle a depth-first walk meets, as 'a.ts -> b.ts -> a.ts' */
function cycles(graph) {
  const found = [];
  const state = new Map();
  const stack = [];
  const visit = (file) => {
    state.set(file, 'open');
    stack.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (!graph.has(dep)) continue;
      if (state.get(dep) === 'open') found.push([...stack.slice(stack.indexOf(dep)), dep].map((f) => relative(src, f)).join(' -> '));
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

s('src/ has no import cycle', () => {
  const graph = importGraph();
  assert.ok(graph.size > 50, `read ${graph.size} modules`);
  assert.ok([...graph.values()].some((deps) => deps.length > 0), 'found imports');
  assert.equal(cycles(graph), []);
});

s('the cycle finder finds a cycle', () => {
  const [a, b, c] = ['/a.ts', '/b.ts', '/c.ts'];
  assert.equal(cycles(new Map([[a, [b]], [b, [c]], [c, [a]]])).length, 1);
  assert.equal(cycles(new Map([[a, [b]], [b, [c]], [c, []]])), []);
});

s.run();
