// The addon's schema (native/addon.cc: every export's parameters in call order, as the bodies read them) against
// the NativeAddon interface of src/native.ts, read with the TypeScript compiler: the same functions, and for each
// the same parameters in the same order with the types their kinds mean. A disagreement names the function.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import ts from 'typescript';
import { addon } from '../../dist/src/backend.js';

const s = suite('native: schema');
const native = addon();

/** The TypeScript parameters a schema parameter stands for: [name, type text] pairs. */
const TS_PARAMETERS = {
  tensor: (name) => [[name, 'S'], [`${name}Off`, 'number']],
  optionalTensor: (name) => [[name, 'Opt'], [`${name}Off`, 'number']],
  size: (name) => [[name, 'number']],
  number: (name) => [[name, 'number']],
  finite: (name) => [[name, 'number']],
  seed: (name) => [[name, 'number']],
  choice: (name) => [[name, 'number']],
  flag: (name) => [[name, 'boolean']],
  device: (name) => [[name, 'string']],
  storage: (name) => [[name, 'S']],
  float32Array: (name) => [[name, 'Float32Array']],
  int32Array: (name) => [[name, 'Int32Array']],
  tensorList: (name) => [[name, '[S, number, number][]']],
  optionalTensorList: (name) => [[name, '[S, number, number][] | null']],
};

/** name → [[parameter, type text]] of every method of `interface NativeAddon` in src/native.ts */
function interfaceMethods() {
  const path = new URL('../../src/native.ts', import.meta.url);
  const file = ts.createSourceFile('native.ts', readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
  const addon = file.statements.find((n) => ts.isInterfaceDeclaration(n) && n.name.text === 'NativeAddon');
  assert.ok(addon, 'src/native.ts declares interface NativeAddon');
  const methods = new Map();
  for (const member of addon.members) {
    if (!ts.isMethodSignature(member)) continue;
    methods.set(member.name.getText(file), member.parameters.map((p) => [p.name.getText(file), p.type.getText(file)]));
  }
  return methods;
}

s('every addon function has a schema, and every schema a function', () => {
  const functions = Object.keys(native).filter((k) => typeof native[k] === 'function').sort();
  assert.equal(Object.keys(native.schema).sort(), functions);
});

s('src/native.ts declares exactly the functions of the schema', () => {
  assert.equal([...interfaceMethods().keys()].sort(), Object.keys(native.schema).sort());
});

s('each function takes the parameters the schema lists, in order, with the types of their kinds', () => {
  const methods = interfaceMethods();
  for (const [name, params] of Object.entries(native.schema)) {
    const expected = params.flatMap((p) => {
      assert.ok(p.kind in TS_PARAMETERS, `${name}: unknown kind ${p.kind} of ${p.name}`);
      return TS_PARAMETERS[p.kind](p.name);
    });
    assert.equal(methods.get(name), expected, `${name}: src/native.ts against the addon's schema`);
  }
});

s('the schema is what the addon reads: a misplaced argument is refused naming its schema name', () => {
  const a = native.alloc('cpu', 4);
  try {
    // fill(out, outOff, n, value): n in value's place, a string
    assert.throws(() => native.fill(a, 0, 'four', 1), /fill: n must be a non-negative integer/);
    assert.throws(() => native.fill(a, 0, 4, 'one'), /fill: value must be a number/);
    assert.throws(() => native.copy2d(1, 4, a, 0, 4, a, 0, 'x'), /copy2d: ldd must be a non-negative integer/);
    assert.throws(() => native.unary(99, 4, a, 0, a, 0, 0, 0), /unary: op must be one of 0 affine, 1 relu/);
  } finally {
    native.free(a);
  }
});

s.run();
