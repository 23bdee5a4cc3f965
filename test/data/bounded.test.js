// Every file reader refuses, in one bounded line naming the file, what would make it read without end or hold far
// more than the file's own header announces: links to /dev/zero, pipes, folders, gzip data that inflates past what
// it claims, headers of absurd size or depth. A fuzz pass over each reader (truncations, bit flips, oversized
// header fields) checks that every case ends in a correct load or one such line, with Node alive; a child process
// measures the memory a refused input costs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, symlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { readIdx } from '../../dist/src/data/idx.js';
import { readNpy } from '../../dist/src/data/npy.js';
import { readTable } from '../../dist/src/data/table.js';
import { loadFileDataset } from '../../dist/src/data/load.js';
import { readJsonBounded } from '../../dist/src/data/read.js';
import { readSafetensors, encodeSafetensors } from '../../dist/src/train/safetensors.js';
import { readMetrics } from '../../dist/src/train/metrics.js';
import { downloadVerified } from '../../dist/src/data/download.js';
import { createServer } from 'node:http';
import { idxBytes, npyBytes, rng, suiteFolder } from '../helpers.js';

const s = suite('data: bounded reads');
const { dir, file } = suiteFolder(s, 'semigen-bounded-');
const MAX_MESSAGE = 300;

/** Runs a reader (sync or async); returns null when it loads, else the Error's message (anything else thrown fails). */
async function outcome(read) {
  try {
    await read();
    return null;
  } catch (e) {
    assert.instance(e, Error, `threw a non-Error: ${String(e)}`);
    return e.message;
  }
}

/** A refusal as the issue asks: one line, naming the file, of bounded length. */
function assertOneLine(message, path, what) {
  assert.ok(message !== null, `${what}: was accepted`);
  assert.ok(!message.includes('\n'), `${what}: more than one line: ${message.slice(0, 200)}`);
  assert.ok(message.length <= MAX_MESSAGE, `${what}: a message of ${message.length} characters: ${message.slice(0, 200)}`);
  assert.ok(message.includes(path), `${what}: does not name ${path}: ${message}`);
}

/** A float32 .npy of `values`. */
const f32Npy = (shape, values) => npyBytes('<f4', shape, Float32Array.from(values));

function safetensorsBytes() {
  return Buffer.concat(encodeSafetensors({ w: { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }, b: { shape: [3], data: new Float32Array(3) } },
    { format: 'test' }).map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}

/** `members` gzip members of `unit` each: inflates to members * unit.length from a small file. */
function gzipRepeated(first, unit, members) {
  const one = gzipSync(unit, { level: 9 });
  return Buffer.concat([gzipSync(first), ...Array.from({ length: members }, () => one)]);
}

const READERS = {
  idx: (p) => readIdx(p),
  npy: (p) => readNpy(p),
  table: (p) => readTable(p),
  safetensors: (p) => readSafetensors(p),
  json: (p) => readJsonBounded(p, 'a config.json'),
  metrics: (p) => readMetrics(p),
};

s('special files (a link to /dev/zero, a pipe, a folder) are refused by every reader before a byte is read', async () => {
  const zero = join(dir, 'zero');
  symlinkSync('/dev/zero', zero);
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  for (const [name, read] of Object.entries(READERS)) {
    for (const [path, kind] of [[zero, 'a character device'], [fifo, 'a pipe'], [dir, 'a folder']]) {
      const t0 = Date.now();
      const message = await outcome(() => read(path));
      assertOneLine(message, path, `${name} of ${kind}`);
      assert.match(message, kind, `${name}: ${message}`);
      assert.ok(Date.now() - t0 < 2000, `${name} of ${kind} took ${Date.now() - t0} ms`);
    }
  }
  // the data loaders go through the same readers: a table or .npy given as --data
  for (const path of [zero + '.csv', zero + '.npy']) {
    symlinkSync('/dev/zero', path);
    assertOneLine(await outcome(() => loadFileDataset(path)), path, `loadFileDataset(${path})`);
  }
});

s('gzip data that inflates past what it announces is refused at that size, not held whole', async () => {
  // an IDX header of 10 images of 28x28 followed by 64 MiB of zeros
  const idx = file('bomb-idx.gz', gzipRepeated(idxBytes([10, 28, 28], new Uint8Array(10 * 784)), Buffer.alloc(1 << 20), 64));
  const m1 = await outcome(() => readIdx(idx));
  assertOneLine(m1, idx, 'IDX bomb');
  assert.match(m1, /inflates to more than/);
  // a table's text: a header, then rows well past the limit on a table's size
  const rows = Buffer.from('0,1\n'.repeat(1 << 18)); // 1 MiB of rows
  const csv = file('bomb.csv.gz', gzipRepeated(Buffer.from('a,class\n'), rows, 1100));
  const m2 = await outcome(() => readTable(csv));
  assertOneLine(m2, csv, 'table bomb');
  assert.match(m2, /inflates to more than the 1 GiB a table may have/);
  // one endless line (no row end) is refused at the row limit, not parsed to the end
  const line = file('line.csv', Buffer.concat([Buffer.from('a,class\n'), Buffer.alloc(3 << 20, 0x31)]));
  const m3 = await outcome(() => readTable(line));
  assertOneLine(m3, line, 'endless row');
  assert.match(m3, /a row longer than 1 MiB/);
});

s('headers of absurd size, depth or length give one short line', async () => {
  const deep = '['.repeat(5000) + ']'.repeat(5000);
  const st = (json) => {
    const body = Buffer.from(json);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(body.length));
    return Buffer.concat([len, body]);
  };
  const cases = {
    'deep.safetensors': st(`{"x":{"dtype":"F32","shape":${deep},"data_offsets":[0,0]}}`),
    'wide.safetensors': st(`{"x":{"dtype":"F32","shape":[${Array(500000).fill(1).join(',')}],"data_offsets":[0,4]}}`),
    'dtype.safetensors': st(`{"x":{"dtype":"${'F'.repeat(5 << 20)}","shape":[1],"data_offsets":[0,4]}}`),
    'name.safetensors': st(`{"${'n'.repeat(1 << 20)}":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}`),
    'huge-header.safetensors': (() => {
      const b = Buffer.alloc(16);
      b.writeBigUInt64LE(1n << 40n);
      return b;
    })(),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    const path = file(name, bytes);
    const message = await outcome(() => readSafetensors(path));
    assertOneLine(message, path, name);
    assert.not.match(message, /call stack/);
  }
  const npyHeader = file('header.npy', (() => {
    const b = Buffer.alloc(12 + 16);
    Buffer.from('\x93NUMPY', 'latin1').copy(b);
    b[6] = 2;
    b.writeUInt32LE(0xfffffff0, 8);
    return b;
  })());
  assertOneLine(await outcome(() => readNpy(npyHeader)), npyHeader, '.npy header of 4 GiB');
  const npyShape = file('shape.npy', f32Npy([1 << 30, 1 << 30], [1, 2]));
  assertOneLine(await outcome(() => readNpy(npyShape)), npyShape, '.npy claiming 2^60 elements');
});

s('.npy features that are infinite, or float64 beyond float32, are refused as a table refuses them', async () => {
  const inf = file('inf.npy', f32Npy([2, 2], [0, 1, Infinity, 3]));
  const m = await outcome(() => loadFileDataset(inf));
  assertOneLine(m, inf, 'Inf in .npy');
  assert.match(m, /row 1, feature 0 is infinite/);
  // float64 1e300: finite in the file, infinite as float32
  const big = file('big.npy', npyBytes('<f8', [1, 2], Float64Array.from([1e300, 0])));
  assert.match(await outcome(() => loadFileDataset(big)), /row 0, feature 0 is infinite \(or a float64 beyond float32's range\)/);
  // NaN stays a missing value
  const nan = file('nan.npy', f32Npy([2, 2], [0, 1, NaN, 3]));
  assert.is(await outcome(() => loadFileDataset(nan)), null);
});

s('a download that does not end, or sends more than it announced, is cut off and leaves nothing', async () => {
  const server = createServer((req, res) => {
    const announce = req.url === '/announced';
    res.writeHead(200, announce ? {} : {});
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024);
    const pump = () => {
      while (sent < 64 << 20) {
        sent += chunk.length;
        if (!res.write(chunk)) return res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  const dest = join(dir, 'dl', 'endless.gz');
  try {
    const m = await outcome(() => downloadVerified(`http://127.0.0.1:${port}/endless`, dest, '0'.repeat(64), { maxBytes: 1 << 20 }));
    assert.match(m, /the body grew past 1 MiB/);
    assert.ok(!existsSync(dest), 'a partial download was left');
  } finally {
    server.close();
  }
});

s('fuzz: truncations, bit flips and oversized fields of every format end in a load or one bounded line', async () => {
  const g = rng(19);
  const r = () => g.uniform(0, 1);
  const valid = {
    idx: ['f.idx', idxBytes([3, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])],
    'idx.gz': ['f.idx.gz', gzipSync(idxBytes([3, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))],
    npy: ['f.npy', f32Npy([2, 3], [1, 2, 3, 4, 5, 6])],
    table: ['f.csv', Buffer.from('a,b,"c d",class\n1,2.5,x,yes\n,3,"y, z",no\n4,5e3,x,yes\n')],
    'table.gz': ['f.csv.gz', gzipSync(Buffer.from('a;b;class\n1;2;u\n3;4;v\n'))],
    safetensors: ['f.safetensors', safetensorsBytes()],
    json: ['f.json', Buffer.from(JSON.stringify({ model: { kind: 'm2', hidden: [500, 500] }, data: { name: 'x', rows: 10 }, seed: 1 }))],
    metrics: ['f.jsonl', Buffer.from('{"step":1,"epoch":0,"loss":1.5}\n{"step":2,"epoch":1,"test_error":0.25}\n')],
  };
  const readerOf = (kind) => READERS[kind.replace('.gz', '')];
  let cases = 0;
  const t0 = Date.now();
  for (const [kind, [name, bytes]] of Object.entries(valid)) {
    const read = readerOf(kind);
    const ok = await outcome(() => read(file(name, bytes)));
    assert.is(ok, null, `the valid ${kind} file does not load: ${ok}`);
    const n = kind.startsWith('table') ? 250 : 500;
    for (let i = 0; i < n; i++) {
      const b = Buffer.from(bytes);
      let mutated;
      const how = i % 4;
      if (how === 0) mutated = b.subarray(0, Math.floor(r() * b.length)); // truncated
      else if (how === 1) {
        for (let k = 0; k < 1 + Math.floor(r() * 4); k++) b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8); // bit flips
        mutated = b;
      } else if (how === 2) {
        // a header field made huge: a 32- or 64-bit word near the start overwritten with large values
        const at = Math.floor(r() * Math.min(b.length - 4, 24));
        if (at >= 0) b.writeUInt32LE(Math.floor(r() * 0xffffffff), at);
        mutated = b;
      } else {
        // bytes inserted or removed in the middle
        const at = Math.floor(r() * b.length);
        mutated = r() < 0.5 ? Buffer.concat([b.subarray(0, at), Buffer.alloc(1 + Math.floor(r() * 40), Math.floor(r() * 256)), b.subarray(at)])
          : Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(r() * 8)))]);
      }
      const path = file(`fuzz-${name}`, mutated);
      const message = await outcome(() => read(path));
      if (message !== null) assertOneLine(message, path, `${kind} case ${i}`);
      cases++;
    }
  }
  assert.ok(cases >= 3000, `${cases} cases`);
  assert.ok(Date.now() - t0 < 60_000, `the fuzz took ${Date.now() - t0} ms`);
});

s('a refused input costs under 200 MB beyond the baseline (peak resident memory, measured in a child process)', async () => {
  const idx = file('mem-idx.gz', gzipRepeated(idxBytes([10, 28, 28], new Uint8Array(10 * 784)), Buffer.alloc(1 << 20), 512));
  const csv = file('mem.csv.gz', gzipRepeated(Buffer.from('a,class\n'), Buffer.from('0,1\n'.repeat(1 << 18)), 1200));
  const zero = join(dir, 'mem-zero.safetensors');
  if (!existsSync(zero)) symlinkSync('/dev/zero', zero);
  const child = `
    import { readIdx } from '${new URL('../../dist/src/data/idx.js', import.meta.url).href}';
    import { readTable } from '${new URL('../../dist/src/data/table.js', import.meta.url).href}';
    import { readSafetensors } from '${new URL('../../dist/src/train/safetensors.js', import.meta.url).href}';
    const base = process.resourceUsage().maxRSS;
    const out = {};
    for (const [name, read] of [['idx', () => readIdx(${JSON.stringify(idx)})], ['table', () => readTable(${JSON.stringify(csv)})],
      ['zero', () => readSafetensors(${JSON.stringify(zero)})]]) {
      try { await read(); out[name] = 'accepted'; } catch (e) { out[name] = e.message; }
    }
    out.peakMB = (process.resourceUsage().maxRSS - base) / 1024;
    console.log(JSON.stringify(out));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8', timeout: 60_000 });
  assert.is(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout.trim().split('\n').pop());
  for (const name of ['idx', 'table', 'zero']) assert.not.equal(out[name], 'accepted', name);
  assert.ok(out.peakMB < 200, `peak memory rose ${out.peakMB.toFixed(0)} MB`);
});

s.run();
