// `npm run check:gpu` (scripts/check-gpu.mjs) on a machine without a GPU: it stops at its first step, says in
// one line that no GPU was found, exits 2 and writes a report holding no figures. With a GPU the script runs
// minutes of checks, so this test only confirms the script is wired up there.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../../dist/src/backend.js';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
const hasGpu = native.devices().some((d) => d.device.startsWith('cuda'));
const s = suite('cli: check:gpu');

s('package.json names scripts/check-gpu.mjs as check:gpu', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.is(pkg.scripts['check:gpu'], 'node scripts/check-gpu.mjs');
});

if (!hasGpu) {
  s('without a GPU: one line saying so, exit 2, a report with gpu null and the reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'semigen-check-gpu-'));
    try {
      const out = join(dir, 'nested', 'report.json');
      const r = spawnSync(process.execPath, [join(root, 'scripts', 'check-gpu.mjs'), '--out', out], { cwd: root, encoding: 'utf8' });
      assert.is(r.status, 2, `exit status, stderr: ${r.stderr}`);
      const lines = r.stdout.trim().split('\n');
      assert.is(lines.length, 1, r.stdout);
      assert.match(lines[0], /^check:gpu: no GPU was found, so nothing was run or measured \(.*cuda:0 is not available.*\); report: /);
      assert.is(r.stderr, '');
      const report = JSON.parse(readFileSync(out, 'utf8'));
      assert.equal(Object.keys(report).sort(), ['gpu', 'reason']);
      assert.is(report.gpu, null);
      assert.match(report.reason, /cuda:0 is not available/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  s('an unknown argument is refused', () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'check-gpu.mjs'), '--bogus'], { cwd: root, encoding: 'utf8' });
    assert.is.not(r.status, 0);
    assert.is.not(r.status, 2);
    assert.match(r.stderr, /unknown argument '--bogus'/);
  });
}

s.run();
