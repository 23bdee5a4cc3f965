// The safetensors reader and writer: round trips of every array type, the layout the format's spec asks for (header
// padded with spaces to 8 bytes, offsets relative to the data, in order, no holes), and an Error naming the file for
// each kind of broken file: truncated, header length past the end, bad JSON, offsets out of range, overlapping or
// leaving holes, unknown dtype, shape that disagrees with the byte count.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  encodeSafetensors, decodeSafetensors, readSafetensors, writeSafetensors,
} from '../../dist/src/train/safetensors.js';
import { assertThrows } from '../helpers.js';

const s = suite('train: safetensors');
const dir = mkdtempSync(join(tmpdir(), 'semigen-st-'));
s.after(() => rmSync(dir, { recursive: true, force: true }));

const bytesOf = (pieces) => Buffer.concat(pieces.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));

/** A file built by hand: header object as given (not re-checked), then `data` bytes. */
function handMade(header, data = Buffer.alloc(0), { pad = true } = {}) {
  let json = Buffer.from(JSON.stringify(header));
  if (pad && json.length % 8) json = Buffer.concat([json, Buffer.alloc(8 - (json.length % 8), 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

s('round trip of F32, F64, I32, U8, I64 and empty tensors with metadata', () => {
  const tensors = {
    'w.0': { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, NaN, Infinity, -0]) },
    d: { shape: [2], data: Float64Array.from([Math.PI, -1e300]) },
    perm: { shape: [4], data: Int32Array.from([3, 0, 2, -1]) },
    bytes: { shape: [3], data: Uint8Array.from([1, 2, 255]) },
    big: { shape: [1], data: BigInt64Array.from([-(2n ** 62n)]) },
    empty: { shape: [0, 5], data: new Float32Array(0) },
  };
  const bytes = bytesOf(encodeSafetensors(tensors, { config: '{"a":1}', step: '7' }));
  const { tensors: back, metadata } = decodeSafetensors(bytes, 'mem');
  assert.equal(metadata, { config: '{"a":1}', step: '7' });
  assert.is(back.size, 6);
  for (const [name, t] of Object.entries(tensors)) {
    const b = back.get(name);
    assert.equal(b.shape, t.shape, name);
    assert.is(b.data.constructor, t.data.constructor, name);
    assert.equal(Array.from(b.data).map(String), Array.from(t.data).map(String), name);
  }
  assert.is(back.get('w.0').dtype, 'F32');
  assert.is(back.get('perm').dtype, 'I32');
  assert.is(back.get('big').dtype, 'I64');
});

s('layout follows the spec: padded JSON header, ordered contiguous offsets, aligned tensors', () => {
  const bytes = bytesOf(encodeSafetensors({
    a: { shape: [3], data: Uint8Array.from([1, 2, 3]) },
    b: { shape: [2], data: Float32Array.from([1, 2]) },
    c: { shape: [1], data: Float64Array.from([5]) },
    d: { shape: [1], data: Int32Array.from([9]) },
  }, { note: 'x' }));
  const n = Number(bytes.readBigUInt64LE(0));
  assert.is(n % 8, 0, 'header length is a multiple of 8');
  const text = bytes.subarray(8, 8 + n).toString('utf8');
  assert.is(text[0], '{');
  assert.ok(/^[^ ]*\}\s*$/.test(text.trimEnd() + ' '), 'only spaces after the JSON');
  const header = JSON.parse(text);
  assert.equal(header.__metadata__, { note: 'x' });
  const spans = Object.entries(header).filter(([k]) => k !== '__metadata__')
    .map(([k, v]) => ({ k, ...v })).sort((x, y) => x.data_offsets[0] - y.data_offsets[0]);
  let end = 0;
  for (const t of spans) {
    assert.is(t.data_offsets[0], end, `${t.k} starts where the previous tensor ends`);
    const size = { F64: 8, F32: 4, I32: 4, U8: 1 }[t.dtype];
    assert.is(t.data_offsets[0] % size, 0, `${t.k} is aligned`);
    end = t.data_offsets[1];
  }
  assert.is(end, bytes.length - 8 - n, 'the tensors cover the data exactly');
  assert.equal(Array.from(bytes.subarray(8 + n + header.c.data_offsets[0], 8 + n + header.c.data_offsets[1])),
    Array.from(new Uint8Array(Float64Array.from([5]).buffer)), 'raw little-endian bytes');
});

s('writes atomically and reads back from disk; no temp file is left', () => {
  const path = join(dir, 'a.safetensors');
  writeSafetensors(path, { x: { shape: [2], data: Float32Array.from([1, 2]) } }, { k: 'v' });
  writeSafetensors(path, { x: { shape: [3], data: Float32Array.from([4, 5, 6]) } }, { k: 'w' });
  const { tensors, metadata } = readSafetensors(path);
  assert.equal(Array.from(tensors.get('x').data), [4, 5, 6]);
  assert.is(metadata.k, 'w');
  assert.equal(readdirSync(dir).filter((f) => f.startsWith('a.safetensors')), ['a.safetensors']);
});

s('refuses bad input to the writer', () => {
  assertThrows(() => encodeSafetensors({ x: { shape: [2, 2], data: new Float32Array(3) } }), /'x'/, /shape \[2, 2\]/);
  assertThrows(() => encodeSafetensors({ x: { shape: [1], data: [1] } }), /typed array/);
  assertThrows(() => encodeSafetensors({}, { k: 5 }), /metadata 'k'/);
});

s('every kind of broken file is an Error naming the file and the problem', () => {
  const good = bytesOf(encodeSafetensors({ x: { shape: [4], data: Float32Array.from([1, 2, 3, 4]) } }, { a: 'b' }));
  const cases = [
    ['truncated data', good.subarray(0, good.length - 3), /data_offsets \[0, 16\] are out of range/],
    ['truncated header', good.subarray(0, 20), /header length \d+ runs past the end/],
    ['shorter than 8 bytes', good.subarray(0, 5), /shorter than the 8-byte header length/],
    ['empty', Buffer.alloc(0), /0 bytes/],
    ['header length huge', (() => { const b = Buffer.from(good); b.writeBigUInt64LE(2n ** 60n); return b; })(), /runs past the end/],
    ['bad JSON', handMade({}, Buffer.alloc(0)).fill(0x7b, 8, 9).fill(0x7b, 9, 10), /not UTF-8 JSON/],
    ['not an object', handMade([1, 2]), /not a JSON object/],
    ['unknown dtype', handMade({ x: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, Buffer.alloc(4)), /unknown dtype "F33"/],
    ['shape vs bytes', handMade({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, Buffer.alloc(4)), /needs 8 bytes, its data_offsets hold 4/],
    ['offsets reversed', handMade({ x: { dtype: 'U8', shape: [0], data_offsets: [4, 2] } }, Buffer.alloc(4)), /out of range/],
    ['offsets past the data', handMade({ x: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, Buffer.alloc(4)), /out of range/],
    ['overlap', handMade({
      x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, y: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
    }, Buffer.alloc(8)), /overlaps/],
    ['hole', handMade({ x: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, Buffer.alloc(8)), /bytes 0..4 of the data belong to no tensor/],
    ['trailing bytes', handMade({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, Buffer.alloc(8)), /last 4 data bytes belong to no tensor/],
    ['bad shape', handMade({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, Buffer.alloc(4)), /bad shape/],
    ['bad offsets', handMade({ x: { dtype: 'F32', shape: [1], data_offsets: [0] } }, Buffer.alloc(4)), /bad data_offsets/],
    ['metadata not strings', handMade({ __metadata__: { a: 1 } }), /__metadata__ 'a' is not a string/],
    ['inherited name as dtype', handMade({ x: { dtype: 'toString', shape: [1], data_offsets: [0, 4] } }, Buffer.alloc(4)), /unknown dtype/],
  ];
  for (const [what, bytes, pattern] of cases) {
    const path = join(dir, `${what.replace(/ /g, '-')}.safetensors`);
    writeFileSync(path, bytes);
    const e = assertThrows(() => readSafetensors(path), pattern);
    assert.ok(e.message.startsWith(`${path}: `), `${what}: "${e.message}" names the file`);
  }
  assertThrows(() => readSafetensors(join(dir, 'missing.safetensors')), /missing\.safetensors: cannot be read \(ENOENT\)/);
});

s('every prefix of a valid file is refused (no crash, no partial result)', () => {
  const good = bytesOf(encodeSafetensors({
    a: { shape: [3], data: Float32Array.from([1, 2, 3]) }, b: { shape: [2], data: Int32Array.from([4, 5]) },
  }, { m: 'x' }));
  for (let n = 0; n < good.length; n++) assertThrows(() => decodeSafetensors(good.subarray(0, n), 'cut'), /^cut: not a valid safetensors file/);
  assert.is(decodeSafetensors(good, 'whole').tensors.size, 2);
});

s('reads a file written by hand the way other writers lay it out (unpadded header, any key order)', () => {
  const data = Buffer.concat([Buffer.from(Int32Array.from([7]).buffer), Buffer.from(Float32Array.from([0.5, 1.5]).buffer)]);
  const bytes = handMade({
    __metadata__: { format: 'pt' },
    y: { dtype: 'F32', shape: [1, 2], data_offsets: [4, 12] }, x: { dtype: 'I32', shape: [], data_offsets: [0, 4] },
  }, data, { pad: false });
  const path = join(dir, 'foreign.safetensors');
  writeFileSync(path, bytes);
  const { tensors } = readSafetensors(path);
  assert.equal(Array.from(tensors.get('y').data), [0.5, 1.5]);
  assert.equal(tensors.get('x').shape, []);
  assert.equal(Array.from(tensors.get('x').data), [7]);
  assert.ok(readFileSync(path).length === bytes.length);
});

// The checks the reference reader makes (safetensors' Metadata::validate: offsets start at 0, follow each other, cover
// the buffer, sizes match dtype x shape), then the tensors rebuilt with torch.frombuffer as PyTorch would hold them.
const TORCH_READER = `
import json, struct, sys, torch
raw = open(sys.argv[1], 'rb').read()
(n,) = struct.unpack('<Q', raw[:8])
assert n <= 100_000_000 and 8 + n <= len(raw), 'header length'
text = raw[8:8 + n].decode('utf-8')
assert text.startswith('{'), 'header starts with {'
header = json.loads(text)
meta = header.pop('__metadata__', {})
assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()), 'metadata is a string map'
types = {'F32': (torch.float32, 4), 'F64': (torch.float64, 8), 'I32': (torch.int32, 4), 'U8': (torch.uint8, 1), 'I64': (torch.int64, 8)}
data = raw[8 + n:]
start = 0
out = {}
for name, info in sorted(header.items(), key=lambda kv: kv[1]['data_offsets']):
    s, e = info['data_offsets']
    assert s == start and e >= s, 'offsets of ' + name
    start = e
    dtype, size = types[info['dtype']]
    count = 1
    for d in info['shape']:
        count *= d
    assert e - s == count * size, 'size of ' + name
    t = torch.frombuffer(bytearray(data[s:e]), dtype=dtype).reshape(info['shape']) if count else torch.zeros(info['shape'], dtype=dtype)
    out[name] = [list(t.shape), float(t.double().sum())]
assert start == len(data), 'the tensors cover the buffer'
print(json.dumps({'tensors': out, 'metadata': meta}))
`;

s('PyTorch reads our files: the reference reader\'s checks pass and torch rebuilds every tensor', () => {
  // Debian's python3-torch lives under /usr/bin/python3 (as the anchors use it); another python3 may lack torch
  const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import torch']).status === 0);
  if (python === undefined) {
    console.log('  skipped: no python3 with torch');
    return;
  }
  const tensors = {
    'model.encoder.layers.0.weight': { shape: [3, 5], data: Float32Array.from({ length: 15 }, (_, i) => i / 7 - 1) },
    'model.bias': { shape: [5], data: Float32Array.from([1, 2, 3, 4, 5]) },
    'batches.order': { shape: [6], data: Int32Array.from([5, 3, 1, 0, 2, 4]) },
    flags: { shape: [3], data: Uint8Array.from([1, 0, 1]) },
    d: { shape: [1, 1], data: Float64Array.from([0.1]) },
    empty: { shape: [0], data: new Float32Array(0) },
  };
  const path = join(dir, 'torch.safetensors');
  writeSafetensors(path, tensors, { format: 'semigen-checkpoint/1', config: '{"seed": 3}' });
  const run = spawnSync(python, ['-c', TORCH_READER, path], { encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  const read = JSON.parse(run.stdout);
  assert.equal(read.metadata, { format: 'semigen-checkpoint/1', config: '{"seed": 3}' });
  for (const [name, t] of Object.entries(tensors)) {
    const [shape, total] = read.tensors[name];
    assert.equal(shape, t.shape, name);
    const expected = Array.from(t.data).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - expected) < 1e-6 * (1 + Math.abs(expected)), `${name}: sum ${total} vs ${expected}`);
  }
});

s.run();
