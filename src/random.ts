// Random-number generators for the Philox4x32-10 kernels: a Generator is only (seed, offset). Every draw of n
// elements uses the stream from `offset` and advances it by ceil(n / 4) counters (the layout in kernels.h), so a
// seeded run gives the same numbers on CPU and CUDA, and a checkpoint restores the stream exactly.

const MAX_SAFE = 2 ** 53;

function checkCounter(what: string, value: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= MAX_SAFE) {
    throw new Error(`Generator: ${what} must be a non-negative integer below 2^53, got ${String(value)}`);
  }
  return value;
}

/** A generator's checkpointable state. */
export interface GeneratorState {
  seed: number;
  offset: number;
}

/** A counter-based random stream: a seed and the next Philox counter to use. */
export class Generator {
  private seedValue: number;
  private offsetValue = 0;

  /** seed: a non-negative integer below 2^53. */
  constructor(seed: number) {
    this.seedValue = checkCounter('seed', seed);
  }

  get seed(): number {
    return this.seedValue;
  }

  /** The next counter a draw will start at. */
  get offset(): number {
    return this.offsetValue;
  }

  /** Reserves the stream for an n-element draw: returns its starting offset and moves past ceil(n / 4) counters. */
  take(n: number): number {
    if (!Number.isInteger(n) || n < 0) throw new Error(`Generator.take: expected a count >= 0, got ${n}`);
    const start = this.offsetValue;
    const next = start + Math.ceil(n / 4);
    if (next >= MAX_SAFE) throw new Error('Generator.take: the stream offset passed 2^53; reseed the generator');
    this.offsetValue = next;
    return start;
  }

  /** Restarts the stream at (seed, 0). */
  manualSeed(seed: number): this {
    this.seedValue = checkCounter('seed', seed);
    this.offsetValue = 0;
    return this;
  }

  getState(): GeneratorState {
    return { seed: this.seedValue, offset: this.offsetValue };
  }

  setState(state: GeneratorState): void {
    if (state === null || typeof state !== 'object') throw new Error('Generator.setState: expected {seed, offset}');
    const seed = checkCounter('seed', state.seed);
    this.offsetValue = checkCounter('offset', state.offset);
    this.seedValue = seed;
  }
}

/** The generator used when an op or initialiser is given none. Seed 0 until manualSeed() is called. */
export const defaultGenerator = new Generator(0);

/** Reseeds the default generator (and restarts its stream). */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
