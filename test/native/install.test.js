// The install step (scripts/install.mjs) in a scratch installed package, with a PATH that holds only `node`: a
// prebuilt binary that loads means nothing is built; one that does not load, or --build-from-source, goes on to
// the source builds, and with no CMake, make or compiler the install fails with one message that lists each way
// tried and what to install. (The builds themselves, cmake-js and node-gyp, take minutes: CI's npm install runs one.)
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { info } from '../../dist/src/backend.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const libc = process.platform !== 'linux' ? '' : process.report.getReport().header.glibcVersionRuntime ? '.glibc' : '.musl';
const prebuilt = join('prebuilds', `${process.platform}-${process.arch}`, `semigen.napi${libc}.node`);
const s = suite('native: the install step');

/** A scratch installed package (no .git) with the install script, dist/src and the prebuilt file given (or junk). */
function scratch(prebuild) {
  const dir = mkdtempSync(join(tmpdir(), 'semigen-install-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'semigen', type: 'module' }));
  cpSync(join(root, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true });
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(join(root, 'scripts', 'install.mjs'), join(dir, 'scripts', 'install.mjs'));
  mkdirSync(join(dir, prebuilt, '..'), { recursive: true });
  if (prebuild === 'junk') writeFileSync(join(dir, prebuilt), 'not an addon');
  else copyFileSync(prebuild, join(dir, prebuilt));
  mkdirSync(join(dir, 'bin'));
  symlinkSync(process.execPath, join(dir, 'bin', 'node'));
  return dir;
}

/** Runs the install step with only `node` on the PATH. */
function install(dir, env = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
    !/^(npm_config_(build_from_source|nodedir|python)|SEMIGEN_ADDON|SEMIGEN_CUDA|CXX)$/i.test(k)));
  return spawnSync(process.execPath, [join(dir, 'scripts', 'install.mjs')],
    { env: { ...clean, PATH: join(dir, 'bin'), ...env }, encoding: 'utf8', timeout: 120_000 });
}

s('a prebuilt binary that loads: nothing is built, and no compiler is needed', () => {
  const dir = scratch(info().addon);
  try {
    const r = install(dir);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`using the prebuilt addon ${prebuilt.replace(/[.]/g, '\\.')}.*nothing to build`));
    assert.not.ok(existsSync(join(dir, 'build')), 'no build folder');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s('no way to an addon: exit 1 and one message listing each way tried and what to install', () => {
  const dir = scratch('junk');
  try {
    const r = install(dir);
    assert.is(r.status, 1);
    assert.match(r.stderr, /no native addon for .*Tried:/);
    assert.match(r.stderr, /- prebuilt binary prebuilds\/.*: does not load here/);
    assert.match(r.stderr, /- cmake-js: cmake not found on the PATH/);
    assert.match(r.stderr, /- node-gyp: missing .*make, a C\+\+17 compiler/);
    assert.match(r.stderr, /install a C\+\+17 compiler with either CMake >= 3\.18 .* or make and Python 3 \(node-gyp\), then run `npm rebuild semigen`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s('--build-from-source passes over a prebuilt binary that would load', () => {
  const dir = scratch(info().addon);
  try {
    const r = install(dir, { npm_config_build_from_source: 'true' });
    assert.is(r.status, 1);
    assert.match(r.stderr, /- prebuilt binary: not used \(--build-from-source\)/);
    assert.match(r.stderr, /- cmake-js: cmake not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s('SEMIGEN_CUDA=ON never settles for node-gyp\'s CPU-only build', () => {
  const dir = scratch('junk');
  try {
    const r = install(dir, { SEMIGEN_CUDA: 'ON' });
    assert.is(r.status, 1);
    assert.match(r.stderr, /- node-gyp: not tried \(SEMIGEN_CUDA=ON asks for the CUDA side/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
