// A model kind's options as one typed schema: each option's type, default and allowed values, read and checked from
// a plain config (a bad value is an Error naming the kind, the option and the value; an unknown key is an Error), and
// a TypeScript type derived from the same schema, so a misspelt option is also a compile error.

/** One option: how it is read and checked, and its default (a value, or computed from the options read before it). */
export interface Option<T> {
  read(kind: string, key: string, value: unknown): T;
  fallback: T | ((read: Record<string, unknown>) => T);
}

export type Schema = Record<string, Option<unknown>>;

/** The option values a schema describes. */
export type Values<S extends Schema> = { -readonly [K in keyof S]: S[K] extends Option<infer T> ? T : never };

/** A kind's full config: the registry key, the input width and its options. */
export type ConfigOf<K extends string, S extends Schema> = { kind: K; inputSize: number } & Values<S>;

/** What a constructor takes: the input width, and any options (the others take their defaults). */
export type ConfigInput<K extends string, S extends Schema> = { kind?: K; inputSize: number } & Partial<Values<S>>;

import type { LikelihoodSpec } from './parts/likelihood.js';

const LIMIT = 2 ** 31;

function fail(kind: string, key: string, what: string, value: unknown): never {
  throw new Error(`${kind}: ${key} must be ${what}, got ${JSON.stringify(value)}`);
}

/** An integer in [min, 2^31). */
export function int(fallback: number, min = 1): Option<number> {
  return {
    fallback,
    read: (kind, key, v) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v < LIMIT ? v
      : fail(kind, key, `an integer >= ${min}`, v)),
  };
}

/** A finite number with lo <= v (lo < v when openLow) and v <= hi (v < hi when openHigh). */
export function number(fallback: number, lo: number, hi: number, openLow = false, openHigh = false): Option<number> {
  const range = `${openLow ? '(' : '['}${lo}, ${hi}${openHigh ? ')' : ']'}`;
  return {
    fallback,
    read: (kind, key, v) => {
      const ok = typeof v === 'number' && Number.isFinite(v) && (openLow ? v > lo : v >= lo) && (openHigh ? v < hi : v <= hi);
      return ok ? v : fail(kind, key, `a number in ${range}`, v);
    },
  };
}

/** A learning rate: a number in (0, 1]. */
export function rate(fallback: number): Option<number> {
  return number(fallback, 0, 1, true);
}

/** A fraction in [0, 1) (dropout, noise drop probabilities). */
export function fraction(fallback: number): Option<number> {
  return number(fallback, 0, 1, false, true);
}

/** A non-negative finite weight. */
export function weight(fallback: number): Option<number> {
  return number(fallback, 0, Infinity, false, true);
}

/** A list of layer sizes, each a positive integer; `min` entries at least. */
export function sizes(fallback: readonly number[], min = 0): Option<number[]> {
  return {
    fallback: fallback.slice(),
    read: (kind, key, v) => {
      if (!Array.isArray(v) || v.some((s) => typeof s !== 'number' || !Number.isInteger(s) || s < 1 || s >= LIMIT)) {
        return fail(kind, key, 'an array of positive integers', v);
      }
      if (v.length < min) throw new Error(`${kind}: ${key} must list at least ${min === 1 ? 'one layer size' : `${min} layer sizes`}`);
      return v.slice() as number[];
    },
  };
}

/** null or a non-empty list of finite numbers; the default may be computed from the options read before. */
export function numbers(fallback: number[] | null | ((read: Record<string, unknown>) => number[] | null)): Option<number[] | null> {
  return {
    fallback,
    read: (kind, key, v) => {
      if (v === null) return null;
      if (!Array.isArray(v) || v.length === 0 || v.some((s) => typeof s !== 'number' || !Number.isFinite(s))) {
        return fail(kind, key, 'null or an array of finite numbers', v);
      }
      return v.slice() as number[];
    },
  };
}

/** null or a number in [lo, hi]. */
export function optionalNumber(fallback: number | null, lo: number, hi: number): Option<number | null> {
  return {
    fallback,
    read: (kind, key, v) => (v === null || (typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi) ? v
      : fail(kind, key, `null or a number in [${lo}, ${hi}]`, v)),
  };
}

/** One of a fixed set of strings. */
export function choice<T extends string>(fallback: T, allowed: readonly T[]): Option<T> {
  return {
    fallback,
    read: (kind, key, v) => (typeof v === 'string' && (allowed as readonly string[]).includes(v) ? v as T
      : fail(kind, key, `one of ${allowed.join(', ')}`, v)),
  };
}

/**
 * The full config of `kind` from a partial one: every option of the schema read in order (missing ones take their
 * defaults), inputSize required, any other key an Error (most likely a typo).
 */
export function readConfig<K extends string, S extends Schema>(kind: K, schema: S, config: unknown): ConfigOf<K, S> {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new Error(`${kind}: config must be an object, got ${String(config)}`);
  }
  const given = config as Record<string, unknown>;
  if (given.kind !== undefined && given.kind !== kind) {
    throw new Error(`${kind}: config is for kind '${String(given.kind)}', not '${kind}'`);
  }
  const inputSize = given.inputSize;
  if (typeof inputSize !== 'number' || !Number.isInteger(inputSize) || inputSize < 1 || inputSize >= LIMIT) {
    fail(kind, 'inputSize', 'a positive integer', inputSize);
  }
  const out: Record<string, unknown> = { kind, inputSize };
  for (const [key, option] of Object.entries(schema)) {
    const v = given[key];
    const fallback = option.fallback;
    out[key] = v === undefined
      ? typeof fallback === 'function' ? (fallback as (read: Record<string, unknown>) => unknown)(out) : structuredClone(fallback)
      : option.read(kind, key, v);
  }
  // own keys only: '__proto__' or 'constructor' is in every object, and is no option
  const unknown = Object.keys(given).filter((k) => !Object.hasOwn(out, k));
  if (unknown.length > 0) {
    throw new Error(`${kind}: unknown config option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} ` +
      `(known: ${Object.keys(out).join(', ')})`);
  }
  return out as ConfigOf<K, S>;
}

/**
 * A decoder's likelihood: 'bernoulli' (inputs in [0, 1]), 'gaussian' (a learned variance per column) or a full
 * LikelihoodSpec object, e.g. a table's {kind: 'mixed', families}; its width is checked when the model is built.
 */
export function likelihood(fallback: LikelihoodSpec): Option<LikelihoodSpec> {
  return { fallback, read: readLikelihood };
}

/** null (the model's own cost, e.g. a squared error) or a likelihood as likelihood() reads one. */
export function optionalLikelihood(): Option<LikelihoodSpec | null> {
  return { fallback: null, read: (kind, key, v) => (v === null ? null : readLikelihood(kind, key, v)) };
}

function readLikelihood(kind: string, key: string, v: unknown): LikelihoodSpec {
  if (v === 'bernoulli') return { kind: 'bernoulli' };
  if (v === 'gaussian') return { kind: 'gaussian', variance: 'learned' };
  const known = ['bernoulli', 'gaussian', 'categorical', 'mixed'];
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && known.includes((v as { kind?: string }).kind as string)) {
    return structuredClone(v) as LikelihoodSpec;
  }
  return fail(kind, key, "'bernoulli', 'gaussian' or a likelihood object ({kind: 'mixed', families: [...]}, ...)", v);
}
