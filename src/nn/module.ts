// Module: the base of every layer and model. Children and parameters are found by walking the module's own
// properties (assignment registers them; register() does the same explicitly): a Module is a child, a Tensor that
// requires gradients is a parameter, any other Tensor is a buffer, arrays of them count element by element.
// Names are dotted paths ("encoder.layers.0.weight"), the keys of stateDict() and loadStateDict().
import { addon } from '../backend.js';
import { Tensor, markKept, shapeString } from '../tensor.js';

/** One saved tensor: its shape and a copy of its elements. */
export interface StateEntry {
  shape: number[];
  data: Float32Array;
}

/** Saved module state: dotted name -> tensor, in registration order. */
export type StateDict = Record<string, StateEntry>;

type Visit = (name: string, value: Module | Tensor) => void;

export class Module {
  /** training mode (dropout active); set by train() / eval() on the whole tree */
  training = true;

  /**
   * Registers a child module, parameter or buffer under `name`: the same as assigning the property, and it also
   * keeps the tensors out of every tidy() scope (assign a tensor made inside tidy() only through this, or keep()).
   */
  register<T extends Module | Tensor | readonly (Module | Tensor)[]>(name: string, value: T): T {
    const items: readonly unknown[] = Array.isArray(value) ? value : [value];
    for (const item of items) if (item instanceof Tensor) markKept(item);
    (this as unknown as Record<string, unknown>)[name] = value;
    return value;
  }

  /** Calls visit for each direct child module and tensor property, in property order. */
  private eachMember(visit: Visit): void {
    for (const key of Object.keys(this)) {
      const value = (this as unknown as Record<string, unknown>)[key];
      if (value instanceof Module || value instanceof Tensor) {
        visit(key, value);
      } else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const v: unknown = value[i];
          if (v instanceof Module || v instanceof Tensor) visit(`${key}.${i}`, v);
        }
      }
    }
  }

  /** Direct child modules with their names. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    this.eachMember((name, v) => {
      if (v instanceof Module) out.push([name, v]);
    });
    return out;
  }

  /** Every tensor of the tree (parameters and buffers), each once, with dotted names. */
  namedTensors(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor | Module>();
    const walk = (m: Module, path: string): void => {
      m.eachMember((name, v) => {
        if (seen.has(v)) return;
        seen.add(v);
        if (v instanceof Module) walk(v, `${path}${name}.`);
        else out.push([`${path}${name}`, v]);
      });
    };
    walk(this, prefix === '' ? '' : `${prefix}.`);
    return out;
  }

  /** Parameters (tensors that require gradients) with dotted names, each once. */
  namedParameters(prefix = ''): [string, Tensor][] {
    return this.namedTensors(prefix).filter(([, t]) => t.requiresGrad);
  }

  /** Parameters, each once, in registration order (what an optimizer takes). */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    this.training = mode;
    for (const [, child] of this.namedChildren()) child.train(mode);
    return this;
  }

  /** Evaluation mode: train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Copies of every parameter and buffer, by dotted name. */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [name, t] of this.namedTensors()) {
      t.assertLive('stateDict', `'${name}'`);
      out[name] = { shape: t.shape.slice(), data: t.toArray() };
    }
    return out;
  }

  /**
   * Copies saved values into this module's tensors (in place: optimizers keep working). Every shape must match;
   * with `strict` (default) every name must be present on both sides.
   */
  loadStateDict(state: StateDict | Map<string, StateEntry>, options: { strict?: boolean } = {}): void {
    const strict = options.strict !== false;
    const entries = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.namedTensors();
    const ownNames = new Set(own.map(([n]) => n));
    if (strict) {
      const missing = own.filter(([n]) => !entries.has(n)).map(([n]) => n);
      const unexpected = [...entries.keys()].filter((n) => !ownNames.has(n));
      if (missing.length > 0 || unexpected.length > 0) {
        throw new Error(`loadStateDict: missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(unexpected)}`);
      }
    }
    for (const [name, t] of own) {
      const entry = entries.get(name);
      if (entry === undefined) continue;
      t.assertLive('loadStateDict', `'${name}'`);
      if (entry.shape.length !== t.shape.length || entry.shape.some((d, i) => d !== t.shape[i])) {
        throw new Error(`loadStateDict: '${name}' has shape ${shapeString(t.shape)} in the model but ` +
          `${shapeString(entry.shape)} in the state`);
      }
      if (!(entry.data instanceof Float32Array) || entry.data.length !== t.size) {
        throw new Error(`loadStateDict: '${name}' needs a Float32Array of ${t.size} elements`);
      }
    }
    for (const [name, t] of own) {
      const entry = entries.get(name);
      if (entry !== undefined && t.size > 0) addon().upload(t.storage, t.offset, entry.data);
    }
  }

  /** Sets every parameter's gradient to zero (in place, so optimizer gradient views stay valid). */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      const g = p.grad;
      if (g !== null && !g.isDisposed && g.size > 0) addon().fill(g.storage, g.offset, g.size, 0);
    }
  }

  /** Disposes every parameter and buffer (and their gradients). */
  dispose(): void {
    for (const [, t] of this.namedTensors()) t.dispose();
  }

  /** `using m = ...` (TypeScript 5.2+): disposes at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
