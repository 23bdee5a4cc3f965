// Shuffled mini-batch indices from a seeded host-side stream: each epoch is a fresh permutation of the
// rows, handed out batch by batch as Int32Arrays for the gather kernel (no per-epoch copy of the data).

/** A small seeded PRNG (splitmix32) for index shuffling; the tensor engine's own draws use Philox. */
export function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class ShuffledBatches {
  private readonly order: Int32Array;
  private position: number;
  private readonly random: () => number;
  epoch = 0;

  constructor(readonly count: number, readonly batchSize: number, seed: number) {
    if (!Number.isInteger(count) || count < 1) throw new Error(`ShuffledBatches: count must be a positive integer, got ${count}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`ShuffledBatches: batch size must be a positive integer, got ${batchSize}`);
    }
    this.order = new Int32Array(count);
    for (let i = 0; i < count; i++) this.order[i] = i;
    this.random = splitmix32(seed);
    this.position = count; // shuffle before the first batch
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
    const o = this.order;
    for (let i = o.length - 1; i > 0; i--) {
      const j = this.random() % (i + 1);
      const t = o[i];
      o[i] = o[j];
      o[j] = t;
    }
    this.position = 0;
    this.epoch++;
  }
}
