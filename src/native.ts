// The shape of the N-API addon (native/): what build/Release/semigen.node exports, as the addon's schema
// (native/addon.cc) lists it; test/native/schema.test.js checks the two agree. Only backend.ts loads it;
// everything else goes through backend.ts. Every function throws a JS Error naming the op and
// the shapes on a bad call (disposed storage, wrong device, out-of-range view, bad enum, NaN seed).
//
// A tensor operand is passed as a pair (storage, offset): `offset` counts float32 elements from the
// start of the storage. The native side checks that every operand lies inside its storage and that
// all operands of one call live on the same device.

import { BINARY_OPS, REDUCE_OPS, UNARY_OPS } from './op-lists.js';

/** A block of device memory holding float32 elements, from `alloc`. */
export interface NativeStorage {
  /** 'cpu' or 'cuda:N' */
  readonly device: string;
  /** capacity in float32 elements */
  readonly length: number;
  /** true after `free` */
  readonly freed: boolean;
}

export interface NativeDeviceInfo {
  device: string; // 'cpu' | 'cuda:0' ...
  name: string;
  memory?: number; // bytes, CUDA only
  /** CUDA only: the device's compute capability (major * 10 + minor), the architecture of the kernel binary the
   *  driver loaded for it and the PTX version it came from, and the architectures the build holds */
  code?: { capability: number; binary: number; ptx: number; built: string };
  /** CUDA only: why the code could not be asked (no binary of this build runs on the device) */
  codeError?: string;
}

export interface NativeMemoryStats {
  device: string;
  liveBlocks: number;
  liveBytes: number;
  cachedBlocks: number;
  cachedBytes: number;
}

export { UNARY_OPS, BINARY_OPS, REDUCE_OPS };

/** name → id of each op of a list */
type IdsOf<L extends readonly { name: string; id: number }[]> = { readonly [Op in L[number] as Op['name']]: Op['id'] };

function idsOf<L extends readonly { name: string; id: number }[]>(list: L): IdsOf<L> {
  return Object.freeze(Object.fromEntries(list.map((op) => [op.name, op.id]))) as IdsOf<L>;
}

/** Kernel enums. The ops come from kernels/include/semigen/op_lists.h (through the generated src/op-lists.ts). */
export const Unary = idsOf(UNARY_OPS);
export type UnaryOp = keyof typeof Unary;
export const Binary = idsOf(BINARY_OPS);
export type BinaryOp = keyof typeof Binary;
export const Broadcast = { full: 0, row: 1, col: 2, scalar: 3 } as const;
export type BroadcastMode = keyof typeof Broadcast;
export const Reduce = idsOf(REDUCE_OPS);
export type ReduceOp = keyof typeof Reduce;
export const Axis = { rows: 0, cols: 1 } as const;
export const Distribution = { uniform: 0, normal: 1, bernoulli: 2 } as const;

type S = NativeStorage;
type Opt = NativeStorage | null;

export interface NativeAddon {
  readonly version: string;
  /** whether the CUDA side was compiled into this build */
  readonly cudaCompiled: boolean;
  /** the op lists the addon was built from (kernels/include/semigen/op_lists.h) */
  readonly opLists: { unary: typeof UNARY_OPS; binary: typeof BINARY_OPS; reduce: typeof REDUCE_OPS };
  /** every function's parameters in call order, as the addon reads them (native/addon.cc) */
  readonly schema: Record<string, { name: string; kind: string }[]>;
  /** the CPU kernel variant in use: 'avx512' | 'avx2' | 'portable' */
  isa(): string;
  threads(): number;
  setThreads(n: number): number;
  /** measured FP32 FMA peak in GFLOP/s over `threads` threads for about `seconds` */
  fmaPeak(threads: number, seconds: number): number;
  /** 'cpu' first, then each CUDA device found */
  devices(): NativeDeviceInfo[];
  memoryStats(device: string): NativeMemoryStats;
  /** bytes the caching allocator reserves for a storage of `length` floats */
  blockBytes(length: number): number;
  /** drop every cached (unused) block of the device */
  emptyCache(device: string): void;

  /** storage for `length` float32 elements on `device` (contents undefined) */
  alloc(device: string, length: number): NativeStorage;
  /** give the block back to the device's cache; freeing twice throws */
  free(s: S): void;
  upload(dst: S, dstOff: number, data: Float32Array): void;
  download(src: S, srcOff: number, length: number): Float32Array;
  /** copy between storages, possibly across devices */
  copy(src: S, srcOff: number, dst: S, dstOff: number, length: number): void;
  synchronize(device: string): void;

  fill(out: S, outOff: number, n: number, value: number): void;
  copy2d(rows: number, cols: number, src: S, srcOff: number, lds: number, dst: S, dstOff: number, ldd: number): void;
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: S, aOff: number, lda: number, b: S, bOff: number, ldb: number, beta: number,
    c: S, cOff: number, ldc: number, bias: Opt, biasOff: number, act: number, actAlpha: number,
  ): void;
  unary(op: number, n: number, x: S, xOff: number, y: S, yOff: number, alpha: number, beta: number): void;
  unaryBackward(
    op: number, n: number, x: Opt, xOff: number, y: Opt, yOff: number, dy: S, dyOff: number, dx: S, dxOff: number,
    alpha: number,
  ): void;
  binary(
    op: number, rows: number, cols: number, a: S, aOff: number, aMode: number, b: S, bOff: number, bMode: number,
    out: S, outOff: number,
  ): void;
  reduce(op: number, axis: number, rows: number, cols: number, x: S, xOff: number, out: S, outOff: number): void;
  softmax(log: boolean, rows: number, cols: number, x: S, xOff: number, out: S, outOff: number): void;
  softmaxXent(
    rows: number, cols: number, logits: S, logitsOff: number, labels: Opt, labelsOff: number, targets: Opt,
    targetsOff: number, loss: S, lossOff: number, dlogits: Opt, dlogitsOff: number,
  ): void;
  sigmoidXent(
    rows: number, cols: number, logits: S, logitsOff: number, targets: S, targetsOff: number, loss: S,
    lossOff: number, dlogits: Opt, dlogitsOff: number,
  ): void;
  gaussianKl(
    rows: number, cols: number, mu: S, muOff: number, logvar: S, logvarOff: number, loss: S, lossOff: number,
    dmu: Opt, dmuOff: number, dlogvar: Opt, dlogvarOff: number,
  ): void;
  /** per column of x (rows >= 1): mean, invstd = 1 / sqrt(biased variance + eps), y = (x - mean) invstd */
  batchnormForward(
    rows: number, cols: number, x: S, xOff: number, eps: number, y: S, yOff: number, mean: S, meanOff: number,
    invstd: S, invstdOff: number, variance: Opt, varianceOff: number,
  ): void;
  /** dx = invstd (dy - mean_rows(dy) - y mean_rows(dy y)), from the forward's y and invstd */
  batchnormBackward(
    rows: number, cols: number, dy: S, dyOff: number, y: S, yOff: number, invstd: S, invstdOff: number, dx: S,
    dxOff: number,
  ): void;
  /** seed and offset are non-negative integers below 2^53 */
  reparameterize(
    n: number, mu: S, muOff: number, logvar: S, logvarOff: number, seed: number, offset: number, eps: Opt,
    epsOff: number, z: S, zOff: number,
  ): void;
  random(dist: number, n: number, seed: number, offset: number, p1: number, p2: number, out: S, outOff: number): void;
  /** index: host Int32Array of `rows` row numbers in [0, srcRows) */
  gatherRows(rows: number, cols: number, src: S, srcOff: number, srcRows: number, index: Int32Array, out: S, outOff: number): void;
  /** tensors: arrays of [storage, offset, length] triples of equal count */
  adam(
    params: [S, number, number][], grads: [S, number, number][], m: [S, number, number][], v: [S, number, number][],
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number,
  ): void;
  sgd(
    params: [S, number, number][], grads: [S, number, number][], velocity: [S, number, number][] | null,
    lr: number, momentum: number, weightDecay: number, nesterov: boolean,
  ): void;
  /** targets[i] += rate (sources[i] - targets[i]) for every pair of [storage, offset, length] triples, in one call */
  lerp(targets: [S, number, number][], sources: [S, number, number][], rate: number): void;
}
