// The likelihoods p(x | decoder output) a decoder can end in: Bernoulli with logits (pixels in [0, 1]), a diagonal
// Gaussian (a learned variance per feature, or one predicted per row from the decoder's last hidden layer), and a
// categorical over groups of one-hot columns. Each gives the negative log-likelihood per row, leaving out the
// entries of x that are missing (NaN) and those an optional mask of observed entries marks 0, and the mean of x.
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { exp, fillMissing, missingMask, softplus, square } from '../../ops/activations.js';
import type { Activation } from '../../ops/activations.js';
import { full } from '../../ops/creation.js';
import { add, addScalar, div, mul, neg, scale, sub } from '../../ops/elementwise.js';
import { sigmoidCrossEntropy } from '../../ops/losses.js';
import { sigmoid } from '../../ops/activations.js';
import { logSoftmax, softmax, sum } from '../../ops/reduce.js';
import { concatCols, sliceCols } from '../../ops/shape.js';
import type { Generator } from '../../random.js';
import type { Device, Tensor } from '../../tensor.js';

/** What a decoder hands its likelihood: its output layer and its last hidden layer (for a predicted variance). */
export interface DecoderOutput {
  out: Tensor;
  top: Tensor;
}

/** A column family of a mixed likelihood: columns [start, end) under one kind (a categorical family is one group). */
export interface ColumnFamily {
  kind: 'bernoulli' | 'gaussian' | 'categorical';
  start: number;
  end: number;
}

/**
 * How a likelihood is chosen in a config: Bernoulli, Gaussian (learned or predicted variance), categorical groups,
 * or a mix of column families (a table's schema: encodedLayout).
 */
export type LikelihoodSpec =
  | { kind: 'bernoulli' }
  | { kind: 'gaussian'; variance: 'learned' | 'predicted' }
  | { kind: 'categorical'; groups: readonly (readonly [number, number])[] }
  | { kind: 'mixed'; families: readonly ColumnFamily[] };

export abstract class Likelihood extends Module {
  /** An activation that turns the output layer into the mean, fused into its GEMM ('none' where it is not one). */
  abstract readonly meanActivation: Activation;

  /** −log p(x | o) per row, [rows]: entries of x that are NaN, or where mask ([rows, cols] or [1, cols]) is 0, left out. */
  abstract nll(o: DecoderOutput, x: Tensor, mask?: Tensor | null): Tensor;

  /** E[x | o], [rows, cols]. */
  abstract mean(o: DecoderOutput): Tensor;

  /** −log p(x | o) per row of each column family, for a mix of them (null: one family, the whole of nll). */
  familyNll(_o: DecoderOutput, _x: Tensor, _mask?: Tensor | null): Map<ColumnFamily['kind'], Tensor> | null {
    return null;
  }
}

/**
 * Sums over rows of a mixed likelihood's −log p per column family, as reconstruction_<kind> metrics in nats (they add
 * up to the whole reconstruction term); {} for a likelihood of one family.
 */
export function familySums(likelihood: Likelihood, o: DecoderOutput, x: Tensor, mask: Tensor | null = null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [kind, nll] of likelihood.familyNll(o, x, mask) ?? []) out[`reconstruction_${kind}`] = sum(nll).item();
  return out;
}

/** The reconstruction_<kind> metric names familySums gives for a spec ([] for a likelihood of one family). */
export function familyMetricNames(spec: LikelihoodSpec): string[] {
  return spec.kind === 'mixed' ? [...new Set(spec.families.map((f) => `reconstruction_${f.kind}`))] : [];
}

/** Bernoulli with logits: the fused, stable BCE-with-logits, which skips NaN targets. */
export class BernoulliLikelihood extends Likelihood {
  readonly meanActivation = 'sigmoid' as const;

  nll(o: DecoderOutput, x: Tensor, mask: Tensor | null = null): Tensor {
    // an entry the mask leaves out becomes a NaN target (x · 0/0), which the loss kernel skips
    return sigmoidCrossEntropy(o.out, mask === null ? x : mul(x, div(mask, mask)));
  }

  mean(o: DecoderOutput): Tensor {
    return sigmoid(o.out);
  }
}

/** The observed entries of x, [rows, cols] of 1 and 0: present (not NaN) and, with a mask, marked 1 there. */
function observed(x: Tensor, mask: Tensor | null): Tensor {
  const present = missingMask(x);
  return mask === null ? present : mul(present, mask);
}

/** ½ Σ_j m_j [log 2π + logvar_j + (x_j − mean_j)² e^(−logvar_j)] per row, m the observed entries. */
export function gaussianNll(mean: Tensor, logvar: Tensor, x: Tensor, mask: Tensor | null = null): Tensor {
  const t = add(logvar, mul(square(sub(fillMissing(x), mean)), exp(neg(logvar))));
  return scale(sum(mul(addScalar(t, Math.log(2 * Math.PI)), observed(x, mask)), -1), 0.5);
}

/**
 * The smallest variance a learned per-column variance approaches: a column whose values the decoder nearly matches
 * (a table's column of mostly equal numbers) would otherwise drive its variance toward 0, and one outlying row
 * then gives a loss of 1e19 and Infinity (standardised columns: a standard deviation of at least 0.05 of the
 * column's own).
 */
export const LEARNED_VARIANCE_FLOOR = 0.0025;

/** A diagonal Gaussian whose mean is the output layer; its log-variance is a parameter per feature or a head. */
export class GaussianLikelihood extends Likelihood {
  readonly meanActivation = 'none' as const;
  /** [1, width] learned log-variance, or a head from the decoder's last hidden layer */
  logvar: Tensor | Linear;

  constructor(width: number, top: number, variance: 'learned' | 'predicted', gen: Generator, device: Device) {
    super();
    this.logvar = variance === 'learned' ? full([1, width], 0, { device, requiresGrad: true })
      : new Linear(top, width, { generator: gen, device });
    if (variance === 'learned') this.register('logvar', this.logvar as Tensor);
  }

  nll(o: DecoderOutput, x: Tensor, mask: Tensor | null = null): Tensor {
    return gaussianNll(o.out, this.logVariance(o), x, mask);
  }

  /** The log-variance: the head's, or the learned one kept above the floor, log(floor + e^logvar), smoothly. */
  logVariance(o: DecoderOutput): Tensor {
    if (this.logvar instanceof Linear) return this.logvar.forward(o.top);
    const logFloor = Math.log(LEARNED_VARIANCE_FLOOR);
    return addScalar(softplus(addScalar(this.logvar, -logFloor)), logFloor);
  }

  mean(o: DecoderOutput): Tensor {
    return o.out;
  }
}

/** Softmax over each group of columns [start, end); x holds a one-hot row per group (NaN: the group is missing). */
export class CategoricalLikelihood extends Likelihood {
  readonly meanActivation = 'none' as const;
  readonly groups: readonly (readonly [number, number])[];

  constructor(width: number, groups: readonly (readonly [number, number])[]) {
    super();
    let next = 0;
    for (const g of groups) {
      if (!Array.isArray(g) || g.length !== 2 || g[0] !== next || !(g[1] > g[0] + 1) || !Number.isInteger(g[1])) {
        throw new Error(`categorical likelihood: groups must be consecutive [start, end) column ranges of 2 or more ` +
          `columns from 0, got ${JSON.stringify(groups)}`);
      }
      next = g[1];
    }
    if (next !== width) throw new Error(`categorical likelihood: groups cover ${next} columns of ${width}`);
    this.groups = groups.map((g) => [g[0], g[1]] as const);
  }

  nll(o: DecoderOutput, x: Tensor, mask: Tensor | null = null): Tensor {
    const seen = observed(x, mask);
    const filled = fillMissing(x);
    let total: Tensor | null = null;
    for (const [start, end] of this.groups) {
      const logp = logSoftmax(sliceCols(o.out, start, end));
      const term = sum(mul(mul(sliceCols(filled, start, end), logp), sliceCols(seen, start, end)), -1);
      total = total === null ? term : add(total, term);
    }
    return neg(total as Tensor);
  }

  mean(o: DecoderOutput): Tensor {
    return concatCols(this.groups.map(([start, end]) => softmax(sliceCols(o.out, start, end))));
  }
}

/**
 * A likelihood per column family, for a table's mixed columns: Bernoulli for binary ones, a Gaussian with a learned
 * variance for numeric ones, a categorical per one-hot group. Consecutive families of one kind share one part (one
 * slice of the output, one kernel call), so 57 numeric columns cost one Gaussian, not 57.
 */
export class MixedLikelihood extends Likelihood {
  readonly meanActivation = 'none' as const;
  /** [start, end) of each part's columns */
  readonly spans: [number, number][];
  /** each part's family */
  readonly kinds: ColumnFamily['kind'][];
  parts: Likelihood[];

  constructor(width: number, families: readonly ColumnFamily[], gen: Generator, device: Device) {
    super();
    checkFamilies(families, width);
    const runs = specParts({ kind: 'mixed', families }, width);
    this.spans = runs.map((r) => [r.start, r.end]);
    this.kinds = runs.map((r) => r.kind);
    this.parts = runs.map((r) => (r.kind === 'bernoulli' ? new BernoulliLikelihood()
      : r.kind === 'gaussian' ? new GaussianLikelihood(r.end - r.start, 0, 'learned', gen, device)
        : new CategoricalLikelihood(r.end - r.start, r.groups)));
  }

  /** Part i's columns of t (t itself when the part spans them all). */
  private columns(t: Tensor, i: number): Tensor {
    const [a, b] = this.spans[i];
    return a === 0 && b === t.cols ? t : sliceCols(t, a, b);
  }

  /** Each part's −log p per row, in the parts' order. */
  private partNll(o: DecoderOutput, x: Tensor, mask: Tensor | null): Tensor[] {
    return this.parts.map((part, i) => part.nll({ out: this.columns(o.out, i), top: o.top }, this.columns(x, i),
      mask === null ? null : this.columns(mask, i)));
  }

  nll(o: DecoderOutput, x: Tensor, mask: Tensor | null = null): Tensor {
    return this.partNll(o, x, mask).reduce((total, term) => add(total, term));
  }

  override familyNll(o: DecoderOutput, x: Tensor, mask: Tensor | null = null): Map<ColumnFamily['kind'], Tensor> {
    const byKind = new Map<ColumnFamily['kind'], Tensor>();
    this.partNll(o, x, mask).forEach((term, i) => {
      const before = byKind.get(this.kinds[i]);
      byKind.set(this.kinds[i], before === undefined ? term : add(before, term));
    });
    return byKind;
  }

  mean(o: DecoderOutput): Tensor {
    const means = this.parts.map((part, i) => part.mean({ out: this.columns(o.out, i), top: o.top }));
    return means.length === 1 ? means[0] : concatCols(means);
  }
}

/** The likelihood a spec names, for `width` columns after a last hidden layer of `top` units. */
export function createLikelihood(spec: LikelihoodSpec, width: number, top: number, gen: Generator, device: Device): Likelihood {
  switch (spec.kind) {
    case 'bernoulli':
      return new BernoulliLikelihood();
    case 'gaussian':
      return new GaussianLikelihood(width, top, spec.variance, gen, device);
    case 'categorical':
      return new CategoricalLikelihood(width, spec.groups);
    case 'mixed':
      return new MixedLikelihood(width, spec.families, gen, device);
    default:
      throw new Error(`unknown likelihood ${JSON.stringify((spec as { kind?: unknown })?.kind)} (expected bernoulli, gaussian, categorical or mixed)`);
  }
}

/** Throws unless the families are consecutive column ranges from 0 to width, each of a known kind. */
function checkFamilies(families: readonly ColumnFamily[], width: number): void {
  let next = 0;
  for (const f of families) {
    if (f === null || typeof f !== 'object' || f.start !== next || !(f.end > f.start) || !Number.isInteger(f.end) ||
      !['bernoulli', 'gaussian', 'categorical'].includes(f.kind) || (f.kind === 'categorical' && f.end - f.start < 2)) {
      throw new Error(`mixed likelihood: families must be consecutive column ranges from 0 of a known kind ` +
        `(categorical: 2 or more columns), got ${JSON.stringify(f)} at column ${next}`);
    }
    next = f.end;
  }
  if (next !== width) throw new Error(`mixed likelihood: the families cover ${next} columns of ${width}`);
}

/**
 * Where data breaks what spec's Bernoulli columns model: the range of values outside [0, 1] seen in them (missing
 * values, NaN, are masked and so allowed); null when there is none or spec has no Bernoulli column.
 */
export function outsideUnitRange(spec: LikelihoodSpec, x: Float32Array, width: number): string | null {
  const columns: number[] = [];
  if (spec.kind === 'bernoulli') for (let c = 0; c < width; c++) columns.push(c);
  else if (spec.kind === 'mixed') for (const f of spec.families) if (f.kind === 'bernoulli') for (let c = f.start; c < f.end; c++) columns.push(c);
  if (columns.length === 0) return null;
  let lo = Infinity;
  let hi = -Infinity;
  let first = -1;
  for (let r = 0; r < x.length; r += width) {
    for (const c of columns) {
      const v = x[r + c];
      if (v < 0 || v > 1) {
        if (first < 0) first = c;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (first < 0) return null;
  return `values from ${lo.toPrecision(4)} to ${hi.toPrecision(4)} (column ${first} first) lie outside [0, 1], which a Bernoulli likelihood models`;
}

/** Throws unless spec can describe `width` columns (for a generator, which ends in outputAsData, not a likelihood). */
export function checkOutputSpec(spec: LikelihoodSpec, width: number): void {
  if (spec.kind === 'mixed') checkFamilies(spec.families, width);
  else if (spec.kind === 'categorical') new CategoricalLikelihood(width, spec.groups); // its constructor checks the groups
  else if (spec.kind !== 'bernoulli' && spec.kind !== 'gaussian') specParts(spec, width);
}

/** The columns of each part of a spec: consecutive families of one kind merged, a categorical family its own group. */
function specParts(spec: LikelihoodSpec, width: number): { kind: ColumnFamily['kind']; start: number; end: number; groups: [number, number][] }[] {
  switch (spec.kind) {
    case 'bernoulli':
    case 'gaussian':
      return [{ kind: spec.kind, start: 0, end: width, groups: [] }];
    case 'categorical':
      return [{ kind: 'categorical', start: 0, end: width, groups: spec.groups.map(([a, b]) => [a, b]) }];
    case 'mixed': {
      const parts: ReturnType<typeof specParts> = [];
      for (const f of spec.families) {
        const last = parts[parts.length - 1];
        if (last !== undefined && last.kind === f.kind) last.end = f.end;
        else parts.push({ kind: f.kind, start: f.start, end: f.end, groups: [] });
        parts[parts.length - 1].groups.push([f.start - parts[parts.length - 1].start, f.end - parts[parts.length - 1].start]);
      }
      return parts;
    }
    default:
      throw new Error(`unknown likelihood ${JSON.stringify((spec as { kind?: unknown })?.kind)}`);
  }
}

/** The activation a generator fuses into its last layer for spec: Bernoulli's sigmoid, else none (outputAsData follows). */
export function fusedOutputActivation(spec: LikelihoodSpec): 'sigmoid' | 'none' {
  return spec.kind === 'bernoulli' ? 'sigmoid' : 'none';
}

/** A generator's last layer, its fusedOutputActivation applied, as data: what outputAsData leaves to do. */
export function generatedData(spec: LikelihoodSpec, out: Tensor): Tensor {
  return fusedOutputActivation(spec) === 'sigmoid' ? out : outputAsData(spec, out);
}

/**
 * A generator's raw output as data under a likelihood spec: a sigmoid for Bernoulli columns, Gaussian ones as they
 * are, a softmax over each categorical group; what a GAN's generator ends in, so its rows look like the encoded data.
 */
export function outputAsData(spec: LikelihoodSpec, out: Tensor): Tensor {
  const parts = specParts(spec, out.cols).map((p) => {
    const t = p.start === 0 && p.end === out.cols ? out : sliceCols(out, p.start, p.end);
    if (p.kind === 'bernoulli') return sigmoid(t);
    if (p.kind === 'gaussian') return t;
    return concatCols(p.groups.map(([a, b]) => softmax(a === 0 && b === t.cols ? t : sliceCols(t, a, b))));
  });
  return parts.length === 1 ? parts[0] : concatCols(parts);
}
