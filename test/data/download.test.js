// Dataset downloads against a node:http server on 127.0.0.1 (never the real network): a good download, a bad
// hash, a 404, a truncated transfer, a refused connection, a redirect, and loadNamedDataset's fall-back to the
// cache download; no temporary file may survive a failure.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { downloadVerified, downloadDataset, datasetUrl, SOURCES, stderrProgress } from '../../dist/src/data/download.js';
import { loadNamedDataset } from '../../dist/src/data/load.js';
import { idxBytes } from '../helpers.js';

const s = suite('data: download');
const root = mkdtempSync(join(tmpdir(), 'semigen-dl-'));
const sha = (b) => createHash('sha256').update(b).digest('hex');

const idx = (dims, data) => gzipSync(idxBytes(dims, data));

// a tiny MNIST-format dataset: 4 train and 2 test images of 2x2 pixels
const FILES = {
  'train-images-idx3-ubyte.gz': idx([4, 2, 2], Array.from({ length: 16 }, (_, i) => i * 17)),
  'train-labels-idx1-ubyte.gz': idx([4], [3, 1, 0, 2]),
  't10k-images-idx3-ubyte.gz': idx([2, 2, 2], [255, 0, 0, 255, 0, 255, 255, 0]),
  't10k-labels-idx1-ubyte.gz': idx([2], [1, 3]),
};
const CHECKSUMS = Object.fromEntries(Object.entries(FILES).map(([f, b]) => [f, sha(b)]));
const big = Buffer.alloc(200_000, 7);
const requests = [];

const server = createServer((req, res) => {
  requests.push(req.url);
  const file = req.url.split('/').pop();
  if (req.url.startsWith('/redirect/')) {
    res.writeHead(302, { location: `/good/${file}` });
    res.end();
  } else if (req.url.startsWith('/good/') && FILES[file]) {
    res.writeHead(200, { 'content-length': FILES[file].length });
    res.end(FILES[file]);
  } else if (req.url === '/big') {
    res.writeHead(200, { 'content-length': big.length });
    res.write(big.subarray(0, 50_000));
    res.write(big.subarray(50_000));
    res.end();
  } else if (req.url === '/truncated') {
    res.writeHead(200, { 'content-length': big.length });
    res.write(big.subarray(0, 1000), () => setTimeout(() => res.socket.destroy(), 20));
  } else if (req.url === '/stall') {
    res.writeHead(200, { 'content-length': 10 });
    res.write('abc'); // and then nothing
  } else {
    res.writeHead(404);
    res.end('not here');
  }
});
let base;

s.before(async () => {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
s.after(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

async function rejects(promise, ...patterns) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof Error, 'expected a rejection with an Error');
  for (const p of patterns) assert.match(error.message, p, `message "${error.message}" should match ${p}`);
}

const folder = (name) => {
  const dir = join(root, name);
  return { dir, file: join(dir, 'f.bin'), left: () => (existsSync(dir) ? readdirSync(dir) : []) };
};

s('a good download lands whole, verified, with progress reports', async () => {
  const { dir, file } = folder('good');
  await downloadDataset('mnist', dir, { baseUrl: `${base}/good`, checksums: CHECKSUMS }).catch((e) => assert.unreachable(e.message));
  assert.equal(readdirSync(dir).sort(), Object.keys(FILES).sort());
  const progress = [];
  await downloadVerified(`${base}/big`, file, sha(big), { onProgress: (p) => progress.push(p) });
  assert.ok(readFileSync(file).equals(big));
  assert.ok(progress.length >= 3, `${progress.length} progress reports`);
  assert.is(progress.at(-1).done, true);
  assert.is(progress.at(-1).received, big.length);
  assert.is(progress[0].total, big.length);
  assert.ok(progress.every((p, i) => i === 0 || p.received >= progress[i - 1].received));
  // the stderr reporter, not on a TTY: a line when a file starts and one when it is verified
  const lines = [];
  const report = stderrProgress({ isTTY: false, write: (t) => lines.push(t) });
  progress.forEach(report);
  assert.equal(lines, [`downloading ${base}/big\n`, 'downloaded f.bin: 0.2 / 0.2 MB, SHA-256 verified\n']);
});

s('files already there with the right hash are not fetched again; wrong ones are', async () => {
  const { dir } = folder('good');
  requests.length = 0;
  await downloadDataset('mnist', dir, { baseUrl: `${base}/good`, checksums: CHECKSUMS });
  assert.equal(requests, []);
  await downloadDataset('mnist', dir, { baseUrl: `${base}/redirect/`, checksums: { ...CHECKSUMS, 't10k-labels-idx1-ubyte.gz': sha(FILES['t10k-images-idx3-ubyte.gz']) } })
    .then(() => assert.unreachable('a file whose hash differs must not be accepted'), (e) => assert.match(e.message, /SHA-256 mismatch/));
  assert.equal(requests, ['/redirect/t10k-labels-idx1-ubyte.gz', '/good/t10k-labels-idx1-ubyte.gz']);
});

s('a bad hash deletes the file and names the file, expected and actual hash', async () => {
  const { file, left } = folder('bad');
  const wrong = '0'.repeat(64);
  await rejects(downloadVerified(`${base}/big`, file, wrong), /bad[/\\]f\.bin: SHA-256 mismatch/, new RegExp(`expected ${wrong}, got ${sha(big)}`));
  assert.equal(left(), []);
});

s('a 404, a truncated transfer and a refused connection name the URL and say to pass --data', async () => {
  const { file, left } = folder('fail');
  await rejects(downloadVerified(`${base}/missing`, file, sha(big)), new RegExp(`cannot download ${base}/missing: HTTP 404`), /--data DIR/);
  await rejects(downloadVerified(`${base}/truncated`, file, sha(big)), /cannot download .*\/truncated: truncated transfer: got 1000 of 200000 bytes/);
  const closed = createServer();
  await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = closed.address().port;
  await new Promise((resolve) => closed.close(resolve));
  await rejects(downloadVerified(`http://127.0.0.1:${port}/x`, file, sha(big)), /cannot download http:\/\/127\.0\.0\.1:\d+\/x: ECONNREFUSED/, /--data/);
  await rejects(downloadVerified(`${base}/stall`, file, sha(big), { idleTimeoutMs: 100 }), /\/stall: truncated transfer: got 3 of 10 bytes \(no data for 0\.1 s\)/);
  await rejects(downloadVerified('ftp://127.0.0.1/x', file, sha(big)), /cannot download ftp:.*unsupported protocol/);
  assert.equal(left(), []);
});

s('the canonical addresses and hashes; SEMIGEN_DATA_URL is a mirror root', () => {
  assert.is(datasetUrl('mnist'), 'https://ossci-datasets.s3.amazonaws.com/mnist/');
  assert.is(datasetUrl('fashion-mnist'), 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/');
  for (const name of ['mnist', 'fashion-mnist']) {
    assert.equal(Object.keys(SOURCES[name].sha256).sort(), Object.keys(FILES).sort());
    assert.ok(Object.values(SOURCES[name].sha256).every((h) => /^[0-9a-f]{64}$/.test(h)));
  }
  const saved = process.env.SEMIGEN_DATA_URL;
  process.env.SEMIGEN_DATA_URL = 'http://mirror.example/data/';
  try {
    assert.is(datasetUrl('fashion-mnist'), 'http://mirror.example/data/fashion-mnist/');
    assert.is(datasetUrl('mnist', 'http://other/x'), 'http://other/x/');
  } finally {
    if (saved === undefined) delete process.env.SEMIGEN_DATA_URL;
    else process.env.SEMIGEN_DATA_URL = saved;
  }
});

s('loadNamedDataset downloads into the cache when the data is nowhere else, and not when told not to', async () => {
  const saved = { ...process.env };
  process.env.SEMIGEN_CACHE = join(root, 'cache');
  process.env.SEMIGEN_DATA_URL = `${base}/good`; // the mirror root: files under /good/mnist/...
  delete process.env.SEMIGEN_DATA;
  try {
    await rejects(loadNamedDataset('mnist', { download: false }), /dataset 'mnist' not found; looked in: .*cache[/\\]mnist/);
    await rejects(loadNamedDataset('mnist', { dataDir: join(root, 'nowhere'), checksums: CHECKSUMS }), /looked in: .*nowhere/);
    assert.not.ok(existsSync(join(root, 'cache')), 'nothing is downloaded when the download is off or --data is given');
    const data = await loadNamedDataset('mnist', { checksums: CHECKSUMS });
    assert.equal(readdirSync(join(root, 'cache', 'mnist')).sort(), Object.keys(FILES).sort());
    assert.is(data.name, 'mnist');
    assert.is(data.classes, 4);
    assert.equal([data.train.count, data.train.features, data.test.count], [4, 4, 2]);
    assert.equal(Array.from(data.train.labels), [3, 1, 0, 2]);
    assert.ok(data.train.labels instanceof Float32Array);
    assert.ok(Math.abs(data.train.x[15] - 1) < 1e-7 && data.test.x[1] === 0);
    // the second load finds the cache and asks the server for nothing
    requests.length = 0;
    await loadNamedDataset('mnist', { checksums: CHECKSUMS });
    assert.equal(requests, []);
  } finally {
    for (const k of ['SEMIGEN_CACHE', 'SEMIGEN_DATA_URL', 'SEMIGEN_DATA']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
});

s.run();
