// Running a computation with some modules frozen: their parameters take no gradient for its duration (a GAN's
// generator step backpropagates through the discriminator without computing the discriminator's weight gradients,
// a third of its backward's GEMMs), and take gradients again afterwards, even when it throws.
import type { Module } from './module.js';

/** fn() with every parameter of `modules` set not to require gradients; restored afterwards. */
export function withFrozen<T>(modules: readonly Module[], fn: () => T): T {
  const params = modules.flatMap((m) => m.parameters());
  for (const p of params) p.requiresGrad = false;
  try {
    return fn();
  } finally {
    for (const p of params) p.requiresGrad = true;
  }
}
