// Users' own files: tables (header or not, label column by name or index, empty cells) and .npy (float32,
// float64, uint8 scaled by 1/255, labels by column or a separate file), and a clear error for each way a file
// can be wrong. The .npy bytes are built by hand (helpers.js npyBytes), independently of writeNpy.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadFileDataset, loadDataset } from '../../dist/src/data/load.js';
import { readNpy, writeNpy } from '../../dist/src/data/npy.js';
import { assertRejects, assertThrows, npyBytes as npy, suiteFolder } from '../helpers.js';

const s = suite('data: files');
const { dir, file } = suiteFolder(s, 'semigen-files-');
const same = (a, b) => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]) || Math.abs(v - b[i]) < 1e-6);


s('a table with a header: the label column by name (label or class by default), empty label = unlabelled, empty cell = missing', async () => {
  const path = file('a.csv', 'x1,label,x2\r\n0.25,1,2\n-1e-3,,3\n,0,4.25\n7,1,5\n\n');
  const d = await loadFileDataset(path);
  assert.is(d.name, path);
  assert.is(d.test, null);
  assert.is(d.classes, 2);
  assert.equal(d.schema.label, { name: 'label', classes: ['0', '1'] });
  assert.equal([d.train.count, d.train.features], [4, 2]);
  assert.ok(same(d.train.labels, [1, NaN, 0, 1]), `labels ${Array.from(d.train.labels)}`);
  assert.ok(Number.isNaN(d.train.x[4]) && !Number.isNaN(d.train.x[5]), 'the empty x1 cell of row 3 is missing');
  const byName = await loadFileDataset(path, { labelColumn: 'x2' });
  assert.equal([byName.classes, byName.schema.label.classes], [4, ['2', '3', '4.25', '5']]);
});

s('a table without a header: columns named by index, no labels by default, a label column by index; quoted cells', async () => {
  const path = file('b.csv', '1,2,3\n4,5,6\n');
  const plain = await loadFileDataset(path);
  assert.equal([plain.train.count, plain.train.features, plain.classes], [2, 3, 0]);
  assert.equal(plain.schema.columns.map((c) => c.name), ['0', '1', '2']);
  assert.ok(plain.train.labels.every(Number.isNaN));
  const indexed = await loadFileDataset(path, { labelColumn: 2 });
  assert.ok(same(indexed.train.labels, [0, 1]) && same(indexed.train.x, [0, 0, 1, 1]), `${Array.from(indexed.train.x)}`);
  assert.equal(indexed.schema.label.classes, ['3', '6']);
  const quoted = await loadFileDataset(file('q.csv', '"a","label"\n"7","2"\n"8",1\n'));
  assert.equal(quoted.schema.columns[0], { name: 'a', type: 'binary', values: ['7', '8'] });
  assert.ok(same(quoted.train.x, [0, 1]) && same(quoted.train.labels, [1, 0]));
});

s('table errors name the file, and the line and column where there is one', async () => {
  const numbers = (bad) => ['a,b', ...Array.from({ length: 24 }, (_, i) => `${i % 3},${i === 20 ? bad : i * 0.5}`)].join('\n');
  await assertRejects(loadFileDataset(file('ragged.csv', 'a,b,label\n1,2,0\n3,4\n')), /ragged\.csv: line 3: 2 fields where the header has 3/);
  await assertRejects(loadFileDataset(file('text.csv', numbers('x7'))), /text\.csv: line 22, column 'b': 'x7' is not a number, in a column of numbers/);
  await assertRejects(loadFileDataset(file('inf.csv', numbers('1e999'))), /inf\.csv: line 22, column 'b': '1e999' is not a number/);
  await assertRejects(loadFileDataset(file('hex.csv', numbers('0x10'))), /hex\.csv: line 22, column 'b': '0x10' is not a number/);
  await assertRejects(loadFileDataset(file('c.csv', 'a,b\n1,2\n3,4\n'), { labelColumn: 'y' }), /c\.csv: no label column "y" \(columns: a, b\)/);
  await assertRejects(loadFileDataset(file('d.csv', '1,2\n3,4\n'), { labelColumn: 5 }), /d\.csv: no label column 5/);
  await assertRejects(loadFileDataset(file('only.csv', 'label\n1\n2\n')), /only\.csv: no column is left to learn from/);
  await assertRejects(loadFileDataset(file('empty.csv', '\n\n')), /empty\.csv: is empty/);
  await assertRejects(loadFileDataset(file('head.csv', 'a,b\n')), /head\.csv: has a header but no data rows/);
  await assertRejects(loadFileDataset(file('quote.csv', 'a,b\n1,"2\n')), /quote\.csv: line \d+: a quoted field is not closed/);
  await assertRejects(loadFileDataset(join(dir, 'none.csv')), /none\.csv: cannot be read \(ENOENT\)/);
  await assertRejects(loadFileDataset(file('x.bin', '1')), /x\.bin: unsupported file type '\.bin'/);
});

s('.npy float32 kept as is, uint8 scaled by 1/255, float64 narrowed; big-endian and version 2 read', async () => {
  const f32 = Float32Array.from([0.5, -2, 3.25, 1e-3, 7, 8]);
  const d = await loadFileDataset(file('f.npy', npy('<f4', [3, 2], f32)));
  assert.equal([d.train.count, d.train.features, d.classes], [3, 2, 0]);
  assert.ok(same(d.train.x, f32));
  const u8 = await loadFileDataset(file('u.npy', npy('|u1', [2, 2], Uint8Array.from([0, 51, 255, 102]))));
  assert.ok(same(u8.train.x, [0, 0.2, 1, 0.4]), `${Array.from(u8.train.x)}`);
  const f64 = await loadFileDataset(file('d.npy', npy('<f8', [1, 3], Float64Array.from([0.1, 2, -3]), { version: 2 })));
  assert.ok(same(f64.train.x, Float32Array.from([0.1, 2, -3])));
  const be = Buffer.alloc(8);
  be.writeFloatBE(1.5, 0);
  be.writeFloatBE(-4, 4);
  assert.ok(same(readNpy(file('be.npy', npy('>f4', [2], new Uint8Array(be)))).data, [1.5, -4]));
});

s('.npy labels from a column or from a separate file (int64, NaN = unlabelled)', async () => {
  const data = Float32Array.from([0.1, 2, 0.2, 0, 0.3, NaN]);
  const col = await loadFileDataset(file('c.npy', npy('<f4', [3, 2], data)), { labelColumn: 1 });
  assert.ok(same(col.train.x, [0.1, 0.2, 0.3]) && same(col.train.labels, [2, 0, NaN]));
  assert.is(col.classes, 3);
  const x = file('x.npy', npy('|u1', [3, 1], Uint8Array.from([1, 2, 3])));
  const labels = await loadFileDataset(x, { labelsPath: file('y.npy', npy('<i8', [3], BigInt64Array.from([4n, 0n, 1n]))) });
  assert.ok(same(labels.train.labels, [4, 0, 1]) && labels.classes === 5);
  const column = await loadFileDataset(x, { labelsPath: file('y2.npy', npy('<f4', [3, 1], Float32Array.from([NaN, 1, NaN]))) });
  assert.ok(same(column.train.labels, [NaN, 1, NaN]));
  await assertRejects(loadFileDataset(x, { labelsPath: file('y3.npy', npy('<i4', [2], Int32Array.from([1, 2]))) }), /y3\.npy: 2 labels for the 3 rows of .*x\.npy/);
  await assertRejects(loadFileDataset(x, { labelsPath: file('y4.npy', npy('<i4', [3], Int32Array.from([1, -1, 2]))) }), /y4\.npy: row 1: label -1 is not an integer >= 0/);
  await assertRejects(loadFileDataset(x, { labelsPath: file('y5.npy', npy('<f4', [3], Float32Array.from([1, 0.5, 2]))) }), /y5\.npy: row 1: label 0\.5/);
  await assertRejects(loadFileDataset(x, { labelsPath: join(dir, 'y.csv') }), /y\.csv: a labels file must be \.npy/);
  await assertRejects(loadFileDataset(x, { labelColumn: 0, labelsPath: join(dir, 'y.npy') }), /not both/);
  await assertRejects(loadFileDataset(x, { labelColumn: 'label' }), /x\.npy: a \.npy label column is a 0-based index/);
});

s('.npy errors: bad magic, unsupported dtype, Fortran order, truncated, wrong rank', async () => {
  await assertRejects(loadFileDataset(file('m.npy', 'PK\x03\x04 not numpy')), /m\.npy: not a \.npy file \(bad magic\)/);
  await assertRejects(loadFileDataset(file('h.npy', npy('<f2', [1, 2], Uint16Array.from([0, 0])))), /h\.npy: unsupported dtype '<f2'/);
  await assertRejects(loadFileDataset(file('s.npy', npy('<U3', [1, 1], new Uint8Array(12)))), /s\.npy: unsupported dtype '<U3'/);
  await assertRejects(loadFileDataset(file('i.npy', npy('<i4', [1, 2], Int32Array.from([1, 2])))), /i\.npy: features of dtype int32 are not supported/);
  await assertRejects(loadFileDataset(file('fo.npy', npy('<f4', [2, 2], new Float32Array(4), { fortran: true }))), /fo\.npy: Fortran-order arrays are not supported/);
  const whole = npy('<f4', [4, 3], new Float32Array(12));
  await assertRejects(loadFileDataset(file('t.npy', whole.subarray(0, whole.length - 5))), /t\.npy: header says shape \(4, 3\) of float32 = 48 bytes of data, file has 43 \(truncated\)/);
  await assertRejects(loadFileDataset(file('th.npy', whole.subarray(0, 30))), /th\.npy: truncated \.npy header/);
  await assertRejects(loadFileDataset(file('long.npy', Buffer.concat([whole, Buffer.alloc(4)]))), /long\.npy: .*file has 52$/);
  await assertRejects(loadFileDataset(file('r.npy', npy('<f4', [2, 2, 2], new Float32Array(8)))), /r\.npy: expected a 2-D array \(rows, features\), got shape \(2, 2, 2\)/);
  assertThrows(() => readNpy(file('big.npy', npy('<i8', [1], BigInt64Array.from([2n ** 60n])))), /big\.npy: element 0 \(1152921504606846976\) is beyond 2\^53/);
});

s('writeNpy writes what NumPy would, whole, and readNpy reads it back', async () => {
  const data = Float32Array.from({ length: 12 }, (_, i) => i / 3 - 1);
  const path = join(dir, 'codes.npy');
  writeNpy(path, data, [4, 3]);
  const bytes = readFileSync(path);
  assert.ok(bytes.equals(npy('<f4', [4, 3], data)), 'same bytes as the hand-built file');
  assert.is((bytes.readUInt16LE(8) + 10) % 64, 0);
  const back = readNpy(path);
  assert.equal([back.dtype, back.shape], ['float32', [4, 3]]);
  assert.ok(same(back.data, data));
  assertThrows(() => writeNpy(path, data, [5, 3]), /shape \(5, 3\) does not hold 12 values/);
  assert.not.ok(readdirSync(dir).some((f) => f.includes('.tmp')));
  const viaLoad = await loadDataset(path);
  assert.equal([viaLoad.train.count, viaLoad.train.features], [4, 3]);
});

s.run();
