// The CUDA kernels checked without a GPU: runs build/semigen_cuda_bodies_check (kernels/cuda/check/), which
// executes every CUDA kernel body on the host over its launcher's grid and compares it with the CPU kernels,
// Philox bit for bit. Then reruns it with deliberate indexing mistakes injected, each of which must be
// caught: the proof that the checks can fail. Runs on every machine (the checker needs no nvcc). The checker is
// no part of the addon's build: it is built here, once per run of the suite (a no-op when it is up to date).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
// npm install configures build/ with CMake (cmake-js) or, where CMake is missing, with node-gyp (binding.gyp, whose
// make files hold the same target and put it under Release/)
const byNodeGyp = !existsSync(join(root, 'build', 'CMakeCache.txt')) && existsSync(join(root, 'build', 'Makefile'));
const checker = join(root, 'build', ...(byNodeGyp ? ['Release'] : []), 'semigen_cuda_bodies_check');

let built = null;

/** Builds the checker target in the addon's build folder (configured by npm install); null, or why it failed. */
function build() {
  if (built === null) {
    const [tool, args] = byNodeGyp ? ['make', ['-C', join(root, 'build'), 'BUILDTYPE=Release', 'semigen_cuda_bodies_check']]
      : ['cmake', ['--build', join(root, 'build'), '--target', 'semigen_cuda_bodies_check']];
    const r = spawnSync(tool, args, { encoding: 'utf8', timeout: 600_000 });
    built = r.status === 0 ? '' : `${tool} ${args.join(' ')} failed (${r.error ?? r.status}): ` +
      `${(r.stdout + r.stderr).split('\n').slice(-15).join('\n')}`;
  }
  return built;
}

function run(args) {
  const failure = build();
  assert.is(failure, '', failure);
  assert.ok(existsSync(checker), `${checker} is missing after its build`);
  const r = spawnSync(checker, args, { encoding: 'utf8', timeout: 120_000 });
  assert.is(r.error, undefined, `running the checker: ${r.error}`);
  return { status: r.status, lines: r.stdout.split('\n').filter((l) => l.length > 0), stderr: r.stderr };
}

const s = suite('kernels: cuda bodies on the host');

s('every CUDA kernel body agrees with the CPU kernels over its launch grid', () => {
  const { status, lines, stderr } = run([]);
  const failures = lines.filter((l) => l.startsWith('FAIL'));
  assert.equal(failures.slice(0, 10), [], `failing cases (${failures.length}):\n${failures.slice(0, 10).join('\n')}`);
  const summary = lines.at(-1) ?? '';
  const m = /^cuda bodies: (\d+) cases, (\d+) failed$/.exec(summary);
  assert.ok(m, `last line should be the summary, got "${summary}" (stderr: ${stderr})`);
  assert.is(Number(m[2]), 0);
  assert.is(status, 0, 'exit status');
  const ok = lines.filter((l) => l.startsWith('ok   '));
  assert.is(ok.length, Number(m[1]), 'one ok line per case');
  assert.ok(ok.length >= 1000, `only ${ok.length} cases ran`);
  // every family ran, and the cases the brief names are there
  const has = (re, what) => assert.ok(ok.some((l) => re.test(l)), `no passing case for ${what}`);
  for (const family of ['unary', 'unary_backward', 'binary', 'copy_2d', 'gather_rows', 'reduce', 'softmax',
    'log_softmax', 'softmax_xent', 'sigmoid_xent', 'gaussian_kl', 'random', 'reparameterize', 'adam', 'adamw', 'sgd',
    'gemm', 'batchnorm_forward', 'batchnorm_backward']) {
    has(new RegExp(`^ok {3}${family} `), family);
  }
  has(/philox words equal the CPU's bit for bit/, 'the Philox stream');
  has(/philox known-answer vector/, 'the Philox known-answer vector');
  for (const a of ['full', 'row', 'col', 'scalar'])
    for (const b of ['full', 'row', 'col', 'scalar']) has(new RegExp(`binary \\w+ .* a ${a} b ${b} `), `binary ${a}/${b}`);
  for (const t of ['NN', 'NT', 'TN', 'TT'])
    for (const tiles of ['128x128', '64x64'])
      for (const loads of ['float4', 'scalar']) has(new RegExp(`gemm ${t} .*${tiles} tiles, ${loads} loads`), `gemm ${t} ${tiles} ${loads}`);
  for (const act of ['relu', 'leaky_relu', 'sigmoid', 'tanh']) has(new RegExp(`gemm .* bias ${act},`), `gemm bias + ${act}`);
  has(/reduce \w+ rows .*\(block team\)/, 'row reductions over a block team');
  for (const k of ['forward', 'backward']) has(new RegExp(`batchnorm_${k} .*\\(tile loop\\)`), `batch norm ${k} on a capped grid`);
  // faults.h: a lost context named as such, with the restart and SEMIGEN_CUDA_SYNC advice
  for (const c of ['fault classification', 'fault text sticky', 'fault text sticky, reported later',
    'fault text sticky, synchronised', 'fault text not sticky']) has(new RegExp(`^ok {3}${c}$`), c);
});

s('the checker catches each deliberate mistake injected into the launch emulation', () => {
  const { status, lines } = run(['--mutants']);
  const mutants = lines.filter((l) => l.startsWith('mutant '));
  assert.ok(mutants.length >= 10, `expected at least 10 mutants, got ${mutants.length}`);
  const missed = mutants.filter((l) => !/: detected \((\d+) of \d+ cases failed\)$/.test(l) || / detected \(0 of/.test(l));
  assert.equal(missed, [], `mutants not caught:\n${missed.join('\n')}`);
  assert.match(lines.at(-1) ?? '', new RegExp(`^mutants: ${mutants.length} detected, 0 missed$`));
  assert.is(status, 0);
});

s.run();
