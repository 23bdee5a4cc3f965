// The CUDA kernels checked without a GPU: runs build/semigen_cuda_bodies_check (kernels/cuda/check/), which compiles
// the compute files of kernels/cuda/ for the host, runs every launch thread by thread with the kernels' own barriers
// and shuffles, and compares each entry with the CPU kernels, Philox bit for bit. Then builds the checker again from
// copies of kernels/cuda/ with one deliberate mistake each (a __syncthreads removed, an index shifted), each of
// which must fail: the proof that the checks can fail. Runs on every machine (the checker needs no nvcc). The checker
// is no part of the addon's build: it is built here, once per run of the suite (a no-op when it is up to date).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
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

/** A checker's environment: SEMIGEN_CUDA_SYNC (which device.cu, compiled into it, reads) unset unless `sync`. */
function checkerEnv(sync = false) {
  const env = { ...process.env };
  delete env.SEMIGEN_CUDA_SYNC;
  if (sync) env.SEMIGEN_CUDA_SYNC = '1';
  return env;
}

/** Runs the checker, with SEMIGEN_CUDA_SYNC=1 when `sync`. */
function run(args, sync = false) {
  const failure = build();
  assert.is(failure, '', failure);
  assert.ok(existsSync(checker), `${checker} is missing after its build`);
  const r = spawnSync(checker, args, { encoding: 'utf8', timeout: 120_000, env: checkerEnv(sync) });
  assert.is(r.error, undefined, `running the checker: ${r.error}`);
  return { status: r.status, lines: r.stdout.split('\n').filter((l) => l.length > 0), stderr: r.stderr };
}

const s = suite('kernels: cuda bodies on the host');

s('every CUDA kernel body agrees with the CPU kernels over its launch grid', () => {
  const { status, lines, stderr } = run([]);
  const failures = lines.filter((l) => l.startsWith('FAIL'));
  assert.equal(failures.slice(0, 10), [], `failing cases (${failures.length}):\n${failures.slice(0, 10).join('\n')}`);
  const summary = lines.at(-1) ?? '';
  const m = /^cuda bodies: (\d+) cases, (\d+) failed \((\d+) launches\)$/.exec(summary);
  assert.ok(m, `last line should be the summary, got "${summary}" (stderr: ${stderr})`);
  assert.is(Number(m[2]), 0);
  assert.is(status, 0, 'exit status');
  const ok = lines.filter((l) => l.startsWith('ok   '));
  assert.is(ok.length, Number(m[1]), 'one ok line per case');
  assert.ok(ok.length >= 1000, `only ${ok.length} cases ran`);
  assert.ok(Number(m[3]) >= 1000, `only ${m[3]} launches ran`);
  // every case ran in both thread orders
  assert.is(ok.filter((l) => l.endsWith(' [reversed]')).length * 2, ok.length, 'half the cases run reversed');
  // every family ran, and the cases the brief names are there
  const has = (re, what) => assert.ok(ok.some((l) => re.test(l)), `no passing case for ${what}`);
  for (const family of ['unary', 'unary_backward', 'binary', 'copy_2d', 'gather_rows', 'reduce', 'softmax',
    'log_softmax', 'softmax_xent', 'sigmoid_xent', 'gaussian_kl', 'random', 'reparameterize', 'adam', 'adamw', 'sgd',
    'gemm', 'batchnorm_forward', 'batchnorm_backward']) {
    has(new RegExp(`^ok {3}${family} `), family);
  }
  has(/philox words equal the CPU's bit for bit/, 'the Philox stream');
  has(/^ok {3}copy_from_host: .* staging slots/, "memory.cu's staged uploads");
  has(/^ok {3}release waits for the queued work/, 'release waiting for the device');
  has(/^ok {3}the kernel table makes each stream's device current/, 'several devices from one thread');
  has(/philox known-answer vector/, 'the Philox known-answer vector');
  for (const a of ['full', 'row', 'col', 'scalar'])
    for (const b of ['full', 'row', 'col', 'scalar']) has(new RegExp(`binary \\w+ .* a ${a} b ${b} `), `binary ${a}/${b}`);
  for (const t of ['NN', 'NT', 'TN', 'TT'])
    for (const tiles of ['128x128', '64x64'])
      for (const loads of ['float4', 'scalar']) has(new RegExp(`gemm ${t} .*${tiles} tiles, ${loads} loads`), `gemm ${t} ${tiles} ${loads}`);
  has(/gemm NT 100x500x784 .*64x64 tiles, .*k in \d+ slices/, 'split-K on a training shape');
  has(/gemm .*k in 16 slices/, 'split-K at its most slices');
  has(/gemm .*, float4 stores/, 'float4 stores of C');
  for (const act of ['relu', 'leaky_relu', 'sigmoid', 'tanh']) has(new RegExp(`gemm .* bias ${act},`), `gemm bias + ${act}`);
  has(/reduce \w+ rows .*\(block team\)/, 'row reductions over a block team');
  for (const k of ['forward', 'backward']) has(new RegExp(`batchnorm_${k} .*\\(tile loop\\)`), `batch norm ${k} on a capped grid`);
  // faults.h: a lost context named as such, with the restart and SEMIGEN_CUDA_SYNC advice
  for (const c of ['fault classification', 'fault text sticky', 'fault text sticky, reported later',
    'fault text sticky, synchronised', 'fault text not sticky']) has(new RegExp(`^ok {3}${c}$`), c);
  has(/^ok {3}a faulting kernel met through the kernel table: reported at the next synchronisation/, 'a fault met later');
  // with SEMIGEN_CUDA_SYNC=1 the faulting launch reports it under its own name
  const synced = run(['faults'], true);
  assert.ok(synced.lines.some((l) => /^ok {3}a faulting kernel .*SEMIGEN_CUDA_SYNC=1: reported by its own launch/.test(l)),
    synced.lines.filter((l) => l.startsWith('FAIL')).join('\n') || 'no SEMIGEN_CUDA_SYNC=1 case ran');
  assert.is(synced.status, 0);
});

s('the checker compiles every .cu file that launches a kernel, and no launch bypasses SG_LAUNCH', () => {
  const cuda = join(root, 'kernels/cuda');
  const read = (f) => readFileSync(join(cuda, f), 'utf8');
  const launching = readdirSync(cuda).filter((f) => f.endsWith('.cu') && read(f).includes('SG_LAUNCH('));
  const onHost = readdirSync(join(cuda, 'check/on_host')).map((f) => f.replace(/\.cc$/, '.cu'));
  assert.ok(launching.length >= 9, `only ${launching.length} .cu files launch kernels`);
  assert.equal(onHost.sort(), [...launching, 'device.cu', 'memory.cu', 'table.cu'].sort(),
    'check/on_host/: every .cu file');
  for (const f of readdirSync(cuda).filter((g) => g.endsWith('.cu'))) {
    assert.not.match(read(f), /<<</, `${f} launches with <<< >>>, which the host checker cannot run`);
  }
});

// Each mutant: in kernels/cuda/FILE, occurrence `nth` (0-based) of `find` becomes `replace`; the families of the
// checker that must then fail. A header's mutant rebuilds every compute file (they all include it).
const mutants = [
  ['batchnorm forward: no barrier between the sums and the squares', 'batchnorm.cu', '__syncthreads();', 0, '', 'batchnorm'],
  ['batchnorm forward: no barrier between the squares and the normalise step', 'batchnorm.cu', '__syncthreads();', 1, '',
    'batchnorm'],
  ['batchnorm backward: no barrier between the sums and the gradient', 'batchnorm.cu', '__syncthreads();', 2, '',
    'batchnorm'],
  ["batchnorm backward: no barrier between one tile's gradient and the next tile's sums", 'batchnorm.cu',
    '__syncthreads();', 3, '', 'batchnorm'],
  ['gemm: no barrier after the first tile is stashed', 'gemm.cu', '__syncthreads();', 0, '', 'gemm'],
  ['gemm: no barrier at the end of a k step', 'gemm.cu', '__syncthreads();', 1, '', 'gemm'],
  ['column reductions: no barrier before the partials are combined', 'reduce.cu', '__syncthreads();', 0, '', 'reduce'],
  ['column reductions: no barrier before the partials are written again', 'reduce.cu', '__syncthreads();', 1, '',
    'reduce'],
  ["block reductions: no barrier before the warps' results are read", 'launch.cuh', '__syncthreads();', 0, '', 'reduce'],
  ['block reductions: no barrier before the scratch is written again', 'launch.cuh', '__syncthreads();', 1, '', 'reduce'],
  ['gemm: the tile grid taken as tiles_m x tiles_m', 'gemm.cu', 'gemm_tile_of_block(blockIdx.x - slice * tiles, tiles_m, tiles_n,',
    0, 'gemm_tile_of_block(blockIdx.x - slice * tiles, tiles_m, tiles_m,', 'gemm'],
  ['gemm: float4 stores of C write each run of 4 columns out of order', 'bodies/gemm.cuh',
    'gemm_finish(g, acc[i][4 * run + j], v + j, col + j)', 0, 'gemm_finish(g, acc[i][4 * run + (j ^ 1)], v + j, col + j)',
    'gemm'],
  ['gemm split-K: the slices added from the second on', 'bodies/gemm.cuh', 'float acc = g.partial[i];', 0,
    'float acc = 0.f;', 'gemm'],
  ['gemm split-K: each slice multiplied from k = 0', 'gemm.cu', 'const size_t k0 = slice * g.slice_k,', 0,
    'const size_t k0 = 0 * slice * g.slice_k,', 'gemm'],
  ["unary: the launch's last element left out", 'elementwise.cu', 'to_stream(s))(op, n, x, y, alpha, beta);', 0,
    'to_stream(s))(op, n - (n > 1), x, y, alpha, beta);', 'elementwise'],
  ["adam: a batch's last tensor left out of the grid", 'optim.cu', 'SG_LAUNCH(adam_kernel, batch.first_block[batch.count]',
    0, 'SG_LAUNCH(adam_kernel, batch.first_block[batch.count - 1]', 'optim'],
  ['uploads: a staging slot written again before its copy has run', 'memory.cu',
    'if (st.queued[slot]) SG_CUDA_TRY(cudaEventSynchronize(st.done[slot]));', 0, '', 'memory'],
  ['release: a block freed without waiting for the device', 'memory.cu', 'SG_CUDA_TRY(cudaDeviceSynchronize());', 0, '',
    'memory'],
  ['device.cu: a sticky fault recorded as an ordinary error', 'device.cu', 'const bool sticky = is_sticky_fault(int(error));',
    0, 'const bool sticky = false;', 'faults'],
  ["kernel table: an entry run without making its stream's device current", 'table.cu',
    'const sg_status status = sg::cuda::enter(s);', 0, 'const sg_status status = SG_OK;', 'devices'],
  ['random: the Philox counter one ahead', 'random.cu', '(dist, n, seed, offset, p1,', 0, '(dist, n, seed, offset + 1, p1,',
    'random'],
].map(([name, file, find, nth, replace, family]) => ({ name, file, find, nth, replace, family }));

/** The build description CMake writes beside the checker (CMakeLists.txt), or null under node-gyp. */
function buildDescription() {
  const path = join(root, 'build', 'semigen_cuda_check_build.json');
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null;
}

/** Resolves with { status, output } of a child process (a checker gets checkerEnv(), as run() gives it). */
function runChild(command, args, isChecker = false) {
  const env = isChecker ? checkerEnv() : process.env;
  return new Promise((done) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('error', (e) => done({ status: -1, output: String(e) }));
    child.on('close', (status) => done({ status, output }));
  });
}

/** Every file `file` includes with #include "...", directly or not: found beside the includer, then in `searched`. */
function includes(file, searched, seen = new Set()) {
  for (const [, name] of readFileSync(file, 'utf8').matchAll(/^\s*#include "([^"]+)"/gm)) {
    const found = [dirname(file), ...searched].map((d) => resolve(d, name)).find((f) => existsSync(f));
    if (found && !seen.has(found)) {
      seen.add(found);
      includes(found, searched, seen);
    }
  }
  return seen;
}

/** Builds the checker from a copy of kernels/ with `m` applied and runs its family: what it printed. */
async function runMutant(desc, m) {
  const dir = mkdtempSync(join(tmpdir(), 'semigen-mutant-'));
  try {
    cpSync(dirname(desc.source), dir, { recursive: true });  // kernels/: check files reach ../../cpu
    const cuda = join(dir, basename(desc.source));
    const path = join(cuda, m.file);
    const text = readFileSync(path, 'utf8');
    let at = -1;
    for (let i = 0; i <= m.nth; i += 1) {
      at = text.indexOf(m.find, at + 1);
      if (at < 0) return { error: `${m.file} has no occurrence ${m.nth} of "${m.find}"` };
    }
    writeFileSync(path, text.slice(0, at) + m.replace + text.slice(at + m.find.length));
    // the objects to build again: those whose sources include the edited file, directly or not
    const sourceOf = (object) => {
      const name = basename(object).replace(/\.o$/, '');
      return object.includes('/on_host/') ? join(cuda, 'check', 'on_host', name) : join(cuda, 'check', name);
    };
    const searched = [cuda, ...desc.includes.filter((i) => !i.endsWith('/kernels/cuda')).map((i) => i.slice(2))];
    const rebuilt = desc.objects.filter((o) => includes(sourceOf(o), searched).has(path));
    if (rebuilt.length === 0) return { error: `no object is built from ${m.file}` };
    const flags = desc.includes.map((i) => (i.endsWith('/kernels/cuda') ? `-I${cuda}` : i));
    const objects = desc.objects.map((o) => (rebuilt.includes(o) ? join(dir, `${basename(o)}`) : o));
    const compiled = [];
    for (let i = 0; i < rebuilt.length; i += 2) {  // two compilers at a time
      compiled.push(...await Promise.all(rebuilt.slice(i, i + 2).map((o) => runChild(desc.compile[0], [...desc.compile.slice(1),
        ...flags, '-c', sourceOf(o), '-o', join(dir, basename(o))]))));
    }
    const failed = compiled.find((c) => c.status !== 0);
    if (failed) return { error: `compiling the mutant failed: ${failed.output.slice(0, 2000)}` };
    const checker = join(dir, 'checker');
    const linked = await runChild(desc.compile[0], [...objects, ...desc.link, '-o', checker]);
    if (linked.status !== 0) return { error: `linking the mutant failed: ${linked.output.slice(0, 2000)}` };
    const ran = await runChild(checker, [m.family], true);
    return { status: ran.status, lines: ran.output.split('\n') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

s('the checker fails the kernels built with each deliberate mistake (a barrier removed, an index shifted)', async () => {
  assert.is(build(), '');
  const desc = buildDescription();
  if (desc === null) {
    console.log('  (checker built by node-gyp: the mutants need the CMake build description, not run)');
    return;
  }
  // each family the mutants use passes on its own in the unmutated checker, so a mutant's failures are its own
  for (const family of new Set(mutants.map((m) => m.family))) {
    const { status, lines } = run([family]);
    const m = /^cuda bodies: (\d+) cases, 0 failed/.exec(lines.at(-1) ?? '');
    assert.ok(status === 0 && m && Number(m[1]) > 0, `the unmutated checker's ${family} family: ${lines.slice(-3).join(' | ')}`);
  }
  const missed = [];
  let next = 0;
  const worker = async () => {  // two at a time: each compiles, then runs single-threaded
    while (next < mutants.length) {
      const m = mutants[next];
      next += 1;
      const r = await runMutant(desc, m);
      if (r.error) missed.push(`${m.name}: ${r.error}`);
      else {
        const failures = r.lines.filter((l) => l.startsWith('FAIL'));
        const summary = r.lines.find((l) => l.startsWith('cuda bodies: '));
        if (r.status !== 1 || failures.length === 0 || !summary) {
          missed.push(`${m.name}: not caught (exit ${r.status}, ${failures.length} failing cases)`);
        }
      }
    }
  };
  await Promise.all([worker(), worker()]);
  assert.equal(missed, [], `mutants not caught:\n${missed.join('\n')}`);
});

s.run();
