// Reverse-mode autograd. Each differentiable op calls record() on its output with its inputs and a gradient rule
// (written beside the forward in src/ops/); backward() walks that graph once in topological order, accumulates
// into leaf .grad tensors in place, and frees every intermediate gradient, saved tensor and graph node as soon as
// it has been used. (Memory scopes, tidy/keep/dispose, are in tensor.ts.)
import { addon } from './backend.js';
import { Binary, Broadcast } from './native.js';
import { Tensor, markKept, sameShape, shapeString, type BackwardFn } from './tensor.js';

// The memory scopes live with the tensor bookkeeping; they are part of this module's API too.
export { dispose, keep, tidy, type TensorContainer } from './tensor.js';

let gradDisabled = 0;

/** Whether ops currently record the graph (false inside noGrad()). */
export function isGradEnabled(): boolean {
  return gradDisabled === 0;
}

/** Runs fn without recording any graph: outputs do not require gradients. */
export function noGrad<T>(fn: () => T): T {
  gradDisabled++;
  try {
    return fn();
  } finally {
    gradDisabled--;
  }
}

/** @internal Whether an op on this input must record its graph. */
export function needsGrad(a: Tensor): boolean {
  return gradDisabled === 0 && a.requiresGrad;
}

/** @internal Whether an op on these inputs must record its graph. */
export function needsGrad2(a: Tensor, b: Tensor | null): boolean {
  return gradDisabled === 0 && (a.requiresGrad || (b !== null && b.requiresGrad));
}

/**
 * @internal Makes `out` a graph node: the result of `op` on `inputs`, with gradient rule `backward`. `saved`
 * tensors belong to the node: they are disposed right after the rule runs, or with `out`.
 */
export function record(out: Tensor, op: string, inputs: Tensor[], backward: BackwardFn, saved?: Tensor[]): Tensor {
  out.requiresGrad = true;
  out._op = op;
  out._inputs = inputs;
  out._backward = backward;
  if (saved !== undefined) out._saved = saved;
  return out;
}

function releaseSaved(t: Tensor): void {
  const saved = t._saved;
  if (saved === null) return;
  t._saved = null;
  for (let i = 0; i < saved.length; i++) saved[i].dispose();
}

/**
 * @internal For gradient rules that can accumulate in place (a GEMM with beta = 1): the existing gradient of a
 * leaf, which the rule may add its contribution into directly (it then returns null for that input), or null.
 */
export function leafGradTarget(t: Tensor): Tensor | null {
  const g = t.grad;
  if (t._backward !== null || t._op !== null || g === null || g._disposed || g._ref.freed || g.size !== t.size) return null;
  return g;
}

/** out += g in place (same number of elements, out exclusively ours or a leaf gradient). */
function addInto(out: Tensor, g: Tensor): void {
  addon().binary(Binary.add, 1, out.size, out.storage, out.offset, Broadcast.full, g.storage, g.offset,
    Broadcast.full, out.storage, out.offset);
}

function copyOf(g: Tensor, shape: readonly number[]): Tensor {
  const c = Tensor._empty(g.device, shape, g.size);
  addon().copy(g.storage, g.offset, c.storage, c.offset, g.size);
  return c;
}

/** Adds gradient g (taking it over when `owned`) into the accumulator of a graph node or the .grad of a leaf. */
function accumulate(t: Tensor, g: Tensor, owned: boolean): void {
  if (g.size !== t.size) {
    throw new Error(`backward: gradient of shape ${shapeString(g.shape)} for a tensor of shape ${shapeString(t.shape)}` +
      (t._op ? ` (input of ${t._op})` : ''));
  }
  if (t._backward !== null) {
    if (t._gradAcc === null) {
      t._gradAcc = owned ? g : copyOf(g, g.shape);
      return;
    }
    addInto(t._gradAcc, g);
  } else {
    const cur = t.grad;
    if (cur === null || cur.isDisposed) {
      let grad = owned ? g : copyOf(g, t.shape);
      if (!sameShape(grad.shape, t.shape)) {
        const view = Tensor._view(grad, grad.offset, t.shape);
        grad.dispose();
        grad = view;
      }
      markKept(grad);
      t.grad = grad;
      return;
    }
    addInto(cur, g);
  }
  if (owned) g.dispose();
}

function consumedError(t: Tensor): Error {
  return new Error(`backward: the graph through ${t._op} ${shapeString(t.shape)} was already used by an earlier ` +
    'backward() (each graph can be back-propagated once; recompute the forward pass)');
}

/** Graph nodes reachable from root, each after every node that consumes it (iterative DFS post-order). */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>([root]);
  const stack: Tensor[] = [root];
  const next: number[] = [0];
  while (stack.length > 0) {
    const top = stack.length - 1;
    const t = stack[top];
    const inputs = t._inputs as Tensor[];
    const i = next[top];
    if (i < inputs.length) {
      next[top] = i + 1;
      const c = inputs[i];
      if (!c.requiresGrad || visited.has(c)) continue;
      if (c._disposed) {
        throw new Error(`backward: ${c._op ? `the output of ${c._op}` : 'a leaf tensor'} ${shapeString(c.shape)} ` +
          `was disposed before backward() (keep the graph alive until backward, e.g. inside one tidy())`);
      }
      if (c._backward !== null) {
        visited.add(c);
        stack.push(c);
        next.push(0);
      } else if (c._op !== null) {
        throw consumedError(c);
      }
    } else {
      order.push(t);
      stack.pop();
      next.pop();
    }
  }
  return order;
}

/**
 * Back-propagates from `root`: a one-element tensor (the loss) unless an explicit `seed` gradient of root's
 * shape is given. Gradients are added into the .grad of every leaf that requires them; the graph is consumed.
 */
export function backward(root: Tensor, seed?: Tensor): void {
  root.assertLive('backward', 'loss');
  if (!root.requiresGrad) throw new Error(`backward: the tensor ${shapeString(root.shape)} does not require gradients`);
  if (root._backward === null && root._op !== null) throw consumedError(root);
  let g0: Tensor;
  if (seed === undefined) {
    if (root.size !== 1) {
      throw new Error(`backward: loss must have one element, got shape ${shapeString(root.shape)}; pass a seed gradient`);
    }
    g0 = Tensor._empty(root.device, root.shape, 1);
    addon().fill(g0.storage, g0.offset, 1, 1);
  } else {
    if (!(seed instanceof Tensor)) throw new Error('backward: seed must be a Tensor');
    seed.assertLive('backward', 'seed');
    if (!sameShape(seed.shape, root.shape) || seed.device !== root.device) {
      throw new Error(`backward: seed ${shapeString(seed.shape)} on ${seed.device} does not match ` +
        `loss ${shapeString(root.shape)} on ${root.device}`);
    }
    g0 = copyOf(seed, root.shape);
  }
  gradDisabled++;
  let order: Tensor[] = [];
  let done = false;
  try {
    if (root._backward === null) {
      accumulate(root, g0, true);
      done = true;
      return;
    }
    order = topoOrder(root);
    root._gradAcc = g0;
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = t._gradAcc;
      const inputs = t._inputs as Tensor[];
      const rule = t._backward as BackwardFn;
      t._gradAcc = null;
      t._inputs = null;
      t._backward = null;
      if (g === null) {
        releaseSaved(t);
        continue;
      }
      let grads: (Tensor | null)[];
      try {
        grads = rule(g);
      } catch (e) {
        g.dispose();
        releaseSaved(t);
        const text = e instanceof Error ? e.message : String(e);
        throw new Error(`backward through ${t._op}: ${text}`);
      }
      releaseSaved(t);
      // A rule may return g itself or views of it: the first such gradient takes g's storage over, later ones
      // are copied, so no two accumulators ever share storage.
      let movedG = false;
      let storageTaken = false;
      for (let j = 0; j < inputs.length; j++) {
        const gi = grads[j];
        if (gi === null || gi === undefined) continue;
        const input = inputs[j];
        const isG = gi === g;
        if (!input.requiresGrad) {
          if (!isG) gi.dispose();
          continue;
        }
        const shares = gi._ref === g._ref;
        const owned = !shares || !storageTaken;
        accumulate(input, gi, owned);
        if (shares && owned) storageTaken = true;
        if (isG && owned) movedG = true;
        if (!owned && !isG) gi.dispose();
      }
      if (!movedG) g.dispose();
    }
    done = true;
  } finally {
    gradDisabled--;
    // after an error, pending gradients of nodes not yet visited must not leak
    if (!done) {
      if (!g0._kept) g0.dispose();
      for (let i = 0; i < order.length; i++) {
        const acc = order[i]._gradAcc;
        if (acc !== null) {
          acc.dispose();
          order[i]._gradAcc = null;
        }
      }
    }
  }
}

// ---- the Tensor method t.backward(), attached here beside backward() (as each op file attaches its own) ----

declare module './tensor.js' {
  interface Tensor {
    /** back-propagates from this one-element tensor (or with an explicit seed gradient) */
    backward(seed?: Tensor): void;
  }
}

Tensor.prototype.backward = function (this: Tensor, seed?: Tensor) { backward(this, seed); };
