// Adam and AdamW: one fused native call updates every parameter of a device (m, v and the parameter in one pass).
// Adam adds weight decay to the gradient (L2); AdamW decays the weights directly (decoupled, Loshchilov & Hutter).
import { addon } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { Optimizer, type DeviceGroup } from './optimizer.js';

export interface AdamOptions {
  /** learning rate (default 1e-3) */
  lr?: number;
  /** [beta1, beta2] (default [0.9, 0.999]) */
  betas?: [number, number];
  /** denominator epsilon (default 1e-8) */
  eps?: number;
  /** weight decay (default 0 for Adam, 0.01 for AdamW) */
  weightDecay?: number;
}

function checkRange(name: string, what: string, v: number, lo: number, hi: number): number {
  if (typeof v !== 'number' || !(v >= lo && v < hi)) throw new Error(`${name}: ${what} must be in [${lo}, ${hi}), got ${String(v)}`);
  return v;
}

export class Adam extends Optimizer {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** AdamW's decoupled weight decay instead of L2 */
  protected readonly decoupled: boolean = false;

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    // checked before super() allocates the flat gradient and the slots, so a refused call leaves nothing behind
    const name = new.target.name;
    const [b1, b2] = options.betas ?? [0.9, 0.999];
    const beta1 = checkRange(name, 'beta1', b1, 0, 1);
    const beta2 = checkRange(name, 'beta2', b2, 0, 1);
    const eps = checkRange(name, 'eps', options.eps ?? 1e-8, 0, Infinity);
    const weightDecay = checkRange(name, 'weightDecay', options.weightDecay ?? (new.target === AdamW ? 0.01 : 0), 0,
      Infinity);
    super(name, params, options.lr ?? 1e-3, ['m', 'v']);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
  }

  protected update(g: DeviceGroup): void {
    addon().adam(g.paramTriples, g.gradTriples, g.slotTriples[0], g.slotTriples[1], this.lr, this.beta1, this.beta2,
      this.eps, this.weightDecay, this.decoupled, this.stepCount);
  }
}

/** Adam with decoupled weight decay: p -= lr * weightDecay * p each step (default weightDecay 0.01). */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;
}
