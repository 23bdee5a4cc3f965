// The command line: info's JSON, bench rows' fields, help text, and one-line errors with exit code 1.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deviceCode } from '../../dist/src/cli/info.js';

const main = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const cli = (...args) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 120_000 });

const s = suite('cli');

s('info --json has version, isa, threads and the CUDA facts', () => {
  const r = cli('info', '--json');
  assert.is(r.status, 0, r.stderr);
  const facts = JSON.parse(r.stdout);
  assert.type(facts.version, 'string');
  assert.ok(['avx512', 'avx2', 'portable'].includes(facts.isa), facts.isa);
  assert.ok(Number.isInteger(facts.threads) && facts.threads >= 1);
  assert.type(facts.cuda.compiled, 'boolean');
  assert.ok(Array.isArray(facts.cuda.devices));
});

s('bench sgemm --json prints one object per shape with the required fields', () => {
  const r = cli('bench', 'sgemm', '--threads', '1', '--max-time', '0.05', '--json');
  assert.is(r.status, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(rows.length, 8);
  for (const row of rows) {
    for (const key of ['name', 'm', 'n', 'k', 'transA', 'transB', 'threads', 'gflops', 'peak_fraction']) {
      assert.ok(key in row, `${key} missing in ${JSON.stringify(row)}`);
    }
    assert.is(row.threads, 1);
    assert.ok(row.gflops > 0 && row.peak_fraction > 0 && row.peak_fraction < 2, JSON.stringify(row));
  }
  assert.ok(rows.some((row) => row.transA) && rows.some((row) => row.transB));
});

s('bench peak reports GFLOP/s for the ISA in use', () => {
  const r = cli('bench', 'peak', '--threads', '1', '--json');
  assert.is(r.status, 0, r.stderr);
  const row = JSON.parse(r.stdout.trim());
  assert.is(row.threads, 1);
  assert.ok(row.gflops > 1, JSON.stringify(row));
});

s('--help for every command exits 0 and shows usage', () => {
  for (const args of [['--help'], ['info', '--help'], ['bench', '--help']]) {
    const r = cli(...args);
    assert.is(r.status, 0, args.join(' '));
    assert.match(r.stdout, /Usage: semigen/);
  }
});

s('bad commands, flags and values exit 1 with one line naming the problem', () => {
  const cases = [
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['info', '--bogus'], /--bogus/],
    [['bench', 'nope'], /unknown workload 'nope'/],
    [['bench', 'sgemm', '--threads', '0'], /--threads must be a positive integer, got '0'/],
    [['bench', 'sgemm', '--threads', 'two'], /--threads must be a positive integer, got 'two'/],
    [['bench', 'mlp-step', '--data', '/nonexistent/semigen-data'], /dataset 'fashion-mnist' not found/],
    [['bench', 'sgemm', '--device', 'cuda:0'], /--device is for vae-step, gan-step, m2-step only \(sgemm runs on the CPU\)/],
    [['bench', 'vae-step', '--device', 'gpu'], /--device must be cpu or cuda:N, got 'gpu'/],
  ];
  for (const [args, pattern] of cases) {
    const r = cli(...args);
    assert.is(r.status, 1, `${args.join(' ')}: exit ${r.status}`);
    const lines = r.stderr.trim().split('\n');
    assert.is(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0], pattern);
  }
});

s('info says which code of the build a GPU runs: its own sm_ binary, a compatible one, or PTX the driver compiles', () => {
  const built = '75-real,80-real,86-real,89-real,90';
  const gpu = (capability, binary, ptx) => ({ device: 'cuda:0', name: 'GPU', code: { capability, binary, ptx, built } });
  assert.is(deviceCode(gpu(90, 90, 90)), "sm_90: runs the build's sm_90 code");
  assert.is(deviceCode(gpu(75, 75, 75)), "sm_75: runs the build's sm_75 code");
  assert.is(deviceCode(gpu(87, 86, 86)), "sm_87: runs the build's sm_86 code, compatible");
  assert.is(deviceCode(gpu(120, 120, 90)), "sm_120: runs the build's compute_90 PTX, compiled by the driver");
  assert.is(deviceCode({ device: 'cuda:0', name: 'GPU', codeError: 'no kernel image is available for execution on the device' }),
    'no code of this build runs on it: no kernel image is available for execution on the device');
});

s.run();
