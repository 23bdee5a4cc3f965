// Node's command-line conventions: Ctrl-C (SIGINT) or SIGTERM during `semigen train` keeps a checkpoint of the step
// it stopped at and exits 130 or 143 (128 + the signal's number) as shells expect; a refused run folder names the
// flags that fix it, or the process that holds it; the top-level help lists every bench workload.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** Starts a long `semigen train` into `out`; `progress(n)` resolves once it has written n progress records. */
function longRun(out, more = []) {
  const child = spawn(process.execPath, [main, ...trainArgs(out, 10_000_000), ...more], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { child, stdout: '', stderr: '', waiting: [] };
  const records = () => run.stderr.split('\n').filter((l) => l.startsWith('{"kind"')).map((l) => JSON.parse(l));
  const check = () => {
    run.waiting = run.waiting.filter(([n, done]) => (records().length >= n ? (done(), false) : true));
  };
  child.stdout.on('data', (d) => { run.stdout += d; });
  child.stderr.on('data', (d) => { run.stderr += d; check(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  run.closed = new Promise((done) => child.on('close', (code, signal) => { clearTimeout(timer); check(); done({ code, signal }); }));
  run.progress = (n) => new Promise((done) => { run.waiting.push([n, done]); check(); });
  run.records = records;
  return run;
}

/** The run's exit; one that outlives a stop by 30 s is killed, so that no test leaves a process behind. */
async function stopped(run) {
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 30_000);
  try {
    return await run.closed;
  } finally {
    clearTimeout(timer);
  }
}

s('SIGTERM during train stops after the step with its checkpoint and exits 143; --resume goes on from that step', async () => {
  const out = join(dir, 'terminated');
  const run = longRun(out);
  await Promise.race([run.progress(3), run.closed]);
  run.child.kill('SIGTERM');
  const { code, signal } = await stopped(run);
  assert.is(signal, null, `the process handles SIGTERM itself rather than dying of it (stderr: ${run.stderr.slice(-300)})`);
  assert.is(code, 143, `exit code (stderr: ${run.stderr.slice(-500)})`);
  const lastLogged = Math.max(...run.records().map((r) => r.step));
  const summary = JSON.parse(run.stdout.trim().split('\n').pop());
  assert.is(summary.stopped, 'aborted');
  assert.ok(summary.step >= lastLogged, `stopped at ${summary.step}, before the last logged step ${lastLogged}`);
  assert.not.ok(existsSync(join(out, 'lock')), 'the folder is released');
  const resumed = cli(...trainArgs(out, summary.step + 4), '--resume');
  assert.is(resumed.status, 0, resumed.stderr);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.is(config.resumed_from_step, summary.step, 'the checkpoint holds the step the run stopped at');
  assert.is(JSON.parse(resumed.stdout.trim().split('\n').pop()).step, summary.step + 4);
});

s('a second train into a folder in training is refused in one line naming the pid, for --overwrite and --resume', async () => {
  const out = join(dir, 'busy');
  const first = longRun(out);
  try {
    await Promise.race([first.progress(2), first.closed]);
    const config = readFileSync(join(out, 'config.json'), 'utf8');
    for (const flag of ['--overwrite', '--resume']) {
      const second = cli(...trainArgs(out, 8), flag);
      assert.is(second.status, 1, `${flag}: exit ${second.status} (stderr: ${second.stderr.slice(-300)})`);
      assert.is(second.stderr.trim().split('\n').length, 1, second.stderr);
      assert.match(second.stderr.trim(), new RegExp(`^semigen: .*busy: in use by pid ${first.child.pid} \\(started [-0-9T:.Z]+\\)$`));
      assert.ok(second.stderr.trim().length < 200, second.stderr);
      assert.is(readFileSync(join(out, 'config.json'), 'utf8'), config, `${flag}: the folder's config.json was rewritten`);
      assert.ok(existsSync(join(out, 'metrics.jsonl')), `${flag}: the running run's metrics are gone`);
    }
  } finally {
    first.child.kill('SIGINT');
  }
  const { code } = await stopped(first);
  assert.is(code, 130, first.stderr.slice(-500));
  const steps = first.records().filter((r) => r.kind === 'log').map((r) => r.step);
  const logged = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    .filter((r) => r.kind === 'log').map((r) => r.step);
  assert.equal(logged, steps, 'metrics.jsonl holds the first run\'s lines, all of them');
  assert.not.ok(existsSync(join(out, 'lock')), 'the folder is released');
});

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

s('a run folder is its own truth: resuming a finished run adds no second end record; an edited config.json is refused', () => {
  const out = join(dir, 'truth');
  const args = ['train', 'supervised', '--data', csv, '--steps', '5', '--batch-size', '16', '--hidden', '8', '--out', out, '--json'];
  assert.is(cli(...args).status, 0);
  for (let i = 0; i < 2; i++) assert.is(cli(...args, '--resume').status, 0);
  const kinds = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).kind);
  assert.is(kinds.filter((k) => k === 'end').length, 1, `records: ${kinds.join(' ')}`);
  const ok = cli('eval', out, '--json');
  assert.is(ok.status, 0, ok.stderr);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  config.data.labelledRows = 999999;
  writeFileSync(join(out, 'config.json'), JSON.stringify(config));
  const edited = cli('eval', out, '--json');
  assert.is(edited.status, 1, edited.stdout);
  assert.match(edited.stderr, /config\.json: its data differs from the one .*checkpoint\.safetensors was trained with/);
  assert.not.match(edited.stdout, /999999/);
});

s('messages name the flag or variable: a negative value, a bad SEMIGEN_NUM_THREADS or SEMIGEN_ISA, --labels on a VAE', () => {
  const out = join(dir, 'messages');
  const negative = cli('train', 'vae', '--data', csv, '--epochs', '-1', '--out', out);
  assert.is(negative.status, 1);
  assert.is(negative.stderr.trim(), "semigen: --epochs must be a positive integer, got '-1'");
  for (const [name, value, pattern] of [['SEMIGEN_NUM_THREADS', 'abc', /SEMIGEN_NUM_THREADS must be a number of threads from 1 to 1024, got 'abc'/],
    ['SEMIGEN_NUM_THREADS', '0', /SEMIGEN_NUM_THREADS .* got '0'/], ['SEMIGEN_ISA', 'avx9', /SEMIGEN_ISA must be avx512, avx2, portable .* got 'avx9'/]]) {
    const r = spawnSync(process.execPath, [main, 'info'], { encoding: 'utf8', env: { ...env, [name]: value } });
    assert.is(r.status, 1, `${name}=${value}: ${r.stdout}`);
    assert.match(r.stderr, pattern);
    assert.is(r.stderr.trim().split('\n').length, 1);
  }
  const vae = cli(...trainArgs(out, 2), '--labels', '4');
  assert.is(vae.status, 0, vae.stderr);
  assert.match(vae.stderr, /warning: --labels 4: vae learns from the rows alone and uses no labels; ignored/);
  assert.ok(!existsSync(join(out, 'labels.json')), 'a labels.json for a model that uses none');
});

s('a Bernoulli likelihood refuses features outside [0, 1], naming their range and the option that takes them', async () => {
  const { writeNpy } = await import('../../dist/src/data/npy.js');
  const wide = join(dir, 'wide.npy');
  writeNpy(wide, Float32Array.from({ length: 40 * 4 }, (_, i) => ((i * 37) % 90) / 10 - 2), [40, 4]);
  const out = join(dir, 'bernoulli');
  const refused = cli('train', 'vae', '--data', wide, '--steps', '2', '--hidden', '8', '--latent', '2', '--out', out);
  assert.is(refused.status, 1, refused.stdout);
  assert.match(refused.stderr, /wide\.npy \(train rows\): values from -2\.000 to 6\.900 .* outside \[0, 1\].*--option likelihood=gaussian/);
  assert.is(refused.stderr.trim().split('\n').length, 1);
  const gaussian = cli('train', 'vae', '--data', wide, '--steps', '2', '--hidden', '8', '--latent', '2', '--out', out, '--overwrite', '--option', 'likelihood=gaussian');
  assert.is(gaussian.status, 0, gaussian.stderr);
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
