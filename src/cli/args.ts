// Argument parsing shared by the CLI commands: node:util parseArgs in strict mode, with errors turned
// into one-line usage errors and integer flags validated.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** An error the CLI prints as one line and exits 1 on (bad flag, bad value, bad input). */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

type Parsed<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>
>;

/**
 * `--epochs -1`: a negative number after a flag that takes a value is that flag's value (parseArgs would take it
 * for an option and say only that the argument is ambiguous), so that the flag's own check names what is wrong.
 */
function joinNegativeValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = /^--([^=]+)$/.exec(argv[i])?.[1];
    const next = argv[i + 1];
    if (name !== undefined && Object.hasOwn(options, name) && options[name].type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
}

export function parse<T extends Options>(argv: string[], options: T, allowPositionals = false): Parsed<T> {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals, strict: true as const });
  } catch (e) {
    const message = (e as Error).message.split('\n')[0];
    // parseArgs goes on about positional arguments that start with a dash; the option is what is wrong
    const unknown = /^Unknown option '([^']*)'/.exec(message);
    throw new UsageError(unknown === null ? message : `unknown option '${unknown[1]}' (--help lists the options)`);
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
