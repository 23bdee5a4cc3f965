// The training commands end to end on a small CSV: train, eval --json, sample / reconstruct / encode, --resume,
// and one-line errors with exit code 1 for bad models, flags, files and run folders.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../../dist/src/data/npy.js';
import { readSafetensors } from '../../dist/src/train/safetensors.js';

const main = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const cli = (...args) => spawnSync(process.execPath, [main, ...args], {
  encoding: 'utf8', timeout: 120_000, env: { ...process.env, SEMIGEN_NUM_THREADS: '1' },
});
const dir = mkdtempSync(join(tmpdir(), 'semigen-cli-'));
const csv = join(dir, 'blobs.csv');

// 240 rows of 16 "pixels" (4x4 images): two kinds of stripes, labels in the last column, a few unlabelled
{
  const lines = [[...Array.from({ length: 16 }, (_, i) => `p${i}`), 'label'].join(',')];
  let s = 7;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let r = 0; r < 240; r++) {
    const k = r % 2;
    const px = Array.from({ length: 16 }, (_, i) => ((i % 4 === 1 + k) ? 0.9 : 0.1) + 0.05 * rand());
    lines.push([...px.map((v) => v.toFixed(3)), r % 10 === 0 ? '' : String(k)].join(','));
  }
  writeFileSync(csv, `${lines.join('\n')}\n`);
}

const s = suite('cli: train, eval, sample, reconstruct, encode');
s.after(() => rmSync(dir, { recursive: true, force: true }));

function json(r) {
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

s('train vae on a CSV writes a run folder with its schema; eval --json reports the training rows under their name', () => {
  const out = join(dir, 'vae');
  const summary = json(cli('train', 'vae', '--data', csv, '--steps', '40', '--batch-size', '32', '--hidden', '16',
    '--latent', '2', '--out', out, '--json'));
  assert.is(summary.model, 'vae');
  assert.is(summary.step, 40);
  for (const f of ['config.json', 'metrics.jsonl', 'checkpoint.safetensors', 'loss.svg', 'schema.json']) {
    assert.ok(existsSync(join(out, f)), `${f} missing`);
  }
  const schema = JSON.parse(readFileSync(join(out, 'schema.json'), 'utf8'));
  assert.equal(schema.columns.map((c) => c.type), Array(16).fill('unit'), 'grey levels in [0, 1] are kept as they are');
  assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).model.likelihood, { kind: 'bernoulli' });
  const result = json(cli('eval', out, '--json'));
  assert.is(result.model, 'vae');
  assert.equal([result.evaluated, result.rows], ['train', 240]);
  assert.not.ok('test_neg_elbo' in result, 'the rows it trained on are not called test');
  assert.ok(Number.isFinite(result.train_neg_elbo) && result.train_neg_elbo > 0, JSON.stringify(result));
});

s('sample, reconstruct and encode use the trained run', () => {
  const out = join(dir, 'vae');
  const sample = json(cli('sample', out, '--count', '9', '--out', join(dir, 's.csv'), '--json'));
  assert.is(sample.count, 9);
  const rows = readFileSync(join(dir, 's.csv'), 'utf8').trim().split('\n');
  assert.is(rows[0], Array.from({ length: 16 }, (_, i) => `p${i}`).join(','), "a table's samples are rows of its columns");
  assert.is(rows.length, 10);
  assert.ok(rows.slice(1).every((r) => r.split(',').every((v) => Number(v) >= 0 && Number(v) <= 1)), rows.join('\n'));
  json(cli('reconstruct', out, '--count', '5', '--out', join(dir, 'r.csv'), '--json'));
  assert.is(readFileSync(join(dir, 'r.csv'), 'utf8').trim().split('\n').length, 6);
  const png = cli('sample', out, '--out', join(dir, 's.png'));
  assert.is(png.status, 1);
  assert.match(png.stderr, /--out must end in \.csv \(the run was trained on a table\)/);
  const enc = json(cli('encode', out, '--input', csv, '--out', join(dir, 'codes.npy'), '--json'));
  assert.is(enc.rows, 240);
  const codes = readNpy(join(dir, 'codes.npy'));
  assert.equal(codes.shape, [240, 2]);
  json(cli('encode', out, '--input', csv, '--out', join(dir, 'codes.csv'), '--json'));
  const lines = readFileSync(join(dir, 'codes.csv'), 'utf8').trim().split('\n');
  assert.is(lines.length, 241);
  assert.is(lines[0], 'z0,z1');
});

s('--resume continues a stopped run to the same final weights as an uninterrupted one', () => {
  const whole = join(dir, 'whole');
  const parts = join(dir, 'parts');
  const common = ['--data', csv, '--batch-size', '32', '--hidden', '8', '--latent', '2', '--seed', '3', '--json'];
  json(cli('train', 'ae', ...common, '--epochs', '4', '--out', whole));
  json(cli('train', 'ae', ...common, '--epochs', '2', '--out', parts));
  // the second part: same run, more epochs, resumed from the checkpoint at epoch 2
  const cfg = JSON.parse(readFileSync(join(parts, 'config.json'), 'utf8'));
  assert.is(cfg.epochs, 2);
  const resumed = json(cli('train', 'ae', ...common, '--epochs', '4', '--out', parts, '--resume'));
  assert.is(resumed.step, json(cli('eval', whole, '--json')).step);
  // weights and optimizer slots bit-identical (the metadata holds wall times, which differ)
  const a = readSafetensors(join(whole, 'checkpoint.safetensors')).tensors;
  const b = readSafetensors(join(parts, 'checkpoint.safetensors')).tensors;
  assert.equal([...a.keys()].sort(), [...b.keys()].sort());
  for (const [name, t] of a) {
    assert.ok(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)
      .equals(Buffer.from(b.get(name).data.buffer, b.get(name).data.byteOffset, b.get(name).data.byteLength)), `${name} differs`);
  }
});

s('bad models, flags, files and run folders exit 1 with one line', () => {
  const cases = [
    [['train'], /train needs a model/],
    [['train', 'resnet'], /unknown model 'resnet'/],
    [['train', 'vae', '--epochs', '2', '--steps', '5'], /--epochs or --steps, not both/],
    [['train', 'vae', '--data', csv, '--steps', '1', '--device', 'gpu'], /--device must be cpu or cuda:N, got 'gpu'/],
    [['train', 'vae', '--data', csv, '--steps', '1', '--latent', '-3', '--out', join(dir, 'bad')], /latent/],
    [['train', 'vae', '--data', join(dir, 'missing.csv'), '--steps', '1'], /missing\.csv/],
    [['train', 'vae', '--dataset', 'cifar'], /unknown dataset 'cifar'/],
    [['constructor'], /unknown command 'constructor'/],
    [['__proto__'], /unknown command '__proto__'/],
    [['train', 'vae', '--data', csv, '--steps', '1', '--option', '__proto__=1', '--out', join(dir, 'bad')], /vae: unknown config option __proto__/],
    [['train', 'vae', '--data', csv, '--steps', '1', '--option', 'constructor=1', '--out', join(dir, 'bad')], /vae: unknown config option constructor/],
    [['eval', join(dir, 'nowhere')], /run folder .*nowhere does not exist/],
    [['eval', dir], /is not a run folder/],
    [['sample', join(dir, 'whole')], /sample: the ae model has no sample\(\)/],
    [['encode', join(dir, 'vae'), '--input', csv], /encode needs --out/],
    [['encode', join(dir, 'vae'), '--input', csv, '--out', join(dir, 'x.txt')], /--out must end in \.npy or \.csv/],
  ];
  for (const [args, pattern] of cases) {
    const r = cli(...args);
    assert.is(r.status, 1, `${args.join(' ')}: exit ${r.status} ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.is(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0], pattern);
  }
});

s('a corrupt checkpoint is a one-line error naming the file', () => {
  const out = join(dir, 'vae');
  writeFileSync(join(out, 'checkpoint.safetensors'), Buffer.from([1, 2, 3]));
  const r = cli('eval', out, '--json');
  assert.is(r.status, 1);
  assert.match(r.stderr, /checkpoint\.safetensors/);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
});

s.run();
