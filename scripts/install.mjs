// The native addon at `npm install` (the package's install script; `npm run build:native` in a clone). In order:
//  1. An installed package (not a git checkout) whose prebuilds/ holds a binary for this system that loads here:
//     nothing to build; src/backend.ts finds it. `npm install --build-from-source` skips this step.
//  2. cmake-js where CMake is on the PATH: the CPU kernels and, where nvcc is found, the CUDA side (SEMIGEN_CUDA).
//  3. node-gyp (npm ships it) from binding.gyp: the CPU kernels, with Node's headers from this Node's installation.
// Nothing is downloaded. When no step gives an addon, the install fails with one message: what was tried, what to
// install.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const log = (line) => process.stderr.write(`semigen: ${line}\n`);

/** The full path of an executable on the PATH, or null. */
function which(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return null;
}

/** Runs a build step with its output shown; its exit status (or the spawn error's text). */
function run(command, args, env = process.env) {
  log(`running ${[command, ...args].join(' ')}`);
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  return r.error ? String(r.error.message) : r.status;
}

/** Whether the addon at `path` loads in a fresh Node with this package's loader (exports, op lists); why not. */
function loads(path) {
  const backend = pathToFileURL(join(root, 'dist', 'src', 'backend.js')).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e',
    `import { info } from ${JSON.stringify(backend)}; const i = info(); ` +
    'console.log(`cpu ${i.isa}, CUDA ${i.cuda.compiled ? "compiled in" : "not compiled in"}`);'],
  { env: { ...process.env, SEMIGEN_ADDON: path }, encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) return { ok: true, what: r.stdout.trim() };
  const why = (r.stderr || r.stdout || String(r.error ?? r.signal)).trim().split('\n').filter((l) => l.trim()).slice(-2);
  return { ok: false, what: why.join(' ').replace(/\s+/g, ' ') };
}

const tried = [];
const fromSource = /^(true|1|semigen)$/.test(process.env.npm_config_build_from_source ?? '');
const isCheckout = existsSync(join(root, '.git'));

// ---- 1. a prebuilt binary ----
if (fromSource || isCheckout) {
  tried.push(`prebuilt binary: not used (${fromSource ? '--build-from-source' : 'a git checkout builds from its sources'})`);
} else if (!existsSync(join(root, 'dist', 'src', 'backend.js'))) {
  tried.push('prebuilt binary: not looked for (dist/ is missing)');
} else {
  const { prebuildPaths } = await import(pathToFileURL(join(root, 'dist', 'src', 'backend.js')).href);
  const paths = prebuildPaths(root);
  if (paths.length === 0) tried.push(`prebuilt binary: none for ${process.platform}-${process.arch} in prebuilds/`);
  for (const path of paths) {
    const result = loads(path);
    if (result.ok) {
      log(`using the prebuilt addon ${path.slice(root.length + 1)} (${result.what}); nothing to build`);
      process.exit(0);
    }
    tried.push(`prebuilt binary ${path.slice(root.length + 1)}: does not load here (${result.what})`);
  }
}

// A build folder holds one tool's build: a switch of tool starts it afresh.
const gypBuild = () => existsSync(join(root, 'build', 'config.gypi'));
const cmakeBuild = () => existsSync(join(root, 'build', 'CMakeCache.txt'));

// ---- 2. cmake-js ----
const cmake = which('cmake');
let cmakeJs = null;
try {
  const manifest = require.resolve('cmake-js/package.json');
  cmakeJs = join(dirname(manifest), JSON.parse(readFileSync(manifest, 'utf8')).bin['cmake-js']);
} catch {
  // cmake-js is an optional dependency: absent when the install left it out
}
if (cmake === null) {
  tried.push('cmake-js: cmake not found on the PATH');
} else if (cmakeJs === null) {
  tried.push(`cmake-js: not installed (an optional dependency; cmake is at ${cmake})`);
} else {
  if (gypBuild()) rmSync(join(root, 'build'), { recursive: true, force: true });
  const status = run(process.execPath, [cmakeJs, 'compile', '--out', 'build']);
  if (status === 0 && existsSync(join(root, 'build', 'Release', 'semigen.node'))) process.exit(0);
  tried.push(`cmake-js with ${cmake}: the build failed (${status}; its output is above)`);
  log('cmake-js failed; trying node-gyp');
}

// ---- 3. node-gyp ----
/** node-gyp's script: the one npm names for its scripts, else npm's own copy beside this Node. */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  const prefix = dirname(dirname(process.execPath));
  for (const lib of [join(prefix, 'lib'), prefix]) {
    const path = join(lib, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(path)) return path;
  }
  return null;
}

/** Node's headers on this machine: an explicit nodedir, this Node's own include/node, or node-gyp's cache. */
function nodeHeaders() {
  if (process.env.npm_config_nodedir) return { args: [] }; // npm hands it to node-gyp itself
  const prefix = dirname(dirname(process.execPath));
  const own = join(prefix, 'include', 'node');
  if (existsSync(join(own, 'node_api.h')) && existsSync(join(own, 'common.gypi'))) return { args: [`--nodedir=${prefix}`] };
  const devdir = process.env.npm_config_devdir ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'node-gyp');
  if (existsSync(join(devdir, process.versions.node, 'include', 'node', 'common.gypi'))) return { args: [] };
  return { missing: `Node's C headers (not in ${own} nor node-gyp's cache ${devdir})` };
}

const gyp = nodeGyp();
const headers = nodeHeaders();
const compiler = [process.env.CXX, 'c++', 'g++', 'clang++'].filter(Boolean).find((c) => which(c) !== null);
const missing = [
  gyp === null ? 'node-gyp (npm ships it; not found beside this Node)' : null,
  which('make') === null ? 'make' : null,
  compiler === undefined ? 'a C++17 compiler (c++, g++ or clang++)' : null,
  ['python3', 'python'].some((p) => which(p) !== null) || process.env.npm_config_python ? null : 'Python 3',
  headers.missing ?? null,
].filter((m) => m !== null);
if (/^on$/i.test(process.env.SEMIGEN_CUDA ?? '')) {
  tried.push('node-gyp: not tried (SEMIGEN_CUDA=ON asks for the CUDA side, which only the CMake build makes)');
} else if (missing.length > 0) {
  tried.push(`node-gyp: missing ${missing.join(', ')}`);
} else {
  if (cmakeBuild()) rmSync(join(root, 'build'), { recursive: true, force: true });
  const jobs = String(availableParallelism());
  const status = run(process.execPath, [gyp, 'rebuild', ...headers.args, '--jobs', jobs]);
  if (status === 0 && existsSync(join(root, 'build', 'Release', 'semigen.node'))) {
    log('built the CPU addon with node-gyp (the CUDA side needs CMake and the CUDA toolkit: install them, then ' +
      '`npm rebuild semigen`)');
    process.exit(0);
  }
  tried.push(`node-gyp: the build failed (${status}; its output is above)`);
}

process.stderr.write(`\nsemigen: no native addon for ${process.platform}-${process.arch}. Tried:\n` +
  `${tried.map((t) => `  - ${t}\n`).join('')}` +
  'To build it, install a C++17 compiler with either CMake >= 3.18 (and the CUDA toolkit for GPUs) or make and ' +
  'Python 3 (node-gyp), then run `npm rebuild semigen`.\n');
process.exit(1);
