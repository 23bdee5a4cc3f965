// Downloads honour HTTPS_PROXY / HTTP_PROXY and NO_PROXY as curl and npm do, checked against a proxy and a file
// server of our own on 127.0.0.1: an http address goes to the proxy as an absolute request, an https one as a
// CONNECT tunnel, a host NO_PROXY lists goes direct, and a proxy's refusal is named in the error.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, request } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { downloadVerified, proxyFor } from '../../dist/src/data/download.js';

const s = suite('data: download through a proxy');
const root = mkdtempSync(join(tmpdir(), 'semigen-proxy-'));
const body = Buffer.from('the file\n'.repeat(1000));
const sha = createHash('sha256').update(body).digest('hex');
const served = [];
const origin = createServer((req, res) => {
  served.push(req.url);
  res.writeHead(200, { 'Content-Length': body.length });
  res.end(body);
});
const seen = [];
const proxy = createServer((req, res) => {
  // a forward proxy: the request's path is the whole address
  seen.push({ method: req.method, url: req.url, auth: req.headers['proxy-authorization'] ?? null });
  const target = new URL(req.url);
  const upstream = request({ host: target.hostname, port: target.port, path: target.pathname, headers: { host: target.host } }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  upstream.end();
});
proxy.on('connect', (req, socket) => {
  seen.push({ method: 'CONNECT', url: req.url, auth: req.headers['proxy-authorization'] ?? null });
  socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
});
const saved = {};
const ENV = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];
s.before(async () => {
  for (const k of ENV) saved[k] = process.env[k];
  await new Promise((r) => origin.listen(0, '127.0.0.1', r));
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
});
s.after(() => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  origin.close();
  proxy.close();
  rmSync(root, { recursive: true, force: true });
});
const setEnv = (values) => {
  for (const k of ENV) delete process.env[k];
  Object.assign(process.env, values);
};
const proxyUrl = () => `http://user:p%40ss@127.0.0.1:${proxy.address().port}`;
const fileUrl = () => `http://127.0.0.1:${origin.address().port}/data/file.bin`;

s('which proxy an address gets: the scheme\'s variable, either case, unless NO_PROXY names its host', () => {
  const env = { HTTPS_PROXY: 'http://p:3128', http_proxy: 'p2:8080', NO_PROXY: 'internal.example, .corp.example,10.0.0.1:8443' };
  assert.is(proxyFor(new URL('https://example.org/x'), env).href, 'http://p:3128/');
  assert.is(proxyFor(new URL('http://example.org/x'), env).href, 'http://p2:8080/');
  assert.is(proxyFor(new URL('https://internal.example/x'), env), null);
  assert.is(proxyFor(new URL('https://a.internal.example/x'), env), null);
  assert.is(proxyFor(new URL('https://b.corp.example/x'), env), null);
  assert.is(proxyFor(new URL('https://10.0.0.1:8443/x'), env), null);
  assert.is(proxyFor(new URL('https://10.0.0.1/x'), env).href, 'http://p:3128/', 'NO_PROXY with a port spares only that port');
  assert.is(proxyFor(new URL('https://notinternal.example/x'), env).href, 'http://p:3128/', 'a suffix matches at a dot only');
  assert.is(proxyFor(new URL('https://example.org/x'), { ...env, no_proxy: '*', NO_PROXY: '' }), null);
  assert.is(proxyFor(new URL('https://example.org/x'), {}), null);
});

s('an http download goes through HTTP_PROXY, with its credentials, and arrives whole', async () => {
  setEnv({ HTTP_PROXY: proxyUrl() });
  seen.length = 0;
  const dest = join(root, 'via-proxy.bin');
  await downloadVerified(fileUrl(), dest, sha, { idleTimeoutMs: 5000 });
  assert.ok(readFileSync(dest).equals(body));
  assert.is(seen.length, 1, 'the proxy saw no request');
  assert.is(seen[0].url, fileUrl());
  assert.is(seen[0].auth, `Basic ${Buffer.from('user:p@ss').toString('base64')}`);
});

s('NO_PROXY sends a listed host direct', async () => {
  setEnv({ http_proxy: proxyUrl(), no_proxy: 'localhost,127.0.0.1' });
  seen.length = 0;
  served.length = 0;
  await downloadVerified(fileUrl(), join(root, 'direct.bin'), sha, { idleTimeoutMs: 5000 });
  assert.is(seen.length, 0, 'the proxy was used');
  assert.is(served.length, 1);
});

s('an https download asks HTTPS_PROXY for a CONNECT tunnel; a refusal names the proxy', async () => {
  setEnv({ HTTPS_PROXY: proxyUrl() });
  seen.length = 0;
  const dest = join(root, 'tunnel.bin');
  let message = null;
  try {
    await downloadVerified('https://files.example.invalid:8443/train.gz', dest, sha, { idleTimeoutMs: 5000 });
  } catch (e) {
    message = e.message;
  }
  assert.equal(seen.map((r) => [r.method, r.url]), [['CONNECT', 'files.example.invalid:8443']]);
  assert.match(message, /the proxy 127\.0\.0\.1:\d+ refused the tunnel to files\.example\.invalid:8443: HTTP 403/);
});

s.run();
