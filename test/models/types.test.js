// Each kind's options are a TypeScript type: test/types/model-configs.ts, compiled here with the project's compiler
// settings, must compile with no error, so every @ts-expect-error in it (a misspelt option, a wrong type, another
// kind's option) must meet its error and every correct config must type-check.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const s = suite('models: typed configs');
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

s('misspelt and mistyped options are compile errors; correct configs compile', () => {
  const file = join(root, 'test', 'types', 'model-configs.ts');
  const { config } = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const program = ts.createProgram([file], { ...options, noEmit: true, declaration: false, sourceMap: false });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  assert.equal(problems, []);
});

s.run();
