// Parameter initialisers that fill an existing tensor in place from a Generator: uniform, normal, constant,
// Xavier/Glorot and Kaiming/He. Weights are stored [in, out], so fan-in is shape[0] and fan-out shape[1]
// (the transpose of PyTorch's layout; the numbers drawn per fan are the same).
import { addon } from '../backend.js';
import { Distribution } from '../native.js';
import { Generator, defaultGenerator } from '../random.js';
import { Tensor, shapeString } from '../tensor.js';

function target(op: string, t: Tensor, gen: Generator | undefined): Generator {
  if (!(t instanceof Tensor)) throw new Error(`${op}: expected a Tensor`);
  t.assertLive(op, 'target');
  if (gen !== undefined && !(gen instanceof Generator)) throw new Error(`${op}: expected a Generator, got ${String(gen)}`);
  return gen ?? defaultGenerator;
}

function fill(dist: number, t: Tensor, p1: number, p2: number, gen: Generator): Tensor {
  if (t.size > 0) addon().random(dist, t.size, gen.seed, gen.take(t.size), p1, p2, t.storage, t.offset);
  return t;
}

/** Fan-in and fan-out of a weight stored [in, out] (extra leading dimensions multiply the receptive field). */
export function fans(op: string, t: Tensor): { fanIn: number; fanOut: number } {
  if (t.shape.length < 2) throw new Error(`${op}: needs a weight of at least 2 dimensions, got ${shapeString(t.shape)}`);
  const fanOut = t.shape[t.shape.length - 1];
  return { fanIn: t.size / fanOut, fanOut };
}

/** Fills t with U(low, high). */
export function uniform(t: Tensor, low = 0, high = 1, gen?: Generator): Tensor {
  const g = target('uniform', t, gen);
  if (!(low <= high)) throw new Error(`uniform: low ${low} must not exceed high ${high}`);
  return fill(Distribution.uniform, t, low, high, g);
}

/** Fills t with N(mean, std^2). */
export function normal(t: Tensor, mean = 0, std = 1, gen?: Generator): Tensor {
  const g = target('normal', t, gen);
  if (!(std >= 0)) throw new Error(`normal: std must be >= 0, got ${std}`);
  return fill(Distribution.normal, t, mean, std, g);
}

/** Fills t with `value`. */
export function constant(t: Tensor, value: number): Tensor {
  target('constant', t, undefined);
  if (t.size > 0) addon().fill(t.storage, t.offset, t.size, value);
  return t;
}

export type Nonlinearity = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu';

/** The recommended gain for a nonlinearity (PyTorch's calculate_gain); `slope` is leakyRelu's. */
export function calculateGain(nonlinearity: Nonlinearity, slope = 0.01): number {
  switch (nonlinearity) {
    case 'linear': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leakyRelu': return Math.sqrt(2 / (1 + slope * slope));
    default: throw new Error(`calculateGain: unknown nonlinearity ${String(nonlinearity)}`);
  }
}

/** Xavier/Glorot uniform: U(-a, a), a = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform(t: Tensor, gain = 1, gen?: Generator): Tensor {
  const g = target('xavierUniform', t, gen);
  const { fanIn, fanOut } = fans('xavierUniform', t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return fill(Distribution.uniform, t, -a, a, g);
}

/** Xavier/Glorot normal: N(0, std^2), std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal(t: Tensor, gain = 1, gen?: Generator): Tensor {
  const g = target('xavierNormal', t, gen);
  const { fanIn, fanOut } = fans('xavierNormal', t);
  return fill(Distribution.normal, t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), g);
}

export interface KaimingOptions {
  /** which fan keeps the variance: 'fanIn' (forward pass, default) or 'fanOut' (backward pass) */
  mode?: 'fanIn' | 'fanOut';
  nonlinearity?: Nonlinearity;
  /** the negative slope for 'leakyRelu' */
  slope?: number;
}

function kaimingStd(op: string, t: Tensor, options: KaimingOptions): number {
  const { fanIn, fanOut } = fans(op, t);
  const fan = options.mode === 'fanOut' ? fanOut : fanIn;
  return calculateGain(options.nonlinearity ?? 'relu', options.slope ?? 0) / Math.sqrt(fan);
}

/** Kaiming/He uniform: U(-b, b), b = gain * sqrt(3 / fan). */
export function kaimingUniform(t: Tensor, options: KaimingOptions = {}, gen?: Generator): Tensor {
  const g = target('kaimingUniform', t, gen);
  const b = Math.sqrt(3) * kaimingStd('kaimingUniform', t, options);
  return fill(Distribution.uniform, t, -b, b, g);
}

/** Kaiming/He normal: N(0, std^2), std = gain / sqrt(fan). */
export function kaimingNormal(t: Tensor, options: KaimingOptions = {}, gen?: Generator): Tensor {
  const g = target('kaimingNormal', t, gen);
  return fill(Distribution.normal, t, 0, kaimingStd('kaimingNormal', t, options), g);
}
