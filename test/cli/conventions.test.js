// Node's command-line conventions: Ctrl-C during `semigen train` keeps its checkpoint and exits 130 (128 + SIGINT)
// as shells expect; a refused run folder names the flags that fix it; the top-level help lists every bench workload.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const env = { ...process.env, SEMIGEN_NUM_THREADS: '1' };
const cli = (...args) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 120_000, env });
const dir = mkdtempSync(join(tmpdir(), 'semigen-conventions-'));
const csv = join(dir, 'rows.csv');
{
  const lines = ['a,b,c,d,label'];
  for (let r = 0; r < 64; r++) lines.push(`${[0, 1, 2, 3].map((i) => ((r * 7 + i * 3) % 10) / 10).join(',')},${r % 2}`);
  writeFileSync(csv, `${lines.join('\n')}\n`);
}
const trainArgs = (out, steps) => ['train', 'vae', '--data', csv, '--steps', String(steps), '--batch-size', '16',
  '--hidden', '8', '--latent', '2', '--out', out, '--json'];

const s = suite('cli: exit codes and messages');
s.after(() => rmSync(dir, { recursive: true, force: true }));

s('Ctrl-C during train writes the checkpoint and exits 130', async () => {
  const out = join(dir, 'interrupted');
  const child = spawn(process.execPath, [main, ...trainArgs(out, 10_000_000)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let sent = false;
  const onOutput = () => {
    // the first progress record: training is under way, so this Ctrl-C stops a run mid-flight
    if (!sent && /"step":\s*\d+/.test(stdout + stderr)) {
      sent = true;
      child.kill('SIGINT');
    }
  };
  child.stdout.on('data', (d) => { stdout += d; onOutput(); });
  child.stderr.on('data', (d) => { stderr += d; onOutput(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const [code, signal] = await new Promise((done) => child.on('close', (c, sig) => done([c, sig])));
  clearTimeout(timer);
  assert.ok(sent, `no progress line before exit (code ${code}): ${stderr}`);
  assert.is(signal, null, 'the process handles SIGINT itself rather than dying of it');
  assert.is(code, 130, `exit code (stderr: ${stderr.slice(-500)})`);
  const summary = JSON.parse(stdout.trim().split('\n').pop());
  assert.is(summary.stopped, 'aborted');
  assert.ok(summary.step >= 1 && summary.step < 10_000_000, `stopped at step ${summary.step}`);
  assert.ok(existsSync(join(out, 'checkpoint.safetensors')), 'the checkpoint to resume from is written');
});

s('a finished run exits 0; training into a used folder names --resume and --overwrite, exit 1', () => {
  const out = join(dir, 'used');
  const first = cli(...trainArgs(out, 4));
  assert.is(first.status, 0, first.stderr);
  const again = cli(...trainArgs(out, 4));
  assert.is(again.status, 1);
  assert.match(again.stderr, /already holds a run .*--resume.*--overwrite.*--out/);
  assert.is(again.stderr.trim().split('\n').length, 1, 'one line');
});

s('the top-level help lists every bench workload', () => {
  const workloads = [];
  let inList = false;
  for (const line of cli('bench', '--help').stdout.split('\n')) {
    if (line.startsWith('Workloads:')) inList = true;
    else if (inList && /^\S/.test(line)) break;
    else if (inList) {
      const m = /^ {2}(\S+)/.exec(line);
      if (m) workloads.push(m[1]);
    }
  }
  assert.ok(workloads.length >= 7, `workloads read from bench --help: ${workloads.join(', ')}`);
  const help = cli('--help').stdout;
  const benchLine = help.split('\n').find((l) => /^\s+bench\s/.test(l)) ?? '';
  const listed = benchLine.replace(/^.*benchmarks:/, '').split(',').map((w) => w.trim());
  assert.equal(listed.sort(), workloads.sort());
});

s.run();
