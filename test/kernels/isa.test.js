// The CPU kernels under each lower ISA: SEMIGEN_ISA=avx2 / portable is read when the addon loads, so a
// child Node process per ISA loads it with that variable and runs test/reference/isa-check.js's compact check
// (GEMM over every transpose with epilogues, every unary op, binary broadcasting, reductions, softmax, batch norm).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../../dist/src/backend.js';
import { isaCheck } from '../reference/isa-check.js';

const ORDER = ['portable', 'avx2', 'avx512'];
const backendUrl = new URL('../../dist/src/backend.js', import.meta.url).href;
const referenceUrl = new URL('../reference/isa-check.js', import.meta.url).href;
const root = fileURLToPath(new URL('../..', import.meta.url));

function runChild(isa) {
  const script = `import { native } from ${JSON.stringify(backendUrl)};
import { isaCheck } from ${JSON.stringify(referenceUrl)};
process.stdout.write(JSON.stringify(isaCheck(native)) + '\\n');`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    env: { ...process.env, SEMIGEN_ISA: isa },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.is(child.status, 0, `child with SEMIGEN_ISA=${isa} exited ${child.status} ${child.signal ?? ''}: ${child.stderr}`);
  const line = child.stdout.trim().split('\n').pop();
  return JSON.parse(line);
}

const s = suite('kernels: lowered ISAs');
const best = native.isa();

s(`the ISA in use (${best}) passes the compact check in this process`, () => {
  const result = isaCheck(native);
  assert.equal(result.failures, [], result.failures.join('\n'));
  assert.ok(result.checks > 100, `${result.checks} checks ran`);
});

for (const isa of ORDER.slice(0, ORDER.indexOf(best))) {
  s(`SEMIGEN_ISA=${isa}: the addon reports ${isa} and the compact check passes (child process)`, () => {
    const result = runChild(isa);
    assert.is(result.isa, isa, `SEMIGEN_ISA=${isa} was not honoured: isa() = ${result.isa}`);
    assert.equal(result.failures, [], `SEMIGEN_ISA=${isa}:\n${result.failures.join('\n')}`);
    assert.ok(result.checks > 100, `${result.checks} checks ran`);
  });
}

s.run();
