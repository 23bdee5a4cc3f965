// Optimizer base: owns ONE flat gradient buffer per device and makes every parameter's .grad a view into it, so
// zeroGrad() is one fill and one all-reduce could cover a step (DESIGN: beyond one machine). Per-parameter state
// (Adam's m and v, SGD's velocity) lives in one flat buffer per slot and device. The [storage, offset, length]
// triples the fused native update takes are built once here, never per step.
import { addon } from '../backend.js';
import type { NativeStorage } from '../native.js';
import { Tensor, markKept, shapeString, type Device } from '../tensor.js';

/** A tensor operand of the fused update: [storage, offset, length]. */
export type Triple = [NativeStorage, number, number];

/** The parameters of one device and everything a fused update call on them needs. */
export interface DeviceGroup {
  device: Device;
  params: Tensor[];
  /** offset of each parameter inside the flat buffers */
  offsets: number[];
  flatGrad: Tensor;
  gradViews: Tensor[];
  paramTriples: Triple[];
  gradTriples: Triple[];
  /** one flat buffer per slot name */
  slots: Tensor[];
  slotTriples: Triple[][];
}

/** Optimizer state for checkpoints: the step count, learning rate and each slot's per-parameter values. */
export interface OptimizerState {
  step: number;
  lr: number;
  /** slot name -> one Float32Array per parameter, in parameter order */
  slots: Record<string, Float32Array[]>;
}

function flatTensor(device: Device, size: number): Tensor {
  const t = Tensor._empty(device, [size], size);
  markKept(t);
  if (size > 0) addon().fill(t.storage, t.offset, size, 0);
  return t;
}

export abstract class Optimizer {
  /** the parameters, in the order given */
  readonly params: readonly Tensor[];
  protected readonly groups: DeviceGroup[] = [];
  protected readonly slotNames: readonly string[];
  protected stepCount = 0;
  private lrValue = 0;

  constructor(name: string, params: Iterable<Tensor>, lr: number, slotNames: readonly string[]) {
    const list = Array.from(params);
    this.slotNames = slotNames;
    this.lr = lr;
    if (list.length === 0) throw new Error(`${name}: no parameters to optimise`);
    const seen = new Set<Tensor>();
    const byDevice = new Map<Device, Tensor[]>();
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      if (!(p instanceof Tensor)) throw new Error(`${name}: parameter ${i} is not a Tensor`);
      p.assertLive(name, `parameter ${i}`);
      if (!p.requiresGrad || !p.isLeaf) {
        throw new Error(`${name}: parameter ${i} ${shapeString(p.shape)} must be a leaf tensor that requires gradients`);
      }
      if (seen.has(p)) throw new Error(`${name}: parameter ${i} ${shapeString(p.shape)} is listed twice`);
      seen.add(p);
      const group = byDevice.get(p.device);
      if (group === undefined) byDevice.set(p.device, [p]);
      else group.push(p);
    }
    this.params = list;
    for (const [device, ps] of byDevice) this.groups.push(this.buildGroup(device, ps));
  }

  private buildGroup(device: Device, params: Tensor[]): DeviceGroup {
    const offsets: number[] = [];
    let total = 0;
    for (const p of params) {
      offsets.push(total);
      total += p.size;
    }
    const flatGrad = flatTensor(device, total);
    const slots = this.slotNames.map(() => flatTensor(device, total));
    const gradViews: Tensor[] = [];
    for (let i = 0; i < params.length; i++) {
      const view = Tensor._view(flatGrad, offsets[i], params[i].shape, false);
      markKept(view);
      gradViews.push(view);
    }
    const group: DeviceGroup = {
      device, params, offsets, flatGrad, gradViews, slots,
      paramTriples: params.map((p): Triple => [p.storage, p.offset, p.size]),
      gradTriples: params.map((p, i): Triple => [flatGrad.storage, offsets[i], p.size]),
      slotTriples: slots.map((s) => params.map((p, i): Triple => [s.storage, offsets[i], p.size])),
    };
    for (let i = 0; i < params.length; i++) this.adoptGrad(group, i);
    return group;
  }

  /**
   * Makes params[i].grad the group's view again: a gradient the user replaced is copied into the flat buffer
   * (null counts as zero). Cheap when nothing changed, which is every step of a normal loop.
   */
  private adoptGrad(group: DeviceGroup, i: number): void {
    const p = group.params[i];
    let view = group.gradViews[i];
    if (p.grad === view && !view._disposed) return;
    if (view._disposed) {
      view = Tensor._view(group.flatGrad, group.offsets[i], p.shape, false);
      markKept(view);
      group.gradViews[i] = view;
    }
    const cur = p.grad;
    if (cur !== null && cur !== view && !cur.isDisposed && cur.size === p.size) {
      addon().copy(cur.storage, cur.offset, view.storage, view.offset, p.size);
      cur.dispose();
    } else if (p.size > 0) {
      addon().fill(view.storage, view.offset, p.size, 0);
    }
    p.grad = view;
  }

  /** The learning rate of the next step. */
  get lr(): number {
    return this.lrValue;
  }

  set lr(value: number) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new Error(`${this.constructor.name}: learning rate must be a finite number >= 0, got ${String(value)}`);
    }
    this.lrValue = value;
  }

  /** Steps taken so far (Adam's bias correction uses it). */
  get steps(): number {
    return this.stepCount;
  }

  /** Sets every gradient to zero: one fill per device. */
  zeroGrad(): void {
    for (const g of this.groups) {
      for (let i = 0; i < g.params.length; i++) if (g.params[i].grad !== g.gradViews[i]) this.adoptGrad(g, i);
      if (g.flatGrad.size > 0) addon().fill(g.flatGrad.storage, 0, g.flatGrad.size, 0);
    }
  }

  /** Applies one update to every parameter: one fused native call per device. */
  step(): void {
    const name = this.constructor.name;
    for (const g of this.groups) {
      for (let i = 0; i < g.params.length; i++) {
        const p = g.params[i];
        if (p._disposed || p._ref.freed) throw new Error(`${name}.step: parameter ${shapeString(p.shape)} was disposed`);
        if (p.grad !== g.gradViews[i]) this.adoptGrad(g, i);
      }
    }
    this.stepCount++;
    for (const g of this.groups) this.update(g);
  }

  /** One fused native update of a device group, using this.stepCount. */
  protected abstract update(group: DeviceGroup): void;

  /** Copies of the step count, learning rate and per-parameter slot values. */
  getState(): OptimizerState {
    const slots: Record<string, Float32Array[]> = {};
    this.slotNames.forEach((slot, s) => {
      slots[slot] = this.params.map((p) => {
        const { group, index } = this.locate(p);
        return p.size === 0 ? new Float32Array(0) : addon().download(group.slots[s].storage, group.offsets[index], p.size);
      });
    });
    return { step: this.stepCount, lr: this.lrValue, slots };
  }

  /** Restores state from getState() (of an optimizer of the same kind over parameters of the same sizes). */
  setState(state: OptimizerState): void {
    const name = `${this.constructor.name}.setState`;
    if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`${name}: bad step count ${state.step}`);
    for (const slot of this.slotNames) {
      const values = state.slots?.[slot];
      if (!Array.isArray(values) || values.length !== this.params.length) {
        throw new Error(`${name}: slot '${slot}' needs ${this.params.length} arrays`);
      }
      values.forEach((v, i) => {
        if (!(v instanceof Float32Array) || v.length !== this.params[i].size) {
          throw new Error(`${name}: slot '${slot}' entry ${i} needs a Float32Array of ${this.params[i].size} elements`);
        }
      });
    }
    this.slotNames.forEach((slot, s) => {
      this.params.forEach((p, i) => {
        const { group, index } = this.locate(p);
        if (p.size > 0) addon().upload(group.slots[s].storage, group.offsets[index], state.slots[slot][i]);
      });
    });
    this.stepCount = state.step;
    this.lr = state.lr;
  }

  private locate(p: Tensor): { group: DeviceGroup; index: number } {
    for (const group of this.groups) {
      const index = group.params.indexOf(p);
      if (index >= 0) return { group, index };
    }
    throw new Error('optimizer: parameter not found');
  }

  /** Frees the flat gradient and state buffers; parameters' .grad become null. */
  dispose(): void {
    for (const g of this.groups) {
      for (let i = 0; i < g.params.length; i++) {
        if (g.params[i].grad === g.gradViews[i]) g.params[i].grad = null;
        g.gradViews[i].dispose();
      }
      g.flatGrad.dispose();
      for (const s of g.slots) s.dispose();
    }
  }

  /** `using opt = ...` (TypeScript 5.2+): disposes at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
