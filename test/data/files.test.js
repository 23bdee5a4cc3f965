// Users' own files: CSV (header or not, label column by name or index, empty cells) and .npy (float32,
// float64, uint8 scaled by 1/255, labels by column or a separate file), and a clear error for each way a file
// can be wrong. The .npy bytes are built here by hand, independently of writeNpy.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, rmSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadFileDataset, loadDataset } from '../../dist/src/data/load.js';
import { readNpy, writeNpy } from '../../dist/src/data/npy.js';
import { assertThrows } from '../helpers.js';

const s = suite('data: files');
const dir = mkdtempSync(join(tmpdir(), 'semigen-files-'));
s.after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name, content) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const same = (a, b) => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]) || Math.abs(v - b[i]) < 1e-6);

/** A .npy file: descr like '<f4', a shape, the raw data bytes; version 1 or 2. */
function npy(descr, shape, data, { fortran = false, version = 1 } = {}) {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${dims}), }`;
  const pre = version === 1 ? 10 : 12;
  header += ' '.repeat(63 - ((pre + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(pre);
  Buffer.from('\x93NUMPY', 'latin1').copy(prefix);
  prefix[6] = version;
  if (version === 1) prefix.writeUInt16LE(header.length, 8);
  else prefix.writeUInt32LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

s('CSV with a header: the label column found by name, empty label = unlabelled, empty feature = NaN', () => {
  const path = file('a.csv', 'x1,label,x2\r\n0.5,1,2\n-1e-3,,3\n,0,4.25\n\n');
  const d = loadFileDataset(path);
  assert.is(d.name, path);
  assert.is(d.test, null);
  assert.is(d.classes, 2);
  assert.equal([d.train.count, d.train.features], [3, 2]);
  assert.ok(same(d.train.x, [0.5, 2, -1e-3, 3, NaN, 4.25]), `x ${Array.from(d.train.x)}`);
  assert.ok(same(d.train.labels, [1, NaN, 0]), `labels ${Array.from(d.train.labels)}`);
  const byName = loadFileDataset(file('a2.csv', 'x1,label,x2\n0.5,1,2\n-1e-3,,3\n'), { labelColumn: 'x2' });
  assert.ok(same(byName.train.labels, [2, 3]) && same(byName.train.x, [0.5, 1, -1e-3, NaN]));
});

s('CSV without a header: no labels by default, or a label column by index; quoted cells', () => {
  const path = file('b.csv', '1,2,3\n4,5,6\n');
  const plain = loadFileDataset(path);
  assert.equal([plain.train.count, plain.train.features, plain.classes], [2, 3, 0]);
  assert.ok(plain.train.labels.every(Number.isNaN));
  const indexed = loadFileDataset(path, { labelColumn: 2 });
  assert.ok(same(indexed.train.labels, [3, 6]) && same(indexed.train.x, [1, 2, 4, 5]));
  assert.is(loadFileDataset(path, { labelColumn: '0' }).train.labels[1], 4);
  const quoted = loadFileDataset(file('q.csv', '"a","label"\n" 7","2"\n'));
  assert.ok(same(quoted.train.x, [7]) && same(quoted.train.labels, [2]));
});

s('CSV errors name the file, the line and the column', () => {
  assertThrows(() => loadFileDataset(file('ragged.csv', 'a,b,label\n1,2,0\n3,4\n')), /ragged\.csv: line 3 has 2 fields, expected 3/);
  assertThrows(() => loadFileDataset(file('text.csv', 'a,b\n1,2\n3,x7\n')), /text\.csv: line 3, column 2 \(b\): 'x7' is not a number/);
  assertThrows(() => loadFileDataset(file('inf.csv', '1,2\n3,1e999\n')), /inf\.csv: line 2, column 2: '1e999' is not a finite number/);
  assertThrows(() => loadFileDataset(file('hex.csv', '1,2\n1,0x10\n')), /hex\.csv: line 2, column 2: '0x10' is not a number/);
  assertThrows(() => loadFileDataset(file('frac.csv', 'a,label\n1,2.5\n')), /frac\.csv: line 2, column 2 \(label\): label 2\.5 is not an integer >= 0/);
  assertThrows(() => loadFileDataset(file('neg.csv', 'a,label\n1,-1\n')), /neg\.csv: line 2, column 2 \(label\): label -1 is not an integer >= 0/);
  assertThrows(() => loadFileDataset(file('c.csv', 'a,b\n1,2\n'), { labelColumn: 'y' }), /c\.csv: no label column named 'y' \(columns: a, b\)/);
  assertThrows(() => loadFileDataset(file('d.csv', '1,2\n'), { labelColumn: 5 }), /d\.csv: label column 5 is out of range/);
  assertThrows(() => loadFileDataset(file('only.csv', 'label\n1\n')), /only\.csv: no feature columns/);
  assertThrows(() => loadFileDataset(file('empty.csv', '\n\n')), /empty\.csv: empty file/);
  assertThrows(() => loadFileDataset(file('head.csv', 'a,b\n')), /head\.csv: no data rows/);
  assertThrows(() => loadFileDataset(file('quote.csv', '1,"2\n')), /quote\.csv: line 1: unterminated quoted field/);
  assertThrows(() => loadFileDataset(join(dir, 'none.csv')), /none\.csv: cannot read \(ENOENT\)/);
  assertThrows(() => loadFileDataset(file('x.txt', '1')), /x\.txt: unsupported file type '\.txt'/);
});

s('.npy float32 kept as is, uint8 scaled by 1/255, float64 narrowed; big-endian and version 2 read', () => {
  const f32 = Float32Array.from([0.5, -2, 3.25, 1e-3, 7, 8]);
  const d = loadFileDataset(file('f.npy', npy('<f4', [3, 2], f32)));
  assert.equal([d.train.count, d.train.features, d.classes], [3, 2, 0]);
  assert.ok(same(d.train.x, f32));
  const u8 = loadFileDataset(file('u.npy', npy('|u1', [2, 2], Uint8Array.from([0, 51, 255, 102]))));
  assert.ok(same(u8.train.x, [0, 0.2, 1, 0.4]), `${Array.from(u8.train.x)}`);
  const f64 = loadFileDataset(file('d.npy', npy('<f8', [1, 3], Float64Array.from([0.1, 2, -3]), { version: 2 })));
  assert.ok(same(f64.train.x, Float32Array.from([0.1, 2, -3])));
  const be = Buffer.alloc(8);
  be.writeFloatBE(1.5, 0);
  be.writeFloatBE(-4, 4);
  assert.ok(same(readNpy(file('be.npy', npy('>f4', [2], new Uint8Array(be)))).data, [1.5, -4]));
});

s('.npy labels from a column or from a separate file (int64, NaN = unlabelled)', () => {
  const data = Float32Array.from([0.1, 2, 0.2, 0, 0.3, NaN]);
  const col = loadFileDataset(file('c.npy', npy('<f4', [3, 2], data)), { labelColumn: 1 });
  assert.ok(same(col.train.x, [0.1, 0.2, 0.3]) && same(col.train.labels, [2, 0, NaN]));
  assert.is(col.classes, 3);
  const x = file('x.npy', npy('|u1', [3, 1], Uint8Array.from([1, 2, 3])));
  const labels = loadFileDataset(x, { labelsPath: file('y.npy', npy('<i8', [3], BigInt64Array.from([4n, 0n, 1n]))) });
  assert.ok(same(labels.train.labels, [4, 0, 1]) && labels.classes === 5);
  const column = loadFileDataset(x, { labelsPath: file('y2.npy', npy('<f4', [3, 1], Float32Array.from([NaN, 1, NaN]))) });
  assert.ok(same(column.train.labels, [NaN, 1, NaN]));
  assertThrows(() => loadFileDataset(x, { labelsPath: file('y3.npy', npy('<i4', [2], Int32Array.from([1, 2]))) }), /y3\.npy: 2 labels for the 3 rows of .*x\.npy/);
  assertThrows(() => loadFileDataset(x, { labelsPath: file('y4.npy', npy('<i4', [3], Int32Array.from([1, -1, 2]))) }), /y4\.npy: row 1: label -1 is not an integer >= 0/);
  assertThrows(() => loadFileDataset(x, { labelsPath: file('y5.npy', npy('<f4', [3], Float32Array.from([1, 0.5, 2]))) }), /y5\.npy: row 1: label 0\.5/);
  assertThrows(() => loadFileDataset(x, { labelsPath: join(dir, 'y.csv') }), /y\.csv: a labels file must be \.npy/);
  assertThrows(() => loadFileDataset(x, { labelColumn: 0, labelsPath: join(dir, 'y.npy') }), /not both/);
  assertThrows(() => loadFileDataset(x, { labelColumn: 'label' }), /x\.npy: a \.npy label column is a 0-based index/);
});

s('.npy errors: bad magic, unsupported dtype, Fortran order, truncated, wrong rank', () => {
  assertThrows(() => loadFileDataset(file('m.npy', 'PK\x03\x04 not numpy')), /m\.npy: not a \.npy file \(bad magic\)/);
  assertThrows(() => loadFileDataset(file('h.npy', npy('<f2', [1, 2], Uint16Array.from([0, 0])))), /h\.npy: unsupported dtype '<f2'/);
  assertThrows(() => loadFileDataset(file('s.npy', npy('<U3', [1, 1], new Uint8Array(12)))), /s\.npy: unsupported dtype '<U3'/);
  assertThrows(() => loadFileDataset(file('i.npy', npy('<i4', [1, 2], Int32Array.from([1, 2])))), /i\.npy: features of dtype int32 are not supported/);
  assertThrows(() => loadFileDataset(file('fo.npy', npy('<f4', [2, 2], new Float32Array(4), { fortran: true }))), /fo\.npy: Fortran-order arrays are not supported/);
  const whole = npy('<f4', [4, 3], new Float32Array(12));
  assertThrows(() => loadFileDataset(file('t.npy', whole.subarray(0, whole.length - 5))), /t\.npy: header says shape \(4, 3\) of float32 = 48 bytes of data, file has 43 \(truncated\)/);
  assertThrows(() => loadFileDataset(file('th.npy', whole.subarray(0, 30))), /th\.npy: truncated \.npy header/);
  assertThrows(() => loadFileDataset(file('long.npy', Buffer.concat([whole, Buffer.alloc(4)]))), /long\.npy: .*file has 52$/);
  assertThrows(() => loadFileDataset(file('r.npy', npy('<f4', [2, 2, 2], new Float32Array(8)))), /r\.npy: expected a 2-D array \(rows, features\), got shape \(2, 2, 2\)/);
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
