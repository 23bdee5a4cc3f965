// The op lists: the addon's (compiled from kernels/include/semigen/op_lists.h) and the TypeScript's (generated from
// the same file at build time) agree, ids are list positions, Unary/Binary/Reduce keep their names, and the engine
// refuses to load an addon built from other lists.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../../dist/src/backend.js';
import { BINARY_OPS, Binary, REDUCE_OPS, Reduce, UNARY_OPS, Unary } from '../../dist/src/native.js';

const s = suite('native: op lists');

s('the addon was built from the lists the TypeScript was generated from', () => {
  assert.equal(native.opLists, { unary: UNARY_OPS, binary: BINARY_OPS, reduce: REDUCE_OPS });
});

s('ids are positions, names are unique, and Unary/Binary/Reduce map each name to its id', () => {
  for (const [list, ids] of [[UNARY_OPS, Unary], [BINARY_OPS, Binary], [REDUCE_OPS, Reduce]]) {
    list.forEach((op, i) => assert.is(op.id, i, `${op.name} is at position ${i}`));
    assert.is(new Set(list.map((op) => op.name)).size, list.length, 'names are unique');
    assert.equal(Object.keys(ids), list.map((op) => op.name));
    for (const op of list) assert.is(ids[op.name], op.id);
  }
  // the names existing code uses
  assert.equal([Unary.affine, Unary.relu, Unary.leakyRelu, Unary.sigmoid, Unary.tanh, Unary.softplus, Unary.exp,
    Unary.log, Unary.square, Unary.sqrt, Unary.abs], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal([Binary.add, Binary.sub, Binary.mul, Binary.div, Binary.max, Binary.min], [0, 1, 2, 3, 4, 5]);
  assert.equal([Reduce.sum, Reduce.mean, Reduce.max, Reduce.logsumexp], [0, 1, 2, 3]);
});

s('the unary facts: what each backward reads, the layer activations and the GEMM epilogue ops', () => {
  const pick = (f) => UNARY_OPS.filter(f).map((op) => op.name);
  const reads = (names, what) => names.forEach((name) => assert.ok(pick((op) => op.backward === what).includes(name), `${name} reads ${what}`));
  reads(['relu', 'leakyRelu', 'softplus', 'log', 'square', 'abs', 'fillMissing'], 'x');
  reads(['sigmoid', 'tanh', 'exp', 'sqrt'], 'y');
  reads(['affine', 'missingMask'], 'none');
  assert.equal(pick((op) => op.gemm), ['affine', 'relu', 'leakyRelu', 'sigmoid', 'tanh']);
  for (const name of ['relu', 'leakyRelu', 'sigmoid', 'tanh', 'softplus']) assert.ok(pick((op) => op.layer).includes(name), name);
});

s('an addon built from other op lists is refused when it loads, saying why', () => {
  const dir = mkdtempSync(join(tmpdir(), 'semigen-lists-'));
  try {
    // a stand-in addon: every export the loader looks for, and lists with two ops swapped
    const swapped = { unary: UNARY_OPS.map((op) => ({ ...op })), binary: BINARY_OPS, reduce: REDUCE_OPS };
    [swapped.unary[1].name, swapped.unary[2].name] = [swapped.unary[2].name, swapped.unary[1].name];
    const fake = join(dir, 'fake-addon.cjs');
    writeFileSync(fake, `for (const k of ['alloc', 'free', 'upload', 'download', 'gemm', 'unary', 'binary', 'reduce', 'adam'])
      exports[k] = () => {};
    exports.opLists = ${JSON.stringify(swapped)};\n`);
    const backend = new URL('../../dist/src/backend.js', import.meta.url).href;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e',
      `import { addon } from ${JSON.stringify(backend)}; try { addon(); console.log('loaded'); } catch (e) { console.log(e.message); }`],
    { env: { ...process.env, SEMIGEN_ADDON: fake }, encoding: 'utf8' });
    assert.match(child.stdout, /cannot load the native addon/);
    assert.match(child.stdout, /built from other op lists.*npm run build/s);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
