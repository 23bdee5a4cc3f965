// The addon's bookkeeping: memoryStats follows alloc and free, freed blocks are cached and reused
// (allocate, free, reallocate the same size does not grow cached + live), emptyCache drops the cache;
// devices, isa and the thread count.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../../dist/src/backend.js';

const s = suite('native: memory and addon facts');

s('memoryStats reflect alloc and free; a freed block is cached and reused', () => {
  native.emptyCache('cpu');
  const s0 = native.memoryStats('cpu');
  assert.is(s0.device, 'cpu');
  assert.is(s0.cachedBytes, 0, 'emptyCache leaves no cached bytes');
  assert.is(s0.cachedBlocks, 0, 'emptyCache leaves no cached blocks');
  const n = 300_001;
  const a = native.alloc('cpu', n);
  assert.is(a.length, n);
  assert.is(a.device, 'cpu');
  assert.is(a.freed, false);
  const s1 = native.memoryStats('cpu');
  assert.is(s1.liveBlocks, s0.liveBlocks + 1, 'one more live block');
  assert.ok(s1.liveBytes >= s0.liveBytes + 4 * n, `live bytes grew by ${s1.liveBytes - s0.liveBytes}, at least ${4 * n}`);
  native.free(a);
  assert.is(a.freed, true);
  const s2 = native.memoryStats('cpu');
  assert.is(s2.liveBlocks, s0.liveBlocks, 'the block is no longer live');
  assert.is(s2.liveBytes, s0.liveBytes, 'live bytes back where they were');
  assert.ok(s2.cachedBytes >= 4 * n && s2.cachedBlocks >= 1, `the freed block is cached (${s2.cachedBytes} bytes)`);
  const b = native.alloc('cpu', n);
  const s3 = native.memoryStats('cpu');
  assert.ok(s3.liveBytes + s3.cachedBytes <= s2.liveBytes + s2.cachedBytes,
    `reallocating the same size reused the cached block (live + cached ${s2.liveBytes + s2.cachedBytes} -> ${s3.liveBytes + s3.cachedBytes})`);
  assert.is(s3.liveBlocks, s0.liveBlocks + 1);
  native.free(b);
  for (let i = 0; i < 50; i++) native.free(native.alloc('cpu', n));
  const s4 = native.memoryStats('cpu');
  assert.is(s4.liveBytes + s4.cachedBytes, s2.liveBytes + s2.cachedBytes, 'a loop of alloc/free holds memory flat');
  native.emptyCache('cpu');
  const s5 = native.memoryStats('cpu');
  assert.is(s5.cachedBytes, 0);
  assert.is(s5.liveBytes, s0.liveBytes);
});

s('a reused block is a working storage (upload and download round-trip)', () => {
  const a = native.alloc('cpu', 1000);
  native.free(a);
  const b = native.alloc('cpu', 1000);
  const data = Float32Array.from({ length: 1000 }, (_, i) => i * 0.5 - 3);
  native.upload(b, 0, data);
  assert.equal(Array.from(native.download(b, 0, 1000)), Array.from(data));
  assert.is(a.freed, true, 'the old handle stays freed after its block is reused');
  native.free(b);
});

s('devices() lists cpu first; every CUDA entry is named cuda:N with its memory', () => {
  const devices = native.devices();
  assert.ok(devices.length >= 1);
  assert.is(devices[0].device, 'cpu');
  assert.type(devices[0].name, 'string');
  devices.slice(1).forEach((d, i) => {
    assert.is(d.device, `cuda:${i}`);
    assert.ok(d.memory > 0, `${d.device} memory ${d.memory}`);
  });
  assert.type(native.version, 'string');
  assert.type(native.cudaCompiled, 'boolean');
  if (devices.length > 1) assert.ok(native.cudaCompiled, 'CUDA devices listed, so CUDA is compiled in');
});

s('isa() is one of avx512, avx2, portable', () => {
  assert.ok(['avx512', 'avx2', 'portable'].includes(native.isa()), `isa() = ${native.isa()}`);
});

s('setThreads and threads round-trip', () => {
  const original = native.threads();
  assert.ok(Number.isInteger(original) && original >= 1, `threads() = ${original}`);
  try {
    assert.is(native.setThreads(1), 1);
    assert.is(native.threads(), 1);
    assert.is(native.setThreads(3), 3);
    assert.is(native.threads(), 3);
    // the kernels still work on a resized pool
    const a = native.alloc('cpu', 100_000);
    native.fill(a, 0, 100_000, 7);
    assert.ok(native.download(a, 0, 100_000).every((v) => v === 7));
    native.free(a);
  } finally {
    assert.is(native.setThreads(original), original);
  }
  assert.is(native.threads(), original);
});

s.run();
