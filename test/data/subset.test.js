// Few-label splits (balanced per class, chosen by seed, rows marked unlabelled) and the checkpointable state of
// ShuffledBatches: a restored copy must hand out exactly the batches the original goes on to.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { balancedSubset, withLabelsOnly, fewLabels, labelledRows, subsetRows } from '../../dist/src/data/subset.js';
import { ShuffledBatches } from '../../dist/src/data/batches.js';
import { assertThrows } from '../helpers.js';

const s = suite('data: subsets and batch state');

// 3 classes: class 0 at rows 0-4, class 1 at 5-8, class 2 at 9-11; rows 12-13 unlabelled
const labels = Float32Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, NaN, NaN]);
const split = { x: Float32Array.from({ length: 28 }, (_, i) => i), labels, count: 14, features: 2 };

s('balancedSubset: total / classes rows of each class, ascending, the same for the same seed', () => {
  const a = balancedSubset(labels, 6, 1);
  assert.ok(a instanceof Int32Array);
  assert.is(a.length, 6);
  assert.equal(Array.from(a), Array.from(a).sort((p, q) => p - q));
  assert.is(new Set(a).size, 6);
  for (const c of [0, 1, 2]) assert.is(Array.from(a).filter((r) => labels[r] === c).length, 2, `class ${c}`);
  assert.equal(Array.from(balancedSubset(labels, 6, 1)), Array.from(a));
  const seeds = new Set(Array.from({ length: 20 }, (_, seed) => balancedSubset(labels, 6, seed).join(',')));
  assert.ok(seeds.size > 10, `${seeds.size} distinct subsets from 20 seeds`);
  assert.equal(Array.from(balancedSubset(labels, 9, 3)).filter((r) => labels[r] === 2), [9, 10, 11]);
});

s('balancedSubset draws every row of a class about equally often', () => {
  const counts = new Array(5).fill(0);
  for (let seed = 0; seed < 1000; seed++) for (const r of balancedSubset(labels, 3, seed)) if (r < 5) counts[r]++;
  // 1000 draws of one row from 5: 200 each, sd ~ 13
  assert.ok(counts.every((n) => n > 150 && n < 250), `counts ${counts}`);
});

s('balancedSubset: an uneven total gives the first classes one more; a short class gives all it has, with a warning', () => {
  const perClass = (rows) => [0, 1, 2].map((c) => Array.from(rows).filter((r) => labels[r] === c).length);
  assert.equal(perClass(balancedSubset(labels, 7, 0)), [3, 2, 2]);
  assert.equal(perClass(balancedSubset(labels, 8, 0)), [3, 3, 2]);
  const warnings = [];
  const short = balancedSubset(labels, 12, 0, { className: (c) => `'${'abc'[c]}'`, onWarning: (m) => warnings.push(m) });
  assert.equal(perClass(short), [4, 4, 3]);
  assert.equal(warnings, ["class 'c' has 3 labelled rows, fewer than its share of 4: all of them are kept"]);
  // with enough rows and an even total the draws are the same as they always were: a split can be rebuilt from its seed
  assert.equal(Array.from(balancedSubset(labels, 6, 1)), Array.from(balancedSubset(labels, 6, 1, { classes: 3 })));
});

s('balancedSubset errors: a class with no labelled row, fewer labels than classes, nothing labelled', () => {
  assertThrows(() => balancedSubset(Float32Array.from([0, 2, 2]), 3, 0), /class 1 has no labelled row/);
  assertThrows(() => balancedSubset(labels, 2, 0), /2 labels cannot cover 3 classes/);
  assertThrows(() => balancedSubset(Float32Array.from([0, 1]), 3, 0, { classes: 3 }), /class 2 has no labelled row/);
  assertThrows(() => balancedSubset(Float32Array.from([NaN, NaN]), 2, 0), /no row is labelled/);
  assertThrows(() => balancedSubset(labels, 0, 0), /total must be a positive integer/);
  assertThrows(() => balancedSubset(labels, 3, 0.5), /seed must be an integer/);
});

s('withLabelsOnly keeps labels at the chosen rows only, sharing the features', () => {
  const few = withLabelsOnly(split, [1, 6, 11]);
  assert.is(few.x, split.x);
  assert.equal([few.count, few.features], [14, 2]);
  const kept = Array.from(few.labels).map((l, i) => (Number.isNaN(l) ? null : [i, l])).filter(Boolean);
  assert.equal(kept, [[1, 0], [6, 1], [11, 2]]);
  assert.ok(Number.isNaN(split.labels[12]) && split.labels[0] === 0, 'the input split is left alone');
  assertThrows(() => withLabelsOnly(split, [3, 14]), /index 14 \(entry 1\) is not a row of 0\.\.13/);
  assertThrows(() => withLabelsOnly(split, [12]), /row 12 has no label to keep/);
  const { split: semi, indices } = fewLabels(split, 3, 9);
  assert.equal(Array.from(labelledRows(semi)), Array.from(indices));
  assert.equal(Array.from(labelledRows(split)), Array.from({ length: 12 }, (_, i) => i));
  const rows = subsetRows(split, [13, 5]);
  assert.equal([rows.count, Array.from(rows.x), Array.from(rows.labels)], [2, [26, 27, 10, 11], [NaN, 1]]);
});

function take(batches, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(Array.from(batches.next()));
  return out;
}

s('ShuffledBatches state: a restored copy continues with exactly the same batches, across epochs', () => {
  for (const [count, size, before] of [[10, 3, 2], [10, 3, 3], [12, 4, 3], [7, 7, 1], [5, 9, 4]]) {
    const a = new ShuffledBatches(count, size, 11);
    take(a, before);
    // through JSON, as a checkpoint would store it
    const state = JSON.parse(JSON.stringify({ ...a.getState(), order: Array.from(a.getState().order) }));
    const b = new ShuffledBatches(count, size, 999);
    b.setState(state);
    assert.equal(take(b, 12), take(a, 12), `count ${count}, batch ${size}, after ${before} batches`);
    assert.is(b.epoch, a.epoch);
  }
  const c = new ShuffledBatches(10, 3, 4);
  const fresh = c.getState();
  take(c, 5);
  const d = new ShuffledBatches(10, 3, 77);
  d.setState(fresh);
  assert.equal(take(d, 5), take(new ShuffledBatches(10, 3, 4), 5), 'the state before any batch restores the start');
  assert.is(c.batchesPerEpoch, 3);
  assert.is(c.epoch, 2);
});

s('ShuffledBatches.setState refuses states that do not fit', () => {
  const a = new ShuffledBatches(6, 2, 1);
  const good = a.getState();
  assertThrows(() => new ShuffledBatches(7, 2, 1).setState(good), /state is for 6 rows in batches of 2, these batches are 7 rows/);
  assertThrows(() => a.setState({ ...good, order: [0, 1, 2, 3, 4, 4] }), /order is not a permutation of 0\.\.5 \(entry 5 is 4\)/);
  assertThrows(() => a.setState({ ...good, order: [0, 1] }), /order must hold 6 row indices, got 2/);
  assertThrows(() => a.setState({ ...good, position: 7 }), /position must be an integer in \[0, 6\]/);
  assertThrows(() => a.setState({ ...good, random: -1 }), /random must be a uint32/);
  assertThrows(() => a.setState({ ...good, epoch: 1.5 }), /epoch must be a non-negative integer/);
  assertThrows(() => a.setState(null), /state must be an object/);
});

s.run();
