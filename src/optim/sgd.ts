// SGD with optional momentum, Nesterov momentum and (L2) weight decay: one fused native call per device.
import { addon } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { Optimizer, type DeviceGroup } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  /** momentum factor (default 0: plain SGD, no velocity buffer) */
  momentum?: number;
  /** Nesterov momentum (needs momentum > 0) */
  nesterov?: boolean;
  /** L2 penalty added to the gradient (default 0) */
  weightDecay?: number;
}

export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  weightDecay: number;

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    const momentum = options?.momentum ?? 0;
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum < 1)) {
      throw new Error(`SGD: momentum must be in [0, 1), got ${String(momentum)}`);
    }
    if (options?.nesterov === true && momentum === 0) throw new Error('SGD: nesterov needs momentum > 0');
    super('SGD', params, options?.lr, momentum > 0 ? ['velocity'] : []);
    this.momentum = momentum;
    this.nesterov = options.nesterov === true;
    const wd = options.weightDecay ?? 0;
    if (typeof wd !== 'number' || !(wd >= 0)) throw new Error(`SGD: weightDecay must be >= 0, got ${String(wd)}`);
    this.weightDecay = wd;
  }

  protected update(g: DeviceGroup): void {
    addon().sgd(g.paramTriples, g.gradTriples, this.momentum > 0 ? g.slotTriples[0] : null, this.lr, this.momentum,
      this.weightDecay, this.nesterov);
  }
}
