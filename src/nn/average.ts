// A moving average of a module's weights: a second module of the same shape that takes no gradient and follows the
// first, average += (1 − decay)(source − average) for every tensor in one fused call after each step. GANs sample
// and classify with such averages (steadier than the raw weights).
import { assign_, lerp_ } from '../ops/inplace.js';
import type { Tensor } from '../tensor.js';
import type { Module } from './module.js';

/** The two modules' tensors, paired by position, after checking they have the same shapes. */
function paired(average: Module, source: Module): [Tensor[], Tensor[]] {
  const a = average.namedTensors();
  const s = source.namedTensors();
  if (a.length !== s.length || a.some(([, t], i) => t.shape.join() !== s[i][1].shape.join())) {
    throw new Error(`moving average: the average's tensors (${a.length}) do not match the source's (${s.length}) in shape`);
  }
  return [a.map(([, t]) => t), s.map(([, t]) => t)];
}

/** Stops the average's gradients and, with `copy`, sets it to the source's values exactly. */
export function startAverage(average: Module, source: Module, copy = true): void {
  const [targets, sources] = paired(average, source);
  for (const t of targets) t.requiresGrad = false;
  if (copy) targets.forEach((t, i) => assign_(t, sources[i]));
}

/** average += (1 − decay)(source − average) for every tensor (decay 0: the source's values, up to rounding). */
export function updateAverage(average: Module, source: Module, decay: number): void {
  const [targets, sources] = paired(average, source);
  lerp_(targets, sources, 1 - decay);
}
