// Checkpoints: the model, optimizer, generator and sampler state survive a save/load into fresh objects exactly; the
// replaced checkpoint is kept; a wrong or broken file is an Error naming it; and a writer killed mid-checkpoint
// (SIGKILL of a child process while it writes, or a crash that leaves a partial temp file) leaves the previous
// checkpoint whole and loadable.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as sg from '../../dist/src/index.js';
import { ShuffledBatches } from '../../dist/src/data/batches.js';
import {
  captureState, restoreState, saveCheckpoint, loadCheckpoint, previousPath,
} from '../../dist/src/train/checkpoint.js';
import { readSafetensors, writeSafetensors } from '../../dist/src/train/safetensors.js';
import { tempPathFor } from '../../dist/src/train/files.js';
import { TinyModel, syntheticSplit } from './fixtures.js';
import { assertThrows } from '../helpers.js';

const s = suite('train: checkpoints');
const dir = mkdtempSync(join(tmpdir(), 'semigen-ckpt-'));
s.after(() => rmSync(dir, { recursive: true, force: true }));
const fixtures = fileURLToPath(new URL('./fixtures.js', import.meta.url));

/** A few training steps so every piece of state is non-trivial. */
function trained(model, batches, steps, data) {
  const x = sg.keep(sg.fromArray(data.x, [data.count, data.features]));
  for (let i = 0; i < steps; i++) sg.tidy(() => model.trainStep({ x: sg.gatherRows(x, batches.next()) }));
  x.dispose();
}

function sameState(a, b, what) {
  assert.equal(Object.keys(a), Object.keys(b), `${what}: names`);
  for (const k of Object.keys(a)) {
    assert.equal(a[k].shape, b[k].shape, `${what} ${k}: shape`);
    assert.ok(Buffer.from(a[k].data.buffer, a[k].data.byteOffset, a[k].data.byteLength)
      .equals(Buffer.from(b[k].data.buffer, b[k].data.byteOffset, b[k].data.byteLength)), `${what} ${k}: bits`);
  }
}

s('save -> load -> restore into fresh objects reproduces every piece of state bit for bit', () => {
  const data = syntheticSplit(50);
  const model = new TinyModel(11);
  const batches = new ShuffledBatches(50, 8, 5);
  trained(model, batches, 9, data);
  const path = join(dir, 'round.safetensors');
  const config = { model: model.config, seed: 5, note: 'ü' };
  saveCheckpoint(path, captureState(model, batches, { step: 9, epoch: 2, config, progress: { wall_s: 1.5, log: { sums: { loss: 0.1 + 0.2 }, count: 3 } } }));

  const state = loadCheckpoint(path);
  assert.is(state.step, 9);
  assert.is(state.epoch, 2);
  assert.equal(state.config, config);
  assert.is(state.progress.log.sums.loss, 0.1 + 0.2, 'doubles in metadata round-trip exactly');

  const fresh = new TinyModel(99);
  const freshBatches = new ShuffledBatches(50, 8, 77);
  restoreState(fresh, freshBatches, state, path);
  sameState(fresh.module.stateDict(), model.module.stateDict(), 'weights');
  const [a, b] = [fresh.optimizers.adam.getState(), model.optimizers.adam.getState()];
  assert.is(a.step, b.step);
  assert.is(a.lr, b.lr);
  for (const slot of Object.keys(b.slots)) b.slots[slot].forEach((v, i) => assert.equal(Array.from(a.slots[slot][i]), Array.from(v), `${slot}.${i}`));
  assert.equal(fresh.generator.getState(), model.generator.getState());
  assert.equal(Array.from(freshBatches.next()), Array.from(batches.next()), 'next batch');

  // and the next training step of both is the same, to the bit
  const x = sg.keep(sg.fromArray(data.x, [50, 8]));
  const idx = Int32Array.from([1, 2, 3, 4]);
  const l1 = sg.tidy(() => model.trainStep({ x: sg.gatherRows(x, idx) }).loss);
  const l2 = sg.tidy(() => fresh.trainStep({ x: sg.gatherRows(x, idx) }).loss);
  assert.is(l2, l1);
  x.dispose();
  model.dispose();
  fresh.dispose();
});

s('the file is plain safetensors: model.*, optimizer.*, batches.order (I32), string metadata', () => {
  const model = new TinyModel(2);
  const batches = new ShuffledBatches(20, 4, 1);
  batches.next();
  const path = join(dir, 'plain.safetensors');
  saveCheckpoint(path, captureState(model, batches, { step: 1, epoch: 1, config: {}, progress: {} }));
  const { tensors, metadata } = readSafetensors(path);
  assert.equal(tensors.get('model.layers.0.weight').shape, model.module.stateDict()['layers.0.weight'].shape);
  assert.is(tensors.get('model.layers.0.weight').dtype, 'F32');
  assert.equal(tensors.get('optimizer.adam.m.0').shape, model.optimizers.adam.params[0].shape);
  assert.is(tensors.get('batches.order').dtype, 'I32');
  assert.equal(JSON.parse(metadata.generator), { seed: 2, offset: model.generator.offset });
  for (const v of Object.values(metadata)) assert.type(v, 'string');
  model.dispose();
});

s('saving keeps the replaced checkpoint as .prev and leaves no temp file', () => {
  const model = new TinyModel(3);
  const path = join(dir, 'keep', 'checkpoint.safetensors');
  saveCheckpoint(path, captureState(model, null, { step: 1, epoch: 1, config: {}, progress: {} }));
  assert.not.ok(existsSync(previousPath(path)));
  saveCheckpoint(path, captureState(model, null, { step: 2, epoch: 1, config: {}, progress: {} }));
  saveCheckpoint(path, captureState(model, null, { step: 3, epoch: 1, config: {}, progress: {} }));
  assert.is(loadCheckpoint(path).step, 3);
  assert.is(loadCheckpoint(previousPath(path)).step, 2);
  assert.equal(readdirSync(join(dir, 'keep')).sort(), ['checkpoint.prev.safetensors', 'checkpoint.safetensors']);
  model.dispose();
});

s('checkpoints of another model, or not ours, are refused with the file named', () => {
  const model = new TinyModel(4);
  const path = join(dir, 'other.safetensors');
  saveCheckpoint(path, captureState(model, null, { step: 1, epoch: 1, config: {}, progress: {} }));
  const wider = new TinyModel(4, { hidden: 7 });
  assertThrows(() => restoreState(wider, null, loadCheckpoint(path), path), /other\.safetensors: cannot restore the model weights/, /shape/);
  const batches = new ShuffledBatches(10, 2, 0);
  assertThrows(() => restoreState(model, batches, loadCheckpoint(path), path), /holds no batch sampler state/);

  const foreign = join(dir, 'foreign.safetensors');
  writeSafetensors(foreign, { w: { shape: [1], data: new Float32Array(1) } }, { format: 'pt' });
  assertThrows(() => loadCheckpoint(foreign), /foreign\.safetensors: not a semigen checkpoint: format is "pt"/);

  const st = readSafetensors(path);
  const meta = { ...st.metadata, optimizers: '{"adam": {"step": 1, "lr": 0.01, "slots": ["m", "v"], "params": 9}}' };
  const tensors = Object.fromEntries([...st.tensors].map(([k, t]) => [k, { shape: t.shape, data: t.data }]));
  writeSafetensors(join(dir, 'missing.safetensors'), tensors, meta);
  assertThrows(() => loadCheckpoint(join(dir, 'missing.safetensors')), /missing\.safetensors: .*tensor 'optimizer\.adam\.m\.4' is missing/);
  writeSafetensors(join(dir, 'badjson.safetensors'), tensors, { ...st.metadata, config: '{' });
  assertThrows(() => loadCheckpoint(join(dir, 'badjson.safetensors')), /badjson\.safetensors: .*metadata 'config' is not JSON/);
  writeFileSync(join(dir, 'cut.safetensors'), readFileSync(path).subarray(0, 100));
  assertThrows(() => loadCheckpoint(join(dir, 'cut.safetensors')), /cut\.safetensors: not a valid safetensors file/);
  model.dispose();
  wider.dispose();
});

s('weights that changed after saving (flipped bits), that are not finite, or named like __proto__ are refused', () => {
  const model = new TinyModel(4);
  const path = join(dir, 'checked.safetensors');
  saveCheckpoint(path, captureState(model, null, { step: 3, epoch: 1, config: {}, progress: {} }));
  const st = readSafetensors(path);
  assert.type(st.metadata.tensors_sha256, 'string');
  // one exponent bit of one weight flipped in the file: the bytes still parse, the checksum no longer matches
  const bytes = readFileSync(path);
  const name = [...st.tensors.keys()].find((k) => k.startsWith('model.'));
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString());
  const at = 8 + Number(bytes.readBigUInt64LE(0)) + header[name].data_offsets[0] + 3;
  const flipped = Buffer.from(bytes);
  flipped[at] ^= 0x40;
  writeFileSync(join(dir, 'flipped.safetensors'), flipped);
  assertThrows(() => loadCheckpoint(join(dir, 'flipped.safetensors')), /flipped\.safetensors: .*do not match the checksum/);
  // NaN written as a weight (a diverged run) with a checksum that matches it: refused, naming the weight
  const tensors = Object.fromEntries([...st.tensors].map(([k, t]) => [k.slice('model.'.length), { shape: t.shape, data: Float32Array.from(t.data) }])
    .filter(([k]) => !k.includes('optimizer') && !k.includes('batches')));
  const nanModel = Object.fromEntries(Object.entries(tensors));
  nanModel[name.slice('model.'.length)].data[0] = NaN;
  const state = captureState(model, null, { step: 3, epoch: 1, config: {}, progress: {} });
  saveCheckpoint(join(dir, 'nan.safetensors'), { ...state, model: { ...state.model, ...nanModel } });
  assertThrows(() => loadCheckpoint(join(dir, 'nan.safetensors')), /nan\.safetensors: .*weight 'model\.[^']+' holds NaN at element 0/);
  // an extra tensor named model.__proto__ is a weight the model does not have, not a prototype
  saveCheckpoint(join(dir, 'proto.safetensors'), { ...state, model: { ...state.model, ['__proto__']: { shape: [1], data: new Float32Array(1) } } });
  const withProto = loadCheckpoint(join(dir, 'proto.safetensors'));
  assert.ok(Object.hasOwn(withProto.model, '__proto__'), 'the __proto__ weight was dropped');
  const fresh = new TinyModel(4);
  assertThrows(() => restoreState(fresh, null, withProto, 'proto.safetensors'), /proto\.safetensors: cannot restore the model weights/);
  model.dispose();
  fresh.dispose();
});

s('a crash between writing and renaming leaves the last checkpoint whole; the stale temp file goes next time', () => {
  const model = new TinyModel(6);
  const path = join(dir, 'crash', 'checkpoint.safetensors');
  saveCheckpoint(path, captureState(model, null, { step: 10, epoch: 1, config: {}, progress: {} }));
  const good = readFileSync(path);
  // what a writer (pid 999999, long gone) leaves when it dies mid-file: half of a newer checkpoint
  const stale = `${path}.tmp-999999`;
  writeFileSync(stale, good.subarray(0, good.length >> 1));
  const stalePrevious = `${previousPath(path)}.tmp-999999`; // died while keeping the previous checkpoint
  writeFileSync(stalePrevious, good);
  assert.ok(readFileSync(path).equals(good));
  assert.is(loadCheckpoint(path).step, 10);
  assertThrows(() => loadCheckpoint(stale), /not a valid safetensors file/);
  saveCheckpoint(path, captureState(model, null, { step: 11, epoch: 1, config: {}, progress: {} }));
  assert.not.ok(existsSync(stale), 'a dead process\'s temp file is removed');
  assert.not.ok(existsSync(stalePrevious), 'and its temp copy of the previous checkpoint');
  assert.is(loadCheckpoint(path).step, 11);
  model.dispose();
});

s('SIGKILL of a process while it writes a checkpoint leaves the previous one whole and loadable', async () => {
  const folder = join(dir, 'killed');
  const path = join(folder, 'checkpoint.safetensors');
  const model = new TinyModel(5);
  saveCheckpoint(path, captureState(model, null, { step: 1, epoch: 1, config: {}, progress: {} }));
  model.dispose();
  const before = readFileSync(path);

  // the child writes a 192 MB checkpoint; we kill it as soon as its temp file has bytes in it
  const child = spawn(process.execPath, [fixtures, 'big-checkpoint', JSON.stringify({ path, step: 2, floats: 48 << 20 })],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const temp = tempPathFor(path).replace(`tmp-${process.pid}`, `tmp-${child.pid}`);
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const killedAt = await new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      let size = -1;
      try {
        size = statSync(temp).size;
      } catch { /* not yet */ }
      if (size > 0) {
        clearInterval(poll);
        child.kill('SIGKILL');
        resolve(size);
      } else if (Date.now() - started > 60000 || child.exitCode !== null) {
        clearInterval(poll);
        reject(new Error(`the child never started writing (${out})`));
      }
    }, 1);
  });
  const signal = await new Promise((resolve) => child.on('exit', (_, sig) => resolve(sig)));
  assert.is(signal, 'SIGKILL');
  assert.not.ok(out.includes('written'), 'killed before the rename');
  assert.ok(killedAt > 0 && killedAt < 192 << 20, `killed mid-file (${killedAt} bytes written)`);
  assert.ok(readFileSync(path).equals(before), 'the checkpoint is byte-for-byte the previous one');
  assert.is(loadCheckpoint(path).step, 1);
  assert.ok(existsSync(temp), 'the partial temp file is what the crash left');
  assertThrows(() => loadCheckpoint(temp), /not a valid safetensors file/);
});

s.run();
