// A 1000-step training loop holds its memory flat (DESIGN: tensors and memory): an MLP 64-32-10 with dropout,
// Adam, batches gathered from a fixed data set, each step inside tidy(). Between steps the live tensor count is
// identical, the allocator's live bytes are identical after warm-up and live + cached bytes stop growing, and the
// process RSS grows by less than 20 MB between step 100 and step 1000 (after a forced GC at both points). Then a
// 10000-step loop in a fresh process, synchronous and yielding to the event loop, must hold RSS flat too.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { execFileSync } from 'node:child_process';
import * as sg from '../../dist/src/index.js';
import { rng } from '../helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

const s = suite('engine: a 1000-step training loop holds memory flat');

s('MLP 64-32-10, dropout 0.2, Adam, 1000 steps in tidy()', () => {
  const r = rng(2024);
  const [N, D, H, C, B] = [256, 64, 32, 10, 32];
  const gen = new sg.Generator(7);
  const data = sg.keep(sg.randn([N, D], gen));
  const labels = sg.keep(sg.tensor(Float32Array.from({ length: N }, (_, i) => i % C), [N, 1]));
  const model = new sg.MLP([D, H, C], { dropout: 0.2, generator: gen });
  const opt = new sg.Adam(model.parameters(), { lr: 1e-2 });
  const index = new Int32Array(B);

  const step = () => sg.tidy(() => {
    for (let i = 0; i < B; i++) index[i] = r.int(N);
    const x = sg.gatherRows(data, index);
    const y = sg.reshape(sg.gatherRows(labels, index), [B]);
    const loss = sg.mean(sg.softmaxCrossEntropy(model.forward(x), y));
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss.item();
  });

  const started = Date.now();
  const firstLosses = [];
  const lastLosses = [];
  let liveAfterWarmup = -1;
  let bytesAfterWarmup = -1;
  let poolAfterWarmup = -1;
  let rss100 = 0;
  for (let i = 1; i <= 1000; i++) {
    const liveBefore = sg.liveTensors();
    const loss = step();
    assert.is(sg.liveTensors(), liveBefore, `step ${i}: live tensors ${liveBefore} -> ${sg.liveTensors()}`);
    assert.ok(Number.isFinite(loss), `step ${i}: loss ${loss}`);
    if (i <= 20) firstLosses.push(loss);
    if (i > 980) lastLosses.push(loss);
    const stats = sg.memoryStats();
    if (i === 10) {
      liveAfterWarmup = sg.liveTensors();
      bytesAfterWarmup = stats.liveBytes;
      poolAfterWarmup = stats.liveBytes + stats.cachedBytes;
    } else if (i > 10) {
      assert.is(stats.liveBytes, bytesAfterWarmup, `step ${i}: allocator live bytes ${bytesAfterWarmup} -> ${stats.liveBytes}`);
      assert.ok(stats.liveBytes + stats.cachedBytes <= poolAfterWarmup,
        `step ${i}: live + cached bytes grew from ${poolAfterWarmup} to ${stats.liveBytes + stats.cachedBytes}`);
    }
    if (i === 100) {
      gc();
      rss100 = process.memoryUsage().rss;
    }
  }
  gc();
  const growth = process.memoryUsage().rss - rss100;
  assert.is(sg.liveTensors(), liveAfterWarmup);
  assert.ok(growth < 20 * 2 ** 20, `RSS grew by ${(growth / 2 ** 20).toFixed(1)} MB between step 100 and step 1000`);
  const avg = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  assert.ok(avg(lastLosses) < avg(firstLosses) - 0.3,
    `the loop trains: mean loss ${avg(firstLosses).toFixed(3)} over the first 20 steps, ${avg(lastLosses).toFixed(3)} over the last 20`);
  const seconds = (Date.now() - started) / 1000;
  assert.ok(seconds < 20, `1000 steps took ${seconds.toFixed(1)} s`);

  opt.dispose();
  model.dispose();
  sg.dispose([data, labels]);
});

/**
 * A fresh Node process (so memory freed by earlier test files cannot hide growth) runs `steps` tiny training steps
 * (MLP 16-8-4, SGD, inside tidy(); about 40 tensors each), yielding to the event loop every `yieldEvery` steps
 * (0: never), and reports the RSS growth in MB between step 1000 and the end, after a forced GC at both points.
 */
function rssGrowthInChild(steps, yieldEvery) {
  const index = new URL('../../dist/src/index.js', import.meta.url).href;
  const code = `
    import * as sg from ${JSON.stringify(index)};
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    const gen = new sg.Generator(5);
    const x = sg.keep(sg.randn([8, 16], gen));
    const y = sg.keep(sg.tensor(Float32Array.from({ length: 8 }, (_, i) => i % 4), [8]));
    const model = new sg.MLP([16, 8, 4], { generator: gen });
    const opt = new sg.SGD(model.parameters(), { lr: 0.01 });
    let rss1000 = 0;
    for (let i = 1; i <= ${steps}; i++) {
      sg.tidy(() => {
        opt.zeroGrad();
        sg.mean(sg.softmaxCrossEntropy(model.forward(x), y)).backward();
        opt.step();
      });
      if (${yieldEvery} > 0 && i % ${yieldEvery} === 0) await tick();
      if (i === 1000) {
        gc();
        if (${yieldEvery} > 0) await tick();
        rss1000 = process.memoryUsage().rss;
      }
    }
    gc();
    if (${yieldEvery} > 0) await tick();
    process.stdout.write(JSON.stringify({ growth: (process.memoryUsage().rss - rss1000) / 2 ** 20, live: sg.liveTensors() }));
  `;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], { encoding: 'utf8' });
  return JSON.parse(out);
}

s('a long synchronous loop (10000 steps, no await) holds RSS flat: < 20 MB between step 1000 and 10000', () => {
  // a training script that never yields to the event loop is the common case; what a step frees must be
  // reclaimed without waiting for the event loop
  const { growth } = rssGrowthInChild(10000, 0);
  assert.ok(growth < 20, `RSS grew by ${growth.toFixed(1)} MB over 9000 synchronous steps`);
});

s('the same loop yielding to the event loop every 100 steps holds RSS flat', () => {
  const { growth } = rssGrowthInChild(10000, 100);
  assert.ok(growth < 20, `RSS grew by ${growth.toFixed(1)} MB over 9000 steps`);
});

s.run();
