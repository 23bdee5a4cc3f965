// Progress output: a bar redrawn in place on a TTY at most ~10 times a second (epoch, steps, loss, samples/s,
// ETA) with epoch summaries kept above it; plain lines when not a TTY; JSON lines that match metrics.jsonl.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createProgress, formatDuration, formatRecord } from '../../dist/src/train/progress.js';
import { readMetrics } from '../../dist/src/train/metrics.js';
import { memoryStream, runTiny } from './fixtures.js';

const s = suite('train: progress');
const dir = mkdtempSync(join(tmpdir(), 'semigen-progress-'));
s.after(() => rmSync(dir, { recursive: true, force: true }));

const REDRAW = '\r\x1b[2K';
const busyWait = (ms) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

s('formatDuration', () => {
  assert.is(formatDuration(12.4), '12s');
  assert.is(formatDuration(187), '3m07s');
  assert.is(formatDuration(3725), '1h02m');
  assert.is(formatDuration(NaN), '?');
});

s('bar on a TTY: loss, samples/s and ETA, redrawn at most ~10 times a second', () => {
  const out = memoryStream(true);
  const p = createProgress('auto', out, 200, 100, 0, 64);
  const started = performance.now();
  for (let step = 1; step <= 200; step++) {
    busyWait(2); // 200 steps of 2 ms: ~0.4 s
    p.step(step, { loss: 1.5, kl: 0.25 });
  }
  const seconds = (performance.now() - started) / 1000;
  p.end();
  const text = out.text();
  const draws = text.split(REDRAW).filter((d) => d.length > 0);
  assert.ok(draws.length >= 3, `drawn ${draws.length} times`);
  assert.ok(draws.length <= seconds * 10 + 2, `drawn ${draws.length} times in ${seconds.toFixed(2)} s`);
  const last = draws.at(-1);
  assert.match(last, /^epoch 2\/2 \[#+\] 200\/200 loss 1\.5 kl 0\.25 \d+ samples\/s ETA 0s$/);
  assert.match(draws[0], /^epoch 1\/2 \[#*-+\] \d+\/200 .* samples\/s ETA \d+s$/);
  assert.ok(text.endsWith(REDRAW), 'end() clears the bar');
  assert.not.match(text, /\n/, 'no newlines: the bar redraws in place');
});

s('bar: epoch summaries are printed above the bar, log lines are not', () => {
  const out = memoryStream(true);
  const p = createProgress('bar', out, 10, 5, 0, 8);
  p.step(1, { loss: 2 });
  p.record({ kind: 'log', step: 1, epoch: 1, loss: 2 });
  p.record({ kind: 'epoch', step: 5, epoch: 1, loss: 1.75, test_loss: 1.5, rss_mb: 60, wall_s: 3 });
  p.step(6, { loss: 1 });
  const text = out.text();
  assert.is(text.match(/\n/g).length, 1);
  assert.match(text, /\r\x1b\[2Kepoch 1\/2 step 5\/10 loss 1\.75 test_loss 1\.5 rss 60 MB 3s\n\r\x1b\[2Kepoch 2\/2 \[/);
});

s('plain lines when not a TTY; JSON lines with progress json', () => {
  const record = { kind: 'log', step: 40, epoch: 1, loss: 254.12345, samples_per_s: 9000, rss_mb: 120.5, wall_s: 75 };
  const plain = memoryStream(false);
  const p = createProgress('auto', plain, 100, 50, 0, 8);
  p.step(40, { loss: 1 });
  p.record(record);
  p.end();
  assert.is(plain.text(), 'log 1/2 step 40/100 loss 254.1 samples_per_s 9000 rss 120.5 MB 1m15s\n');
  assert.is(formatRecord({ kind: 'epoch', step: 1, epoch: 1, x: 1e-7 }, 1, 1), 'epoch 1/1 step 1/1 x 1.000e-7');
  const json = memoryStream(true);
  const q = createProgress('json', json, 100, 50, 0, 8);
  q.step(40, { loss: 1 });
  q.record(record);
  assert.equal(JSON.parse(json.text()), record);
});

s('a run with progress json prints exactly the records of metrics.jsonl', async () => {
  const out = memoryStream(false);
  const folder = join(dir, 'run');
  await runTiny({ epochs: 2, batchSize: 16, seed: 1, logEvery: 3, outDir: folder, progress: 'json', stream: out });
  const printed = out.text().trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(printed, readMetrics(join(folder, 'metrics.jsonl')));
  assert.equal(printed.map((r) => r.kind), ['log', 'log', 'epoch', 'log', 'log', 'epoch']);
});

s.run();
