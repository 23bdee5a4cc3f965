// Random tensors and the ops that draw noise: rand, randn, bernoulli, the VAE reparameterisation
// z = mu + eps * exp(logvar / 2), and inverted dropout. Every draw takes its Philox stream from a Generator, so
// results depend only on (seed, offset) and are the same on every device.
import { Binary, Broadcast, Distribution, Unary } from '../native.js';
import { needsGrad, needsGrad2, record } from '../autograd.js';
import { Generator, defaultGenerator } from '../random.js';
import { Tensor, checkDevice, checkShape, type Device } from '../tensor.js';
import { addon, affineRaw, binaryRaw, checkLive, checkPair, sameShape, shapeString, unaryRaw } from './raw.js';

export interface RandomOptions {
  device?: Device;
  requiresGrad?: boolean;
}

function checkGenerator(op: string, gen: Generator | undefined): Generator {
  if (gen === undefined) return defaultGenerator;
  if (!(gen instanceof Generator)) throw new Error(`${op}: expected a Generator, got ${String(gen)}`);
  return gen;
}

function draw(op: string, dist: number, shape: readonly number[], p1: number, p2: number, gen: Generator | undefined,
  options: RandomOptions): Tensor {
  const s = checkShape(op, shape);
  const g = checkGenerator(op, gen);
  if (!Number.isFinite(p1) || !Number.isFinite(p2)) throw new Error(`${op}: parameters must be finite, got ${p1}, ${p2}`);
  const t = Tensor._empty(checkDevice(op, options.device ?? 'cpu'), s);
  if (t.size > 0) addon().random(dist, t.size, g.seed, g.take(t.size), p1, p2, t.storage, t.offset);
  t.requiresGrad = options.requiresGrad === true;
  return t;
}

/** Uniform samples in [low, high). */
export function rand(shape: readonly number[], gen?: Generator, options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  return draw('rand', Distribution.uniform, shape, options.low ?? 0, options.high ?? 1, gen, options);
}

/** Normal samples with the given mean and standard deviation (default 0, 1). */
export function randn(shape: readonly number[], gen?: Generator, options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  return draw('randn', Distribution.normal, shape, options.mean ?? 0, options.std ?? 1, gen, options);
}

/** `value` with probability p, else 0. */
export function bernoulli(shape: readonly number[], p: number, gen?: Generator, options: RandomOptions & { value?: number } = {}): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`bernoulli: probability must be in [0, 1], got ${p}`);
  return draw('bernoulli', Distribution.bernoulli, shape, p, options.value ?? 1, gen, options);
}

/**
 * z = mu + eps * exp(logvar / 2) with eps ~ N(0, 1) drawn from gen. Gradients: dz/dmu = 1,
 * dz/dlogvar = eps * exp(logvar / 2) / 2 (eps is kept for backward).
 */
export function reparameterize(mu: Tensor, logvar: Tensor, gen?: Generator): Tensor {
  checkPair('reparameterize', mu, logvar, 'mu', 'logvar');
  const g = checkGenerator('reparameterize', gen);
  if (!sameShape(mu.shape, logvar.shape)) {
    throw new Error(`reparameterize: mu ${shapeString(mu.shape)} and logvar ${shapeString(logvar.shape)} differ`);
  }
  const n = mu.size;
  const z = Tensor._empty(mu.device, mu.shape, n);
  const wantLogvarGrad = needsGrad(logvar);
  const eps = wantLogvarGrad ? Tensor._empty(mu.device, mu.shape, n) : null;
  addon().reparameterize(n, mu.storage, mu.offset, logvar.storage, logvar.offset, g.seed, g.take(n),
    eps === null ? null : eps.storage, 0, z.storage, z.offset);
  if (!needsGrad2(mu, logvar)) return z;
  return record(z, 'reparameterize', [mu, logvar], (grad) => {
    let glv: Tensor | null = null;
    if (eps !== null) {
      // exp(logvar / 2) / 2 = (z - mu) / (2 eps) would lose precision; recompute the scale from logvar instead
      const half = affineRaw(logvar, 0.5);
      const std = unaryRaw(Unary.exp, half);
      half.dispose();
      const t = binaryRaw(Binary.mul, mu.rows, mu.cols, std, Broadcast.full, eps, Broadcast.full, mu.shape);
      std.dispose();
      const u = binaryRaw(Binary.mul, mu.rows, mu.cols, t, Broadcast.full, grad, Broadcast.full, mu.shape);
      t.dispose();
      glv = affineRaw(u, 0.5);
      u.dispose();
    }
    return [mu.requiresGrad ? grad : null, glv];
  }, eps === null ? undefined : [eps]);
}

/**
 * Inverted dropout: while `training`, zeroes each element with probability p and scales the rest by 1/(1-p);
 * otherwise (or for p = 0) returns x itself.
 */
export function dropout(x: Tensor, p: number, gen: Generator | undefined, training: boolean): Tensor {
  checkLive('dropout', x);
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${String(p)}`);
  if (!training || p === 0) return x;
  const g = checkGenerator('dropout', gen);
  const keep = 1 - p;
  const mask = Tensor._empty(x.device, x.shape, x.size);
  addon().random(Distribution.bernoulli, x.size, g.seed, g.take(x.size), keep, 1 / keep, mask.storage, mask.offset);
  const y = binaryRaw(Binary.mul, x.rows, x.cols, x, Broadcast.full, mask, Broadcast.full, x.shape);
  if (!needsGrad(x)) {
    mask.dispose();
    return y;
  }
  return record(y, 'dropout', [x], (grad) => [
    binaryRaw(Binary.mul, x.rows, x.cols, grad, Broadcast.full, mask, Broadcast.full, x.shape),
  ], [mask]);
}
