// Users' tables: the reader (delimiters given or detected, quotes, BOM, CRLF, gzip, .tsv; a ragged row or an open
// quote is an Error naming file and line) and the schema fitted on training rows (column types, scaling checked
// against float64, classes in order) applied to later files (one-hot, missing entries, reordered columns; an
// unseen category, a missing column, an unknown label, a non-number are Errors naming file, line and column).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readTable, detectDelimiter } from '../../dist/src/data/table.js';
import { compressTail, csvText, decodeRows, encodeTable, encodedLayout, expandTail, fitSchema, tableLikelihood } from '../../dist/src/data/schema.js';
import { assertClose } from '../helpers.js';

const s = suite('data: tables and their schema');
let dir;
s.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'semigen-table-'));
});
s.after(() => rmSync(dir, { recursive: true, force: true }));

const file = (name, text) => {
  const path = join(dir, name);
  writeFileSync(path, name.endsWith('.gz') ? gzipSync(text) : text);
  return path;
};

async function rejects(promise, pattern) {
  let error = null;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof Error, `expected an Error matching ${pattern}`);
  assert.match(error.message, pattern);
}

const EXPECTED = { columns: ['a', 'b c', 'label'], rows: [['1', 'x;y', 'yes'], ['2', 'q "z"', 'no']] };

s('reads comma, semicolon, tab and bar tables, quoted delimiters, a BOM, CRLF, blank lines, gzip and .tsv', async () => {
  const cases = [
    ['comma.csv', 'a,b c,label\n1,"x;y",yes\n2,"q ""z""",no\n'],
    ['semi.csv', '\uFEFFa;b c;label\r\n1;"x;y";yes\r\n\r\n2;"q ""z""";no\r\n'],
    ['tabs.tsv', 'a\tb c\tlabel\n1\tx;y\tyes\n2\t"q ""z"""\tno\n'],
    ['bars.txt', 'a|b c|label\n1|x;y|yes\n2|"q ""z"""|no\n'],
    ['zipped.csv.gz', 'a,b c,label\n1,"x;y",yes\n2,"q ""z""",no\n'],
  ];
  for (const [name, text] of cases) {
    const t = await readTable(file(name, text));
    assert.equal({ columns: t.columns, rows: t.rows }, EXPECTED, name);
  }
  assert.equal(Array.from((await readTable(file('lines.csv', 'a,b\n1,2\n\n3,4\n'))).lines), [2, 4]);
  const given = await readTable(file('given.csv', 'a;b,c\n1;2,3\n'), { delimiter: ',' });
  assert.equal(given.columns, ['a;b', 'c']);
  assert.is(detectDelimiter('"a,b";c;d'), ';');
});

s('a ragged row, an open quote, a bad header and a missing file are Errors naming file and line', async () => {
  await rejects(readTable(file('ragged.csv', 'a,b,c\n1,2,3\n4,5\n')), /ragged\.csv: line 3: 2 fields where the header has 3/);
  await rejects(readTable(file('open.csv', 'a,b\n1,"2\n3,4\n')), /open\.csv: line \d+: a quoted field is not closed/);
  await rejects(readTable(file('twice.csv', 'a,a\n1,2\n')), /twice\.csv: line 1: two columns are named 'a'/);
  await rejects(readTable(file('header.csv', 'a,b\n')), /header\.csv: has a header but no data rows/);
  await rejects(readTable(file('empty.csv', '')), /empty\.csv: is empty/);
  await rejects(readTable(join(dir, 'nothing.csv')), /nothing\.csv: cannot be read \(ENOENT\)/);
});

const TRAIN = [
  'id,height,smoker,colour,constant,note,class',
  ...Array.from({ length: 24 }, (_, i) =>
    `${i + 1},${(150 + ((i * 37) % 41)).toFixed(1)},${i % 3 === 0 ? 'yes' : 'no'},${['red', 'green', 'blue'][i % 3]},7,` +
    `${i === 5 ? 'NA' : `n${i}`},${i % 4 === 0 ? 'B' : i % 5 === 0 ? '' : 'A'}`),
].join('\n');

s('the schema: column types, identifier-like and constant columns left out with a warning, classes in order', async () => {
  const table = await readTable(file('train.csv', TRAIN));
  const warnings = [];
  const schema = fitSchema(table, { onWarning: (m) => warnings.push(m) });
  assert.equal(schema.columns.map((c) => [c.name, c.type]), [
    ['id', 'ignored'], ['height', 'numeric'], ['smoker', 'binary'], ['colour', 'categorical'], ['constant', 'ignored'], ['note', 'ignored'],
  ]);
  assert.equal(warnings.length, 1, 'one line, however many columns are left out');
  assert.match(warnings[0], /train\.csv: 3 columns left out: 'id' \(its values count up row by row, like an identifier\), 'constant' \(every cell is '7'\), 'note' \(every row has its own value/);
  assert.equal(schema.label, { name: 'class', classes: ['A', 'B'] });
  assert.equal(schema.columns[3].categories, ['blue', 'green', 'red']);
  assert.equal(schema.columns[2].values, ['no', 'yes']);
  // standardised with the float64 mean and population standard deviation of the training rows
  const h = table.rows.map((r) => Number(r[1]));
  const mean = h.reduce((a, v) => a + v, 0) / h.length;
  const std = Math.sqrt(h.reduce((a, v) => a + (v - mean) ** 2, 0) / h.length);
  assertClose([schema.columns[1].center, schema.columns[1].scale], [mean, std], { atol: 0, rtol: 1e-12 });
  // robust: median and IQR / 1.349 (linear interpolation between order statistics)
  const robust = fitSchema(table, { scaling: 'robust' }).columns[1];
  const sorted = [...h].sort((a, b) => a - b);
  const q = (p) => { const at = (sorted.length - 1) * p; const lo = Math.floor(at); return sorted[lo] + (sorted[lo + 1] - sorted[lo]) * (at - lo); };
  assertClose([robust.center, robust.scale], [q(0.5), (q(0.75) - q(0.25)) / 1.349], { atol: 0, rtol: 1e-12 });
  const numericLabels = fitSchema(await readTable(file('nl.csv', 'x,label\n1,10\n2,9\n3,10\n4,100\n')));
  assert.equal(numericLabels.label.classes, ['9', '10', '100']);
});

s('encoding: scaled numbers, 0/1, one-hot, NaN for missing entries, class indices; columns matched by name', async () => {
  const schema = fitSchema(await readTable(file('train2.csv', TRAIN)));
  const height = schema.columns[1];
  const later = await readTable(file('later.csv', 'class,colour,smoker,height,id\nB,green,yes,160,99\n,?,,NA,100\nA,red,no,151.5,101\n'));
  const { x, labels, features, count } = encodeTable(schema, later);
  assert.equal([features, count], [5, 3]);
  assert.equal(encodedLayout(schema).families.map((f) => [f.kind, f.start, f.end]), [['gaussian', 0, 1], ['bernoulli', 1, 2], ['categorical', 2, 5]]);
  const z = (v) => (v - height.center) / height.scale;
  assertClose(Array.from(x.subarray(0, 5)), [z(160), 1, 0, 1, 0], { atol: 1e-6, rtol: 1e-6 });
  assert.ok(Array.from(x.subarray(5, 10)).every(Number.isNaN), 'a missing row is NaN in every encoded column');
  assertClose(Array.from(x.subarray(10, 15)), [z(151.5), 0, 0, 0, 1], { atol: 1e-6, rtol: 1e-6 });
  assert.equal([labels[0], labels[2]], [1, 0]);
  assert.ok(Number.isNaN(labels[1]), 'an empty label is an unlabelled row');
});

s('an unseen category, a missing column, an unknown label and a non-number are Errors naming file, line, column', async () => {
  const schema = fitSchema(await readTable(file('train3.csv', TRAIN)));
  const bad = async (name, text, pattern, options) => {
    const t = await readTable(file(name, text));
    assert.throws(() => encodeTable(schema, t, options), pattern);
  };
  await bad('unseen.csv', 'height,smoker,colour,class\n150,no,red,A\n151,no,purple,A\n', /unseen\.csv: line 3, column 'colour': 'purple' was not among the training rows' values \(blue, green, red\)/);
  const lenient = encodeTable(schema, await readTable(file('unseen2.csv', 'height,smoker,colour\n151,no,purple\n')), { unseen: 'missing' });
  assert.ok([2, 3, 4].every((k) => Number.isNaN(lenient.x[k])), "with unseen: 'missing' it is a missing entry");
  await bad('nocol.csv', 'height,smoker,class\n150,no,A\n', /nocol\.csv: has no column 'colour', which the run's schema uses/);
  await bad('label.csv', 'height,smoker,colour,class\n150,no,red,C\n', /label\.csv: line 2, column 'class': label 'C' is no class of the training rows \(A, B\)/);
  await bad('nan.csv', 'height,smoker,colour\n15O,no,red\n', /nan\.csv: line 2, column 'height': '15O' is not a number/);
  const mostlyNumbers = ['v,class', ...Array.from({ length: 30 }, (_, i) => `${i === 17 ? 'oops' : i * 1.5},A`)].join('\n');
  assert.throws(() => fitSchema(readTableSync(mostlyNumbers)), /line 19, column 'v': 'oops' is not a number, in a column of numbers/);
});

s('numbers all in [0, 1] are kept as they are (Bernoulli); whole numbers are marked; the likelihood follows the columns', async () => {
  const t = await readTable(file('unit.csv', 'p,q,n,label\n0,0.25,3,a\n1,0.5,5,b\n0.5,1,4,a\n'));
  const schema = fitSchema(t);
  assert.equal(schema.columns.map((c) => c.type), ['unit', 'unit', 'numeric']);
  assert.is(schema.columns[2].integer, true);
  assert.is(fitSchema(await readTable(file('frac.csv', 'v\n1.5\n2\n3\n'))).columns[0].integer, false);
  const { x } = encodeTable(schema, t);
  assertClose(Array.from(x.subarray(0, 2)), [0, 0.25], { atol: 0, rtol: 0 });
  assert.equal(tableLikelihood(fitSchema(await readTable(file('px.csv', 'a,b\n0.1,0\n0.7,1\n0.2,1\n')))), { kind: 'bernoulli' });
  assert.equal(tableLikelihood(fitSchema(await readTable(file('num.csv', 'a,b\n1,5\n7,2\n3,9\n')))), { kind: 'gaussian', variance: 'learned' });
  assert.equal(tableLikelihood(schema), { kind: 'mixed', families: [{ kind: 'bernoulli', start: 0, end: 1 }, { kind: 'bernoulli', start: 1, end: 2 },
    { kind: 'gaussian', start: 2, end: 3 }] });
  const headed = await readTable(file('nohead.csv', '1,2.5,x\n3,4,y\n'));
  assert.equal(headed.columns, ['1', '2.5', 'x'], 'a first line with any text in it is the header');
  const numeric = await readTable(file('nums.csv', '1,2.5,3\n3,4,5\n'));
  assert.equal([numeric.columns, numeric.rows.length, Array.from(numeric.lines)], [['0', '1', '2'], 2, [1, 2]]);
});

s("decodeRows gives a model's outputs back as the table's cells: numbers unscaled, the likeliest or a drawn category", async () => {
  const schema = fitSchema(await readTable(file('train4.csv', TRAIN)));
  const height = schema.columns[1];
  // [height (scaled), smoker p(yes), colour probabilities blue/green/red]
  const out = Float32Array.from([1.5, 0.9, 0.1, 0.2, 0.7, -0.25, 0.2, 0.6, 0.3, 0.1, NaN, NaN, NaN, NaN, NaN]);
  const mode = decodeRows(schema, out, 3);
  assert.equal(mode.columns, ['height', 'smoker', 'colour']);
  assert.ok(height.integer, 'the heights were written as whole numbers (150.0, ...)');
  assert.equal(mode.rows[0], [String(Math.round(height.center + 1.5 * height.scale)), 'yes', 'red']);
  assert.equal(mode.rows[1].slice(1), ['no', 'blue']);
  assert.equal(mode.rows[2], ['', '', ''], 'NaN outputs are empty cells');
  // draws: u = 0.95 > p(yes) = 0.9 gives 'no'; u = 0.25 falls in green's share (0.1 + 0.2 of 1.0) of the colours
  const us = [0.95, 0.25];
  const drawn = decodeRows(schema, out.subarray(0, 5), 1, () => us.shift());
  assert.equal(drawn.rows[0].slice(1), ['no', 'green']);
  const ints = fitSchema(await readTable(file('ints.csv', 'n,m\n1,2\n4,3\n7,9\n')));
  assert.equal(decodeRows(ints, Float32Array.from([0.123, -0.5]), 1).rows[0].map(Number).every(Number.isInteger), true, 'a column of whole numbers decodes to whole numbers');
  assert.throws(() => decodeRows(schema, out, 2), /15 values are not 2 rows of 5/);
  assert.is(csvText(['a', 'b c'], [['x,y', 'say "hi"'], [' pad', '1']]), 'a,b c\n"x,y","say ""hi"""\n" pad",1\n');
});

s('heavy tails: scaled values beyond ±3 grow logarithmically, and decode back to the numbers they were', async () => {
  // float64 reference: identity within ±3, sign(z) (3 + ln(1 + |z| - 3)) beyond
  for (const z of [0, 1.5, -2.999, 3, 3.5, -7, 100, -1e6]) {
    const want = Math.abs(z) <= 3 ? z : Math.sign(z) * (3 + Math.log(1 + Math.abs(z) - 3));
    assertClose([compressTail(z, 3)], [want], { atol: 1e-12, rtol: 1e-12, what: `z ${z}` });
    assertClose([expandTail(compressTail(z, 3), 3)], [z], { atol: 1e-9, rtol: 1e-12, what: `round trip ${z}` });
    assert.is(compressTail(z, null), z);
  }
  // one huge value among many small ones: 300 standard deviations away is encoded near 8.7, not 300
  const lines = ['v,w', ...Array.from({ length: 99 }, (_, i) => `${i % 5},${i}`), '100000,5'];
  const t = await readTable(file('tail.csv', lines.join('\n')));
  const schema = fitSchema(t);
  const v = schema.columns[0];
  assert.is(v.tail, 3);
  const z = (100000 - v.center) / v.scale;
  const { x } = encodeTable(schema, t);
  assertClose([x[99 * 2]], [3 + Math.log(1 + z - 3)], { atol: 1e-5, rtol: 1e-6 });
  assert.ok(x[99 * 2] < 10, `encoded ${x[99 * 2]}`);
  assert.equal(decodeRows(schema, x.subarray(99 * 2, 100 * 2), 1).rows[0], ['100000', '5']);
  assert.is(fitSchema(t, { tail: null }).columns[0].tail, null);
  assert.throws(() => fitSchema(t, { tail: 0 }), /tail must be a positive number or null, got 0/);
});

/** A table from text without a file, for fitSchema's own errors. */
function readTableSync(text) {
  const [head, ...rest] = text.split('\n');
  return { path: 'inline.csv', columns: head.split(','), rows: rest.map((l) => l.split(',')), lines: Int32Array.from(rest, (_, i) => i + 2) };
}

s.run();
