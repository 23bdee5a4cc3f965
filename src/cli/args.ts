// Argument parsing shared by the CLI commands: node:util parseArgs in strict mode, with errors turned
// into one-line usage errors and integer flags validated.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** An error the CLI prints as one line and exits 1 on (bad flag, bad value, bad input). */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

type Parsed<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>
>;

export function parse<T extends Options>(argv: string[], options: T, allowPositionals = false): Parsed<T> {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true as const });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
}

/** Parses a positive integer flag value, naming the flag in the error. */
export function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer, got '${value}'`);
  return n;
}

export function nonNegativeInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || value.trim() === '') {
    throw new UsageError(`--${flag} must be a non-negative integer, got '${value}'`);
  }
  return n;
}

export function positiveNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a positive number, got '${value}'`);
  return n;
}
