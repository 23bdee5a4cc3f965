// A run folder while train() owns it: its lock refuses a second run (another process's, or another in this process)
// without touching the folder, is taken over from a dead process with a warning, and goes with the run on success
// and on error; opening the folder removes the temporary files that dead writers left, of any file, and keeps those
// of live ones.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname, tmpdir } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { runTiny } from './fixtures.js';

const s = suite('train: the run folder while in use');
const dir = mkdtempSync(join(tmpdir(), 'semigen-run-folder-'));
const BASE = { batchSize: 16, seed: 7, logEvery: 3 };

/** A process that stays alive until killed: a live pid that is not ours. */
function liveProcess() {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
  const exited = new Promise((done) => child.on('exit', done));
  return { pid: child.pid, stop: async () => { child.kill('SIGKILL'); await exited; } };
}

/** The pid of a process that has exited. */
function deadPid() {
  return spawnSync(process.execPath, ['-e', '']).pid;
}

/** Each file's name, size and modification time: what "touches nothing" compares. */
function snapshot(folder) {
  return readdirSync(folder).sort().map((name) => {
    const st = statSync(join(folder, name));
    return `${name} ${st.size} ${st.mtimeMs}`;
  });
}

let live;
s.before(() => {
  live = liveProcess();
});
s.after(async () => {
  await live.stop();
  rmSync(dir, { recursive: true, force: true });
});

s('a folder another live process holds is refused in one line naming its pid, for overwrite and resume alike, and left as it was', async () => {
  const out = join(dir, 'held');
  await runTiny({ ...BASE, steps: 6, outDir: out });
  const started = new Date(Date.now() - 60_000).toISOString();
  writeFileSync(join(out, 'lock'), `${JSON.stringify({ pid: live.pid, started, host: hostname() })}\n`);
  const before = snapshot(out);
  for (const second of [{ overwrite: true }, { resume: true }]) {
    const error = await runTiny({ ...BASE, steps: 12, outDir: out, ...second }).then(() => null, (e) => e);
    assert.ok(error !== null, `${JSON.stringify(second)} was not refused`);
    assert.is(error.message, `${out}: in use by pid ${live.pid} (started ${started})`);
    assert.ok(error.message.length < 200 && !error.message.includes('\n'));
    assert.equal(snapshot(out), before, `${JSON.stringify(second)} touched the folder`);
  }
});

s('the lock of a process that is gone is taken over with a warning, and released at the run\'s end', async () => {
  const out = join(dir, 'stale');
  await runTiny({ ...BASE, steps: 6, outDir: out });
  const gone = deadPid();
  writeFileSync(join(out, 'lock'), `${JSON.stringify({ pid: gone, started: '2020-01-01T00:00:00.000Z', host: hostname() })}\n`);
  const warnings = [];
  const { result } = await runTiny({ ...BASE, steps: 12, outDir: out, resume: true, onWarning: (m) => warnings.push(m) });
  assert.is(result.step, 12);
  assert.is(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], new RegExp(`^${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*pid ${gone} .*no longer running`));
  assert.not.ok(existsSync(join(out, 'lock')), 'released at the end');
});

s('two runs in one process cannot share a folder; the lock goes with the run, on success and on error', async () => {
  const out = join(dir, 'twice');
  let second = null;
  let lockWhileRunning = null;
  await runTiny({
    ...BASE, steps: 12, outDir: out,
    onEvent: (e) => {
      if (e.type !== 'step' || e.step !== 2) return;
      lockWhileRunning = JSON.parse(readFileSync(join(out, 'lock'), 'utf8'));
      second = runTiny({ ...BASE, steps: 12, outDir: out, overwrite: true }).then(() => null, (err) => err);
    },
  });
  assert.is(lockWhileRunning.pid, process.pid);
  assert.is(lockWhileRunning.host, hostname());
  assert.ok(!Number.isNaN(Date.parse(lockWhileRunning.started)));
  const error = await second;
  assert.ok(error !== null, 'the second run was not refused');
  assert.match(error.message, new RegExp(`: in use by pid ${process.pid} \\(started `));
  assert.not.ok(existsSync(join(out, 'lock')), 'released after a finished run');

  const empty = join(dir, 'nothing-to-resume');
  const failed = await runTiny({ ...BASE, steps: 12, outDir: empty, resume: true }).then(() => null, (e) => e);
  assert.ok(failed !== null && /checkpoint/.test(failed.message), String(failed));
  assert.not.ok(existsSync(join(empty, 'lock')), 'released after a run that failed');
});

s('opening a folder for training removes every temporary file of a dead writer and keeps those of live ones', async () => {
  const out = join(dir, 'leftovers');
  await runTiny({ ...BASE, steps: 6, outDir: out });
  const gone = deadPid();
  const dead = [`metrics.jsonl.tmp-${gone}`, `samples.png.tmp-${gone}`, `config.json.tmp-${gone}`];
  const kept = [`samples.png.tmp-${live.pid}`, `notes.txt.tmp-${process.pid}`, 'data.tmp-notapid'];
  for (const name of [...dead, ...kept]) writeFileSync(join(out, name), 'half a file');
  mkdirSync(join(out, 'sub'));
  writeFileSync(join(out, 'sub', `metrics.jsonl.tmp-${gone}`), 'not this folder\'s');
  await runTiny({ ...BASE, steps: 12, outDir: out, resume: true });
  for (const name of dead) assert.not.ok(existsSync(join(out, name)), `${name} is left`);
  for (const name of kept) assert.ok(existsSync(join(out, name)), `${name} is removed`);
});

s.run();
