// Loads the native addon (lazily, on first use) and reports what this machine offers: the CPU kernel variant,
// threads, CUDA devices, allocator statistics. Only this file touches the addon's module object; the rest of the
// engine reaches it through `addon()`.
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeAddon, NativeDeviceInfo, NativeMemoryStats, NativeStorage } from './native.js';
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS } from './op-lists.js';

/** What `info()` reports about the loaded engine. */
export interface EngineInfo {
  /** version of the native addon */
  version: string;
  /** CPU kernel variant in use: 'avx512' | 'avx2' | 'portable' */
  isa: string;
  /** threads in the CPU kernel pool */
  threads: number;
  /** the addon file loaded: a build from source (build/Release), a prebuilt binary (prebuilds/), or $SEMIGEN_ADDON */
  addon: string;
  cuda: { compiled: boolean; devices: NativeDeviceInfo[] };
}

const REQUIRED_EXPORTS = ['alloc', 'free', 'upload', 'download', 'gemm', 'unary', 'binary', 'reduce', 'adam'];

let loaded: NativeAddon | null = null;
let loadedFrom = '';

/** The package root: the nearest folder above this file whose package.json is named "semigen". */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'semigen') return dir;
      } catch {
        // an unreadable package.json on the way up is not ours; keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return resolve(dirname(fileURLToPath(import.meta.url)), '..');
    dir = parent;
  }
}

/** Turns a dlopen/require failure into advice the user can act on. */
function adviceFor(message: string): string {
  const m = message.toLowerCase();
  if (m.includes('libcuda') || m.includes('libcudart') || m.includes('libnvidia')) {
    return 'a CUDA library is missing: install the NVIDIA driver, or rebuild for CPU only with `SEMIGEN_CUDA=OFF npm rebuild semigen`';
  }
  if (m.includes('glibc') || m.includes('glibcxx') || m.includes('cxxabi')) {
    return 'the addon was built against a newer C/C++ runtime than this system has: rebuild here with `npm rebuild semigen`';
  }
  if (m.includes('illegal instruction') || m.includes('wrong elf class') || m.includes('invalid elf header') ||
      m.includes('exec format')) {
    return 'the addon was built for another CPU or architecture: rebuild on this machine with `npm rebuild semigen`';
  }
  if (m.includes('undefined symbol') || m.includes('node_module_version') || m.includes('different node.js version')) {
    return 'the addon build is stale or incomplete: rebuild with `npm rebuild semigen` (needs a C++17 compiler; CMake for the CUDA side)';
  }
  return 'rebuild the addon with `npm rebuild semigen` (needs a C++17 compiler; CMake for the CUDA side)';
}

/** This system's C library as node-gyp-build tags it: 'glibc' or 'musl' on Linux (from Node's own report), else ''. */
function libc(): string {
  if (process.platform !== 'linux') return '';
  // the report's network section can take seconds and only its header is read (the flag is Node 20.13+)
  (process.report as { excludeNetwork?: boolean }).excludeNetwork = true;
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  return header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/**
 * The prebuilt addons under prebuilds/ that fit this process, best first, by node-gyp-build's convention:
 * prebuilds/<platform>-<arch>/<name>.<tags>.node, where a file must be tagged napi (N-API: one binary serves every
 * Node version) and, tagged glibc or musl, must match this system's C library; more tags rank first.
 */
export function prebuildPaths(root = packageRoot()): string[] {
  const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  if (!existsSync(dir)) return [];
  const mine = libc();
  return readdirSync(dir).flatMap((file) => {
    const tags = file.split('.');
    if (tags.pop() !== 'node' || !tags.includes('napi')) return [];
    const libcTag = tags.find((t) => t === 'glibc' || t === 'musl');
    if (libcTag !== undefined && libcTag !== mine) return [];
    const runtime = tags.find((t) => t === 'node' || t === 'electron' || t === 'node-webkit');
    if (runtime !== undefined && runtime !== 'node') return [];
    return [{ path: join(dir, file), specificity: ['napi', libcTag, runtime].filter((t) => t !== undefined).length }];
  }).sort((a, b) => b.specificity - a.specificity).map((c) => c.path);
}

/**
 * The addon files to try, in order: $SEMIGEN_ADDON alone when set, else a build from source in the package's
 * build folder (which wins, as with node-gyp-build), then the prebuilt binaries that fit this system.
 */
function candidates(): string[] {
  const fromEnv = process.env.SEMIGEN_ADDON;
  if (fromEnv !== undefined && fromEnv !== '') return [resolve(fromEnv)];
  const root = packageRoot();
  return [join(root, 'build', 'Release', 'semigen.node'), join(root, 'build', 'Debug', 'semigen.node'), ...prebuildPaths(root)];
}

/** What to do when no addon file is there: a clone builds with npm install; an installed package's build was skipped. */
function buildAdvice(root: string): string {
  const tools = 'it builds with cmake-js where CMake is found, else node-gyp; needs a C++17 compiler';
  if (existsSync(join(root, '.git'))) return `the native addon was not built: run \`npm install\` in ${root} (${tools})`;
  const platforms = existsSync(join(root, 'prebuilds')) ? readdirSync(join(root, 'prebuilds')).join(', ') : 'none';
  return `no prebuilt addon fits ${process.platform}-${process.arch}${libc() ? ` ${libc()}` : ''} (the package has: ` +
    `${platforms || 'none'}) and the install step built none: if your package manager skipped semigen's build script ` +
    '(npm 11: `npm install-scripts approve semigen`; pnpm: `pnpm approve-builds`; yarn: enableScripts), allow it ' +
    `and reinstall, or run \`npm rebuild semigen\` (${tools})`;
}

/** The kernels' environment settings, checked before the addon reads them (it would ignore a bad one silently). */
export function checkEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  const threads = env.SEMIGEN_NUM_THREADS;
  if (threads !== undefined && threads !== '' && !(/^\d+$/.test(threads.trim()) && Number(threads) >= 1 && Number(threads) <= MAX_THREADS)) {
    throw new Error(`SEMIGEN_NUM_THREADS must be a number of threads from 1 to ${MAX_THREADS}, got '${threads.slice(0, 40)}'`);
  }
  const isa = env.SEMIGEN_ISA;
  if (isa !== undefined && isa !== '' && !ISAS.includes(isa)) {
    throw new Error(`SEMIGEN_ISA must be ${ISAS.join(', ')} (it can only lower the kernels' instruction set), got '${isa.slice(0, 40)}'`);
  }
  // read by the CUDA kernels (kernels/cuda/device.cu), which take only '1' as on: any other spelling would be ignored there
  const sync = env.SEMIGEN_CUDA_SYNC;
  if (sync !== undefined && sync !== '' && sync !== '0' && sync !== '1') {
    throw new Error(`SEMIGEN_CUDA_SYNC must be 1 (synchronise and check after every CUDA launch) or 0, got '${sync.slice(0, 40)}'`);
  }
}
// the thread pool's limit, and the instruction sets SEMIGEN_ISA may name (kernels/cpu/thread_pool.cc, isa.cc)
const MAX_THREADS = 1024;
const ISAS = ['avx512', 'avx2', 'portable'];

function load(): NativeAddon {
  checkEnvironment();
  const require = createRequire(import.meta.url);
  const causes: string[] = [];
  const tried = candidates();
  for (const path of tried) {
    if (!existsSync(path)) {
      if (process.env.SEMIGEN_ADDON) causes.push(`${path}: file missing; point SEMIGEN_ADDON at a built semigen.node`);
      continue;
    }
    let mod: unknown;
    try {
      mod = require(path);
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      causes.push(`${path}: loading failed: "${text.split('\n')[0]}"; ${adviceFor(text)}`);
      continue;
    }
    const missing = REQUIRED_EXPORTS.filter((k) => typeof (mod as Record<string, unknown>)[k] !== 'function');
    if (missing.length > 0) {
      causes.push(`${path}: not a semigen addon (missing exports: ${missing.join(', ')}); rebuild with \`npm rebuild semigen\``);
      continue;
    }
    // The op ids the TypeScript passes mean what they meant when it was built only if both built from one list.
    const lists = JSON.stringify({ unary: UNARY_OPS, binary: BINARY_OPS, reduce: REDUCE_OPS });
    if (JSON.stringify((mod as { opLists?: unknown }).opLists) !== lists) {
      causes.push(`${path}: built from other op lists than the TypeScript in dist/ (kernels/include/semigen/op_lists.h ` +
        'changed since one of them was built); rebuild both with `npm run build`');
      continue;
    }
    loaded = mod as NativeAddon;
    loadedFrom = path;
    return loaded;
  }
  if (causes.length === 0) causes.push(`${tried.join(', ')}: no such file; ${buildAdvice(packageRoot())}`);
  throw new Error(`semigen: cannot load the native addon. Tried:\n  - ${causes.join('\n  - ')}`);
}

/** The loaded addon (loading it on the first call). The engine's hot paths call this once per op. */
export function addon(): NativeAddon {
  return loaded ?? load();
}

/** Whether the addon has been loaded already (for tools that must not trigger loading). */
export function isLoaded(): boolean {
  return loaded !== null;
}

/**
 * The native addon, loaded on first property access. Importing this module does not load it, so
 * `import 'semigen'` stays cheap and `--help` works on a machine without a build. (The addon's functions do
 * not use `this`, so they are handed out unbound. Hot loops should hold `addon()` instead of this proxy.)
 */
export const native: NativeAddon = new Proxy({} as NativeAddon, {
  get(_target, key) {
    return (addon() as unknown as Record<string | symbol, unknown>)[key];
  },
  has(_target, key) {
    return key in (addon() as object);
  },
});

/** Devices this process can use: 'cpu' first, then each CUDA device found. */
export function devices(): NativeDeviceInfo[] {
  return addon().devices();
}

/** Version, CPU kernel variant, thread count and CUDA availability of the loaded engine. */
export function info(): EngineInfo {
  const n = addon();
  return {
    version: n.version,
    isa: n.isa(),
    threads: n.threads(),
    addon: loadedFrom,
    cuda: { compiled: n.cudaCompiled, devices: n.devices().filter((d) => d.device.startsWith('cuda')) },
  };
}

/** Resizes the CPU kernel thread pool; returns the new size. */
export function setNumThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: expected a positive integer, got ${n}`);
  return addon().setThreads(n);
}

/** Threads in the CPU kernel pool. */
export function getNumThreads(): number {
  return addon().threads();
}

// Storages released by tensors are kept here by (device, length) and handed to the next tensor of that size.
// A training step allocates the same sizes every time, so in steady state no native storage object is created:
// that saves the addon's alloc/free round trip and, more importantly, keeps a loop that never yields to the event
// loop from piling up wrapper objects whose finalizers only run when it does.
const pooled = new Map<string, NativeStorage[]>();
const POOL_LIMIT_FLOATS = 2 ** 28; // 1 GiB of float32 held at most; beyond that, blocks go back to the addon
let pooledFloats = 0;
let pooledBlocks = 0;

/** Storage for `length` floats on `device`: a pooled one of that exact size, else a new one from the addon. */
export function allocStorage(device: string, length: number): NativeStorage {
  const list = pooled.get(`${device}/${length}`);
  const reused = list?.pop();
  if (reused !== undefined) {
    pooledFloats -= length;
    pooledBlocks--;
    return reused;
  }
  return addon().alloc(device, length);
}

/** Gives a storage no tensor uses any more back for reuse. */
export function releaseStorage(storage: NativeStorage, device: string, length: number): void {
  if (pooledFloats + length > POOL_LIMIT_FLOATS) {
    addon().free(storage);
    return;
  }
  const key = `${device}/${length}`;
  let list = pooled.get(key);
  if (list === undefined) pooled.set(key, (list = []));
  list.push(storage);
  pooledFloats += length;
  pooledBlocks++;
}

/** Pool statistics of one device: blocks held for reuse by the tensor layer. */
function pooledOn(device: string): { blocks: number; bytes: number } {
  let blocks = 0;
  let bytes = 0;
  for (const [key, list] of pooled) {
    if (list.length > 0 && key.slice(0, key.lastIndexOf('/')) === device) {
      blocks += list.length;
      bytes += list.length * addon().blockBytes(Number(key.slice(key.lastIndexOf('/') + 1)));
    }
  }
  return { blocks, bytes };
}

/**
 * Live and cached blocks of a device's caching allocator. Storages the tensor layer holds for reuse count as
 * cached here (the addon sees them as live).
 */
export function memoryStats(device = 'cpu'): NativeMemoryStats {
  const stats = addon().memoryStats(device);
  const mine = pooledOn(device);
  return {
    ...stats,
    liveBlocks: stats.liveBlocks - mine.blocks,
    liveBytes: stats.liveBytes - mine.bytes,
    cachedBlocks: stats.cachedBlocks + mine.blocks,
    cachedBytes: stats.cachedBytes + mine.bytes,
  };
}

/** Returns every cached (unused) block of a device to the system. */
export function emptyCache(device = 'cpu'): void {
  for (const [key, list] of pooled) {
    if (key.slice(0, key.lastIndexOf('/')) !== device) continue;
    const length = Number(key.slice(key.lastIndexOf('/') + 1));
    for (const storage of list) addon().free(storage);
    pooledFloats -= length * list.length;
    pooledBlocks -= list.length;
    pooled.delete(key);
  }
  addon().emptyCache(device);
}

/** Waits until every op queued on the device has finished (a no-op on the CPU). */
export function synchronize(device = 'cpu'): void {
  addon().synchronize(device);
}
