// `using` on tensors, modules, optimizers and models: test/types/using.ts must type-check with the project's
// compiler settings (each object is Disposable), then, compiled down to ES2022 (TypeScript's own `using` helper,
// which calls [Symbol.dispose]) and run, must leave no tensor alive after each block.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const s = suite('engine: using (Symbol.dispose)');
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const file = join(root, 'test', 'types', 'using.ts');

s('tensors, modules, optimizers and models are Disposable for TypeScript', () => {
  const { config } = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const program = ts.createProgram([file], { ...options, noEmit: true, declaration: false, sourceMap: false });
  const problems = ts.getPreEmitDiagnostics(program).map((d) =>
    `${d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : ''} ` +
    ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.equal(problems, []);
});

s('a using block frees what it holds when it ends', async () => {
  const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 },
  });
  const index = pathToFileURL(join(root, 'dist', 'src', 'index.js')).href;
  const dir = mkdtempSync(join(tmpdir(), 'semigen-using-'));
  try {
    const compiled = join(dir, 'using.mjs');
    writeFileSync(compiled, outputText.replace("'../../src/index.js'", `'${index}'`));
    const { run } = await import(pathToFileURL(compiled).href);
    const { counts, held } = run();
    const [start, inTensor, afterTensor, inLinear, afterLinear, inModel, afterModel] = counts;
    assert.is(inTensor, start + 1);
    assert.is(afterTensor, start, 'the tensor is freed at block end');
    assert.ok(inLinear > start, `the layer and its optimizer hold tensors (${inLinear})`);
    assert.is(afterLinear, start, 'the layer and its optimizer state are freed at block end');
    assert.ok(inModel > start, `the model holds tensors (${inModel})`);
    assert.is(afterModel, start, 'the model\'s parameters and optimizer state are freed at block end');
    assert.ok(held.tensor.isDisposed);
    assert.ok(held.linear.parameters().every((p) => p.isDisposed));
    assert.ok(held.model.module.parameters().every((p) => p.isDisposed));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
