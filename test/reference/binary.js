// Float64 references of the binary kernel: each op of the binary list by name, operands read through their
// broadcast mode (full, row, column, scalar).
import { BINARY_OPS, Broadcast } from '../../dist/src/native.js';

/** each op of the binary list, by name */
export const BINARY_REFERENCES = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: (a, b) => Math.max(a, b),
  min: (a, b) => Math.min(a, b),
};

/** a op b for the op of id `op` */
export function refBinaryOne(op, a, b) {
  const f = BINARY_REFERENCES[BINARY_OPS[op]?.name];
  if (f === undefined) throw new Error(`no float64 reference for binary op ${op} (${BINARY_OPS[op]?.name})`);
  return f(a, b);
}

/** element (r, c) of an operand stored in broadcast mode `mode` */
export function bcastAt(x, mode, r, c, cols) {
  switch (mode) {
    case Broadcast.full: return x[r * cols + c];
    case Broadcast.row: return x[c];
    case Broadcast.col: return x[r];
    case Broadcast.scalar: return x[0];
    default: throw new Error(`broadcast ${mode}`);
  }
}

export function bcastLength(mode, rows, cols) {
  return [rows * cols, cols, rows, 1][mode];
}

export function refBinary(op, rows, cols, a, aMode, b, bMode) {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = refBinaryOne(op, bcastAt(a, aMode, r, c, cols), bcastAt(b, bMode, r, c, cols));
  }
  return out;
}
