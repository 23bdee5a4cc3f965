// Float64 references of the fused optimiser kernels (PyTorch's Adam/AdamW and SGD update rules) and of lerp.

/** one Adam/AdamW step in float64 over flat arrays p, g, m, v (modified in place); t counts from 1 */
export function refAdamStep(p, g, m, v, { lr, beta1, beta2, eps, weightDecay, decoupled, step }) {
  const bc1 = 1 - beta1 ** step;
  const bc2 = 1 - beta2 ** step;
  for (let i = 0; i < p.length; i++) {
    let gi = g[i];
    if (decoupled) p[i] -= lr * weightDecay * p[i];
    else gi += weightDecay * p[i];
    m[i] = beta1 * m[i] + (1 - beta1) * gi;
    v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
    p[i] -= (lr * (m[i] / bc1)) / (Math.sqrt(v[i] / bc2) + eps);
  }
}

/** one SGD step in float64: g += wd p; v = momentum v + g; p -= lr (nesterov ? g + momentum v : v) */
export function refSgdStep(p, g, vel, { lr, momentum, weightDecay, nesterov }) {
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] + weightDecay * p[i];
    const vi = momentum * vel[i] + gi;
    vel[i] = vi;
    p[i] -= lr * (nesterov ? gi + momentum * vi : vi);
  }
}

/** one lerp in float64 over flat arrays t (modified in place) and s: t += rate (s - t) */
export function refLerpStep(t, s, rate) {
  for (let i = 0; i < t.length; i++) t[i] += rate * (s[i] - t[i]);
}
