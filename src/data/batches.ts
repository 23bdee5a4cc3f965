// Shuffled mini-batch indices from a seeded host-side stream: each epoch is a fresh permutation of the
// rows, handed out batch by batch as Int32Arrays for the gather kernel (no per-epoch copy of the data).
// getState()/setState() capture the permutation, the position in it, the PRNG state and the epoch, so a
// resumed run sees exactly the batches an uninterrupted one would.

/** splitmix32 as an object whose state can be read back and restored (checkpoints). */
export class SplitMix32 {
  state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next uniform 32-bit unsigned integer. */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** A uniform integer in [0, n) (n <= 2^32; the modulo bias is below n / 2^32, negligible for row counts). */
  below(n: number): number {
    return this.next() % n;
  }
}

/** A small seeded PRNG (splitmix32) for index shuffling; the tensor engine's own draws use Philox. */
export function splitmix32(seed: number): () => number {
  const g = new SplitMix32(seed);
  return () => g.next();
}

/** Fisher-Yates shuffle of `a` in place with `random`. */
export function shuffleInPlace(a: Int32Array, random: SplitMix32): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = random.below(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/** Everything needed to continue a ShuffledBatches exactly; `order` may be any array-like of numbers (JSON). */
export interface BatchesState {
  count: number;
  batchSize: number;
  /** the current epoch's permutation of 0..count-1 */
  order: Int32Array | number[];
  /** index into `order` of the next batch's first row */
  position: number;
  /** the splitmix32 state (uint32) */
  random: number;
  epoch: number;
}

export class ShuffledBatches {
  private readonly order: Int32Array;
  private position: number;
  private readonly random: SplitMix32;
  /** permutations started so far: 0 before the first batch, 1 during the first epoch */
  epoch = 0;

  constructor(readonly count: number, readonly batchSize: number, seed: number) {
    if (!Number.isInteger(count) || count < 1) throw new Error(`ShuffledBatches: count must be a positive integer, got ${count}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`ShuffledBatches: batch size must be a positive integer, got ${batchSize}`);
    }
    if (!Number.isInteger(seed)) throw new Error(`ShuffledBatches: seed must be an integer, got ${seed}`);
    this.order = new Int32Array(count);
    for (let i = 0; i < count; i++) this.order[i] = i;
    this.random = new SplitMix32(seed);
    this.position = count; // shuffle before the first batch
  }

  /** Full batches per epoch: the rows left over after the last full batch wait for the next permutation. */
  get batchesPerEpoch(): number {
    return Math.max(1, Math.floor(this.count / this.batchSize));
  }

  /** The next batch of row indices; a new permutation starts whenever the current one runs out. */
  next(): Int32Array {
    const size = Math.min(this.batchSize, this.count);
    if (this.position + size > this.count) this.reshuffle();
    const batch = this.order.slice(this.position, this.position + size);
    this.position += size;
    return batch;
  }

  private reshuffle(): void {
    shuffleInPlace(this.order, this.random);
    this.position = 0;
    this.epoch++;
  }

  /** A copy of the state (the permutation is copied, so later batches do not change it). */
  getState(): BatchesState {
    return {
      count: this.count,
      batchSize: this.batchSize,
      order: this.order.slice(),
      position: this.position,
      random: this.random.state,
      epoch: this.epoch,
    };
  }

  /** Restores a state from getState() of a ShuffledBatches over the same count and batch size. */
  setState(state: BatchesState): void {
    const where = 'ShuffledBatches.setState';
    if (state === null || typeof state !== 'object') throw new Error(`${where}: state must be an object`);
    if (state.count !== this.count || state.batchSize !== this.batchSize) {
      throw new Error(`${where}: state is for ${state.count} rows in batches of ${state.batchSize}, ` +
        `these batches are ${this.count} rows in batches of ${this.batchSize}`);
    }
    const { order, position, random, epoch } = state;
    if (!order || typeof order.length !== 'number' || order.length !== this.count) {
      throw new Error(`${where}: order must hold ${this.count} row indices, got ${order?.length}`);
    }
    const seen = new Uint8Array(this.count);
    for (let i = 0; i < this.count; i++) {
      const r = order[i];
      if (!Number.isInteger(r) || r < 0 || r >= this.count || seen[r]) {
        throw new Error(`${where}: order is not a permutation of 0..${this.count - 1} (entry ${i} is ${r})`);
      }
      seen[r] = 1;
    }
    if (!Number.isInteger(position) || position < 0 || position > this.count) {
      throw new Error(`${where}: position must be an integer in [0, ${this.count}], got ${position}`);
    }
    if (!Number.isInteger(random) || random < 0 || random > 0xffffffff) {
      throw new Error(`${where}: random must be a uint32 PRNG state, got ${random}`);
    }
    if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`${where}: epoch must be a non-negative integer, got ${epoch}`);
    this.order.set(order);
    this.position = position;
    this.random.state = random;
    this.epoch = epoch;
  }
}
