// Downloads of the named datasets into the cache: each file streamed to a temporary file in the target folder
// while its SHA-256 is computed, checked against the known hash, then renamed into place, so a folder never
// holds a half-written or unverified file. Errors name the URL or the file and say how to go on without a network.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, existsSync } from 'node:fs';
import { get as httpGet, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DATASET_FILES, checkDatasetName, type DatasetName } from './resolve.js';
import { byteSize } from './read.js';

/**
 * Canonical addresses and SHA-256 of the canonical .gz files, as published with the datasets and recorded
 * alike by torchvision, TFDS and others (their MD5s match the datasets' own pages). The copies in
 * /work/shared/data differ: MNIST's there were re-gzipped (same uncompressed bytes, whose hashes are
 * ba891046.., 65a50cbb.., 0fa7898d.., ff7bcfd4..), Fashion-MNIST's image files were rebuilt; so a mirror of
 * those copies needs the `checksums` option.
 */
export const SOURCES: Record<DatasetName, { url: string; sha256: Record<string, string> }> = {
  mnist: {
    url: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
    sha256: {
      'train-images-idx3-ubyte.gz': '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
      'train-labels-idx1-ubyte.gz': '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
      't10k-images-idx3-ubyte.gz': '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
      't10k-labels-idx1-ubyte.gz': 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
    },
  },
  'fashion-mnist': {
    url: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    sha256: {
      'train-images-idx3-ubyte.gz': '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
      'train-labels-idx1-ubyte.gz': 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
      't10k-images-idx3-ubyte.gz': '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
      't10k-labels-idx1-ubyte.gz': '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
    },
  },
};

export interface DownloadProgress {
  file: string;
  url: string;
  received: number;
  /** bytes announced by the server, null when it sent no Content-Length */
  total: number | null;
  done: boolean;
}

export interface DownloadOptions {
  onProgress?: (p: DownloadProgress) => void;
  /** give up when no data arrives for this long (default 60 s) */
  idleTimeoutMs?: number;
  /** give up when the body grows past this many bytes, or past the length the server announced (default 64 MiB) */
  maxBytes?: number;
}

// the largest file of the named datasets (Fashion-MNIST's training images) is 26 MB
const DOWNLOAD_MAX_BYTES = 64 << 20;

export interface DatasetDownloadOptions extends DownloadOptions {
  /** folder URL of this dataset's files; default: SEMIGEN_DATA_URL/<name>/ when that is set, else the canonical address */
  baseUrl?: string;
  /** expected SHA-256 per file name (for a mirror of other builds of the files, and tests); default: SOURCES */
  checksums?: Record<string, string>;
}

const MAX_REDIRECTS = 5;

/**
 * The proxy for `url` from the environment, as curl and npm read it: HTTPS_PROXY for https, HTTP_PROXY for http (either
 * case), none where NO_PROXY lists the host (a name, a domain suffix such as .example.com, a host:port, or *).
 */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): URL | null {
  const pick = (name: string): string | undefined => env[name] || env[name.toLowerCase()] || undefined;
  const proxy = url.protocol === 'https:' ? pick('HTTPS_PROXY') : pick('HTTP_PROXY');
  if (proxy === undefined) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of (pick('NO_PROXY') ?? '').split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return null;
    const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(entry);
    const name = m?.[1] ?? entry;
    const entryPort = m?.[2];
    if (entryPort !== undefined && entryPort !== port) continue;
    const domain = name.replace(/^\*?\./, '');
    if (host === domain || host.endsWith(`.${domain}`)) return null;
  }
  try {
    return new URL(proxy.includes('://') ? proxy : `http://${proxy}`);
  } catch {
    throw new Error(`${url.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY'} is not a URL: '${proxy.slice(0, 80)}'`);
  }
}

function proxyHeaders(proxy: URL): Record<string, string> {
  if (proxy.username === '') return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'Proxy-Authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

/** Starts a GET of `url`, through the environment's proxy where it names one (CONNECT tunnel for https). */
function startGet(url: URL, onResponse: (res: IncomingMessage) => void, onError: (e: Error) => void,
  watch: (req: ClientRequest) => void): void {
  const proxy = proxyFor(url);
  if (proxy === null) {
    watch((url.protocol === 'https:' ? httpsGet : httpGet)(url, onResponse));
    return;
  }
  const via = `the proxy ${proxy.host}`;
  if (url.protocol === 'http:') {
    // a plain proxy takes the whole address as the request's path
    watch(httpGet({ host: proxy.hostname, port: proxy.port || 80, path: url.href, headers: { Host: url.host, ...proxyHeaders(proxy) } }, onResponse));
    return;
  }
  const port = url.port || '443';
  const connect = httpRequest({
    host: proxy.hostname, port: proxy.port || 80, method: 'CONNECT', path: `${url.hostname}:${port}`,
    headers: { Host: `${url.hostname}:${port}`, ...proxyHeaders(proxy) },
  });
  connect.on('connect', (res, socket) => {
    if (res.statusCode !== 200) {
      socket.destroy();
      onError(new Error(`${via} refused the tunnel to ${url.host}: HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim()));
      return;
    }
    watch(httpsGet(url, { createConnection: () => tlsConnect({ socket, servername: url.hostname }) }, onResponse));
  });
  connect.on('error', (e) => onError(new Error(`${via}: ${(e as NodeJS.ErrnoException).code ?? e.message}`)));
  watch(connect);
  connect.end();
}

/** GET with redirects followed; resolves with a 200 response, rejects naming the status otherwise. */
function request(url: string, idleTimeoutMs: number, onIdle: () => void, redirects = 0): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`unsupported protocol ${target.protocol}`);
    } catch (e) {
      reject(e);
      return;
    }
    const watch = (req: ClientRequest): void => {
      req.setTimeout(idleTimeoutMs, () => {
        onIdle();
        req.destroy(new Error('idle'));
      });
      req.on('error', reject);
    };
    try {
      startGet(target, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location && redirects < MAX_REDIRECTS) {
          res.resume();
          request(new URL(res.headers.location, url).href, idleTimeoutMs, onIdle, redirects + 1).then(resolve, reject);
        } else if (status !== 200) {
          res.resume();
          reject(new Error(`HTTP ${status} ${res.statusMessage ?? ''}`.trim()));
        } else {
          resolve(res);
        }
      }, reject, watch);
    } catch (e) {
      reject(e);
    }
  });
}

/** SHA-256 of a file, hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Downloads `url` to `dest` if its SHA-256 is `sha256`; nothing is left at `dest` (or beside it) otherwise. */
export async function downloadVerified(url: string, dest: string, sha256: string, options: DownloadOptions = {}): Promise<void> {
  const file = basename(dest);
  const temp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
  const hash = createHash('sha256');
  let received = 0;
  let total: number | null = null;
  let stalled = false; // the socket error after an idle timeout only says ECONNRESET
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const maxBytes = options.maxBytes ?? DOWNLOAD_MAX_BYTES;
  try {
    mkdirSync(dirname(dest), { recursive: true });
    closeSync(openSync(temp, 'wx')); // a folder we cannot write to fails here, before any transfer
  } catch (e) {
    throw new Error(`${dest}: cannot write the download (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const res = await request(url, idleTimeoutMs, () => (stalled = true));
    const length = Number(res.headers['content-length']);
    total = Number.isFinite(length) && length >= 0 ? length : null;
    options.onProgress?.({ file, url, received, total, done: false });
    await pipeline(res, async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        received += chunk.length;
        if (received > Math.min(total ?? Infinity, maxBytes)) {
          throw new Error(total !== null && total <= maxBytes ? `the server sent more than the ${total} bytes it announced`
            : `the body grew past ${byteSize(maxBytes)}, more than any of the dataset's files has`);
        }
        hash.update(chunk);
        options.onProgress?.({ file, url, received, total, done: false });
        yield chunk;
      }
    }, createWriteStream(temp));
    if (total !== null && received !== total) throw new Error(`got ${received} bytes of the ${total} announced`);
    const fd = openSync(temp, 'r+'); // on disk before the rename makes it visible
    fsyncSync(fd);
    closeSync(fd);
  } catch (e) {
    rmSync(temp, { force: true });
    let why = stalled ? `no data for ${idleTimeoutMs / 1000} s` : (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    const local = ['open', 'write', 'fsync', 'close'].includes((e as NodeJS.ErrnoException).syscall ?? '');
    if (local) throw new Error(`${dest}: cannot write the download (${why})`);
    if (total !== null && received < total) why = `truncated transfer: got ${received} of ${total} bytes (${why})`;
    throw new Error(`cannot download ${url}: ${why}; pass --data DIR (or set SEMIGEN_DATA) to a folder holding the dataset's files`);
  }
  const actual = hash.digest('hex');
  if (actual !== sha256.toLowerCase()) {
    rmSync(temp, { force: true });
    throw new Error(`${dest}: SHA-256 mismatch for the file downloaded from ${url}: expected ${sha256}, got ${actual} (deleted)`);
  }
  renameSync(temp, dest);
  options.onProgress?.({ file, url, received, total, done: true });
}

/** The folder URL a dataset is downloaded from. */
export function datasetUrl(name: DatasetName, baseUrl?: string): string {
  const mirror = process.env.SEMIGEN_DATA_URL;
  const url = baseUrl ?? (mirror ? `${mirror.replace(/\/+$/, '')}/${name}/` : SOURCES[name].url);
  return url.endsWith('/') ? url : `${url}/`;
}

/** Downloads the four files of `name` into `dir`, skipping files already there with the right hash. */
export async function downloadDataset(name: string, dir: string, options: DatasetDownloadOptions = {}): Promise<void> {
  const dataset = checkDatasetName(name);
  const base = datasetUrl(dataset, options.baseUrl);
  const checksums = options.checksums ?? SOURCES[dataset].sha256;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Error(`${dir}: cannot create the dataset folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  for (const stem of DATASET_FILES) {
    const file = `${stem}.gz`;
    const expected = checksums[file];
    if (!expected || !/^[0-9a-fA-F]{64}$/.test(expected)) throw new Error(`downloadDataset: no SHA-256 (64 hex digits) given for ${file}`);
    const dest = join(dir, file);
    if (existsSync(dest) && (await sha256File(dest)) === expected.toLowerCase()) continue;
    await downloadVerified(base + file, dest, expected, options);
  }
}

/** A progress callback printing to stderr: one updating line on a TTY, a line per file otherwise. */
export function stderrProgress(stream: NodeJS.WriteStream = process.stderr): (p: DownloadProgress) => void {
  let last = 0;
  return (p) => {
    const mb = (n: number) => (n / 1e6).toFixed(1);
    const size = p.total !== null ? `${mb(p.received)} / ${mb(p.total)} MB` : `${mb(p.received)} MB`;
    if (stream.isTTY) {
      const now = Date.now();
      if (!p.done && p.received > 0 && now - last < 100) return; // redraw at most 10 times a second
      last = now;
      stream.write(`\rdownloading ${p.file}: ${size}${p.done ? ' done\n' : '\x1b[K'}`);
    } else if (p.received === 0 && !p.done) {
      stream.write(`downloading ${p.url}\n`);
    } else if (p.done) {
      stream.write(`downloaded ${p.file}: ${size}, SHA-256 verified\n`);
    }
  };
}
