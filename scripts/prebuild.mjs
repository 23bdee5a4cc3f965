// `npm run build:prebuild`, run by `npm pack` / `npm publish` as prepack: builds the addon the package ships for this
// platform, as prebuilds/<platform>-<arch>/semigen.napi[.glibc|.musl].node (node-gyp-build's layout, which
// src/backend.ts loads), so installing the package builds nothing where it fits. Built with cmake-js in a folder
// of its own (build-prebuild/: a developer's build/ is left alone, and a second pack rebuilds only what changed),
// with the CUDA side where nvcc is found (SEMIGEN_CUDA=ON makes it required, as a release should) and the C++
// runtime linked in (so it needs no newer libstdc++ than the system has), stripped of symbols, and kept only once it
// loads here and its op lists match the TypeScript's.
// SEMIGEN_PREBUILD=none packs without one (it removes prebuilds/: the package then builds from source where it is
// installed); SEMIGEN_PREBUILD=keep packs prebuilds/ as it is, for a release that gathered one binary per platform.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (line) => process.stderr.write(`prebuild: ${line}\n`);
const fail = (line) => {
  log(line);
  process.exit(1);
};
const which = (name) => (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, name)).find((p) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}) ?? null;
const run = (command, args, env = process.env) => {
  log([command, ...args].join(' '));
  // the tools' output goes to stderr, so that `npm pack --json` prints only its JSON on stdout
  const r = spawnSync(command, args, { cwd: root, stdio: ['inherit', 2, 2], env });
  if (r.status !== 0) fail(`${command} failed (${r.error?.message ?? r.status})`);
};

const mode = process.env.SEMIGEN_PREBUILD ?? 'build';
if (mode === 'none') {
  rmSync(join(root, 'prebuilds'), { recursive: true, force: true }); // an earlier one must not be packed either
  log('SEMIGEN_PREBUILD=none: no prebuilt addon; the package builds from source where it is installed');
  process.exit(0);
}
if (mode === 'keep') {
  log('SEMIGEN_PREBUILD=keep: packing prebuilds/ as it is (a release gathering the binaries its CI matrix built)');
  process.exit(0);
}
if (mode !== 'build') fail(`SEMIGEN_PREBUILD must be build (the default), keep or none, got '${mode}'`);
let cmakeJs;
try {
  const manifest = createRequire(import.meta.url).resolve('cmake-js/package.json');
  cmakeJs = join(dirname(manifest), JSON.parse(readFileSync(manifest, 'utf8')).bin['cmake-js']);
} catch {
  fail('cmake-js is not installed (npm install in the clone installs it); or set SEMIGEN_PREBUILD=none');
}
if (which('cmake') === null) fail('a prebuilt addon is built with CMake, which is not on the PATH; or set SEMIGEN_PREBUILD=none');

// the TypeScript first: the check below loads the addon through dist/, which must have this tree's op lists
run(process.execPath, [join(root, 'scripts', 'generate-op-lists.mjs')]);
run(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')]);
run(process.execPath, [cmakeJs, 'compile', '--out', 'build-prebuild', '--CDSEMIGEN_STATIC_CXX_RUNTIME=ON']);

const { prebuildPaths } = await import(pathToFileURL(join(root, 'dist', 'src', 'backend.js')).href);
let libc = '';
if (process.platform === 'linux') {
  process.report.excludeNetwork = true;
  libc = process.report.getReport().header.glibcVersionRuntime ? '.glibc' : '.musl';
}
const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
rmSync(dir, { recursive: true, force: true }); // one binary per platform: never an older one beside the new
mkdirSync(dir, { recursive: true });
const built = join(root, 'build-prebuild', 'Release', 'semigen.node');
const dest = join(dir, `semigen.napi${libc}.node`);
// without its symbol table the binary is smaller; the exported entry point and the dynamic symbols stay
if (which('strip') !== null) run('strip', ['--strip-unneeded', '-o', dest, built]);
else copyFileSync(built, dest);

const check = spawnSync(process.execPath, ['--input-type=module', '-e',
  `import { info } from ${JSON.stringify(pathToFileURL(join(root, 'dist', 'src', 'backend.js')).href)}; ` +
  'console.log(JSON.stringify(info()));'], { env: { ...process.env, SEMIGEN_ADDON: dest }, encoding: 'utf8' });
if (check.status !== 0) {
  rmSync(dir, { recursive: true, force: true });
  fail(`the prebuilt addon does not load: ${check.stderr.trim()}`);
}
if (!prebuildPaths(root).includes(dest)) fail(`${dest} is not the file the loader picks on this system`);
const info = JSON.parse(check.stdout);
log(`${dest.slice(root.length + 1)}: ${(statSync(dest).size / 2 ** 20).toFixed(1)} MiB, version ${info.version}, ` +
  `CUDA ${info.cuda.compiled ? 'compiled in' : 'NOT compiled in (no nvcc found: a CPU-only prebuild)'}`);
