// Named datasets: the resolution order (--data, SEMIGEN_DATA, the cache under SEMIGEN_CACHE) on folders made
// here, and, when SEMIGEN_DATA holds them, MNIST and Fashion-MNIST against their known statistics.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, homedir } from 'node:os';
import { findDataset, resolveDataset, cacheRoot, datasetCandidates, DATASET_FILES } from '../../dist/src/data/resolve.js';
import { loadNamedDataset, loadDataset } from '../../dist/src/data/load.js';
import { balancedSubset } from '../../dist/src/data/subset.js';
import { assertThrows } from '../helpers.js';

const s = suite('data: named datasets');
const root = mkdtempSync(join(tmpdir(), 'semigen-named-'));
s.after(() => rmSync(root, { recursive: true, force: true }));

/** A folder with the four file names present (the content does not matter to the lookup). */
function fakeDataset(dir, gz = true) {
  mkdirSync(dir, { recursive: true });
  for (const f of DATASET_FILES) writeFileSync(join(dir, gz ? `${f}.gz` : f), '');
  return dir;
}

/** Runs fn with the given environment variables set (undefined = unset), restoring them after. */
function withEnv(vars, fn) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (values) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(vars);
  try {
    return fn();
  } finally {
    set(saved);
  }
}

s('resolution order: --data alone when given, else SEMIGEN_DATA, else the cache', () => {
  const data = fakeDataset(join(root, 'data', 'mnist'));
  const cache = fakeDataset(join(root, 'cache', 'mnist'), false);
  const direct = fakeDataset(join(root, 'direct'));
  const env = { SEMIGEN_DATA: join(root, 'data'), SEMIGEN_CACHE: join(root, 'cache') };
  withEnv(env, () => {
    assert.is(findDataset('mnist'), data);
    assert.is(findDataset('mnist', direct), direct, 'a --data folder may be the dataset folder itself');
    assert.is(findDataset('mnist', join(root, 'data')), data, 'or its parent');
    assert.is(findDataset('mnist', join(root, 'empty')), null, '--data is the only place looked when given');
    assert.is(findDataset('fashion-mnist'), null);
  });
  withEnv({ ...env, SEMIGEN_DATA: undefined }, () => {
    assert.is(findDataset('mnist'), cache);
    assert.is(cacheRoot(), join(root, 'cache'));
  });
  withEnv({ ...env, SEMIGEN_DATA: join(root, 'nothing-here') }, () => assert.is(findDataset('mnist'), cache));
  withEnv({ SEMIGEN_CACHE: undefined, SEMIGEN_DATA: undefined }, () => {
    assert.equal(datasetCandidates('mnist'), [join(homedir(), '.cache', 'semigen', 'mnist')]);
  });
  withEnv(env, () => {
    assertThrows(() => resolveDataset('fashion-mnist'), /dataset 'fashion-mnist' not found; looked in: .*data[/\\]fashion-mnist, .*data, .*cache[/\\]fashion-mnist/);
    assertThrows(() => resolveDataset('mnist', join(root, 'empty')), /looked in: .*empty[/\\]mnist, .*empty \(check --data DIR\)/);
    assertThrows(() => findDataset('cifar10'), /unknown dataset 'cifar10' \(expected one of: mnist, fashion-mnist\)/);
  });
});

s('a folder with only some of the files does not count', () => {
  const dir = join(root, 'partial');
  mkdirSync(dir);
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), '');
  assert.is(findDataset('mnist', dir), null);
});

const data = process.env.SEMIGEN_DATA;
const KNOWN = {
  mnist: { mean: 0.1307, std: 0.3081, first: [5, 0, 4, 1, 9, 2, 1, 3, 1, 4],
    trainCounts: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949] },
  'fashion-mnist': { mean: 0.2861, std: 0.3528, first: [9, 0, 0, 3, 0, 2, 7, 2, 5, 5], trainCounts: new Array(10).fill(6000) },
};
for (const name of ['mnist', 'fashion-mnist']) {
  if (!data || !existsSync(join(data, name))) {
    console.log(`  skipped: SEMIGEN_DATA has no ${name}/`);
    continue;
  }
  s(`${name}: the standard split, pixel statistics, first labels and class counts`, async () => {
    const d = await loadNamedDataset(name, { download: false });
    const k = KNOWN[name];
    assert.equal([d.name, d.classes, d.train.count, d.test.count, d.train.features, d.test.features], [name, 10, 60000, 10000, 784, 784]);
    let sum = 0;
    let sq = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of d.train.x) {
      sum += v;
      sq += v * v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const mean = sum / d.train.x.length;
    const std = Math.sqrt(sq / d.train.x.length - mean * mean);
    assert.ok(Math.abs(mean - k.mean) < 5e-5, `mean ${mean}`);
    assert.ok(Math.abs(std - k.std) < 5e-5, `std ${std}`);
    assert.equal([lo, hi], [0, 1]);
    assert.equal(Array.from(d.train.labels.subarray(0, 10)), k.first);
    const counts = (labels) => Array.from(labels).reduce((c, l) => (c[l]++, c), new Array(10).fill(0));
    assert.equal(counts(d.train.labels), k.trainCounts);
    assert.is(counts(d.test.labels).reduce((a, b) => a + b), 10000);
    const few = balancedSubset(d.train.labels, 100, 0);
    assert.equal(counts(Array.from(few, (r) => d.train.labels[r])), new Array(10).fill(10));
    const again = await loadDataset(name, { dataDir: data });
    assert.equal(Array.from(again.test.labels.subarray(0, 20)), Array.from(d.test.labels.subarray(0, 20)));
  });
}

s.run();
