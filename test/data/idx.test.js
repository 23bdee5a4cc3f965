// The IDX reader and dataset resolution: real files when SEMIGEN_DATA has them, and clear errors for
// truncated, corrupt and mis-shaped files.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { readIdx, readImageSet } from '../../dist/src/data/idx.js';
import { resolveDataset } from '../../dist/src/data/resolve.js';
import { ShuffledBatches } from '../../dist/src/data/batches.js';
import { assertThrows, idxBytes as idx } from '../helpers.js';

const s = suite('data: idx');
const dir = mkdtempSync(join(tmpdir(), 'semigen-idx-'));
s.after(() => rmSync(dir, { recursive: true, force: true }));


s('reads raw and gzipped files with the same content', () => {
  const bytes = idx([2, 3], [1, 2, 3, 4, 5, 255]);
  writeFileSync(join(dir, 'a.idx'), bytes);
  writeFileSync(join(dir, 'a.idx.gz'), gzipSync(bytes));
  for (const f of ['a.idx', 'a.idx.gz']) {
    const r = readIdx(join(dir, f));
    assert.equal(r.dims, [2, 3]);
    assert.equal(Array.from(r.data), [1, 2, 3, 4, 5, 255]);
  }
});

s('truncated, corrupt and mis-typed files are errors naming the file', () => {
  writeFileSync(join(dir, 'short.idx'), idx([4, 3], [1, 2, 3]));
  assertThrows(() => readIdx(join(dir, 'short.idx')), /short\.idx/, /12 bytes of data, file has 3 \(truncated\)/);
  writeFileSync(join(dir, 'bad.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
  assertThrows(() => readIdx(join(dir, 'bad.gz')), /bad\.gz: corrupt gzip/);
  writeFileSync(join(dir, 'magic.idx'), Buffer.from('hello world'));
  assertThrows(() => readIdx(join(dir, 'magic.idx')), /magic\.idx: not an IDX file/);
  const floats = idx([1], [0, 0, 0, 0]);
  floats[2] = 0x0d;
  writeFileSync(join(dir, 'float.idx'), floats);
  assertThrows(() => readIdx(join(dir, 'float.idx')), /float\.idx: IDX element type 0xd is not supported/);
  assertThrows(() => readIdx(join(dir, 'missing.idx')), /missing\.idx: cannot be read \(ENOENT\)/);
});

s('image and label counts must agree', () => {
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([3], [0, 1, 2]));
  assertThrows(() => readImageSet(dir, 'train'), /train-labels-idx1-ubyte: 3 labels for 2 images/);
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([2], [7, 9]));
  const set = readImageSet(dir, 'train');
  assert.is(set.count, 2);
  assert.is(set.features, 4);
  assert.ok(Math.abs(set.images[7] - 7 / 255) < 1e-7);
  assert.equal(Array.from(set.labels), [7, 9]);
});

s('unknown or absent datasets name every place looked', () => {
  assertThrows(() => resolveDataset('cifar'), /unknown dataset 'cifar'/);
  assertThrows(() => resolveDataset('mnist', join(dir, 'nowhere')), /dataset 'mnist' not found; looked in: .*nowhere/);
});

const data = process.env.SEMIGEN_DATA;
if (data && existsSync(join(data, 'fashion-mnist'))) {
  s('Fashion-MNIST matches its known statistics and first labels', () => {
    const set = readImageSet(resolveDataset('fashion-mnist'), 'train');
    assert.is(set.count, 60000);
    assert.is(set.features, 784);
    let sum = 0;
    let sq = 0;
    for (const v of set.images) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / set.images.length;
    assert.ok(Math.abs(mean - 0.2861) < 5e-4, `mean ${mean}`);
    assert.ok(Math.abs(Math.sqrt(sq / set.images.length - mean * mean) - 0.3528) < 5e-4);
    assert.equal(Array.from(set.labels.subarray(0, 10)), [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
  });
} else {
  console.log('  skipped: SEMIGEN_DATA has no fashion-mnist/');
}

s('shuffled batches cover each row once per epoch and repeat with the seed', () => {
  const a = new ShuffledBatches(10, 3, 5);
  const seen = [];
  for (let i = 0; i < 3; i++) seen.push(...a.next());
  // three full batches of one permutation: nine distinct rows of the ten
  assert.is(new Set(seen).size, 9);
  assert.ok(seen.every((r) => r >= 0 && r < 10));
  const epoch = new ShuffledBatches(12, 4, 5);
  const all = [...epoch.next(), ...epoch.next(), ...epoch.next()];
  assert.equal(all.sort((x, y) => x - y), Array.from({ length: 12 }, (_, i) => i));
  const b = new ShuffledBatches(10, 3, 5);
  const again = [];
  for (let i = 0; i < 3; i++) again.push(...b.next());
  assert.equal(again, seen);
  assert.not.equal(Array.from(new ShuffledBatches(10, 3, 6).next()), seen.slice(0, 3));
  assertThrows(() => new ShuffledBatches(0, 3, 1), /count must be a positive integer/);
});

s.run();
