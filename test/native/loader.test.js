// Where the addon is loaded from: a build from source in build/ first, else a prebuilt binary under
// prebuilds/<platform>-<arch>/ chosen by node-gyp-build's tags (napi required, the C library must match), and,
// with neither, an error that names what to do (a clone: npm install; an installed package: the package manager's
// build-script opt-in, or npm rebuild). Each case runs in a scratch package holding a copy of dist/src.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { info } from '../../dist/src/backend.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const platform = `${process.platform}-${process.arch}`;
const libc = process.platform !== 'linux' ? '' : process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';
const otherLibc = libc === 'musl' ? 'glibc' : 'musl';
const built = info().addon; // the addon this test run uses, copied into the scratch packages
const s = suite('native: addon loader');

/** A scratch installed package: package.json, dist/src, and the given files (path -> source file or '' for junk). */
function scratch(files) {
  const dir = mkdtempSync(join(tmpdir(), 'semigen-loader-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'semigen', type: 'module' }));
  cpSync(join(root, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true });
  for (const [path, from] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    if (from === '') writeFileSync(join(dir, path), 'not an addon');
    else copyFileSync(from, join(dir, path));
  }
  return dir;
}

/** The scratch package's info() in a fresh Node with no SEMIGEN_ADDON: its facts, or the error's message. */
function infoOf(dir) {
  const env = { ...process.env };
  delete env.SEMIGEN_ADDON;
  const backend = pathToFileURL(join(dir, 'dist', 'src', 'backend.js')).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { info } from ${JSON.stringify(backend)};
    try { console.log(JSON.stringify({ facts: info() })); } catch (e) { console.log(JSON.stringify({ error: e.message })); }`],
  { env, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

s('prebuildPaths keeps napi files for this C library, most specific first', async () => {
  const dir = scratch({
    [`prebuilds/${platform}/semigen.napi.node`]: '',
    [`prebuilds/${platform}/semigen.napi.${libc || 'glibc'}.node`]: '',
    [`prebuilds/${platform}/semigen.napi.${otherLibc}.node`]: '',
    [`prebuilds/${platform}/semigen.abi115.node`]: '',
    [`prebuilds/${platform}/semigen.napi.electron.node`]: '',
    [`prebuilds/${platform}/README.txt`]: '',
    ['prebuilds/other-arch/semigen.napi.node']: '',
  });
  try {
    const { prebuildPaths } = await import(pathToFileURL(join(dir, 'dist', 'src', 'backend.js')).href);
    const names = prebuildPaths(dir).map((p) => p.slice(join(dir, 'prebuilds', platform).length + 1));
    assert.equal(names, libc ? [`semigen.napi.${libc}.node`, 'semigen.napi.node'] : ['semigen.napi.node']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s('an installed package loads its prebuilt binary; a build from source wins over it', () => {
  const prebuilt = `prebuilds/${platform}/semigen.napi${libc ? `.${libc}` : ''}.node`;
  const dir = scratch({ [prebuilt]: built });
  try {
    const only = infoOf(dir);
    assert.ok(only.facts, only.error);
    assert.is(only.facts.addon, join(dir, prebuilt));
    mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
    copyFileSync(built, join(dir, 'build', 'Release', 'semigen.node'));
    assert.is(infoOf(dir).facts?.addon, join(dir, 'build', 'Release', 'semigen.node'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s('with no addon at all, the error says what to do: a package manager that skipped the build, or a clone', () => {
  const dir = scratch({ [`prebuilds/${process.platform}-not-this-arch/semigen.napi.node`]: built });
  try {
    const { error } = infoOf(dir);
    assert.match(error, /cannot load the native addon/);
    assert.match(error, new RegExp(`no prebuilt addon fits ${platform}.*${process.platform}-not-this-arch`));
    assert.match(error, /pnpm approve-builds/);
    assert.match(error, /npm rebuild semigen/);
    mkdirSync(join(dir, '.git'));
    assert.match(infoOf(dir).error, /not built: run `npm install` in /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
