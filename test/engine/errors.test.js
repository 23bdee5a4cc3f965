// Bad calls through the TypeScript API, one test per class: each throws an Error naming the op and the shapes
// (or the bad value), leaks no tensor, and leaves the process working (a later op gives the right answer).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { assertThrows } from '../helpers.js';

const s = suite('engine: bad calls through the API');

const hasCuda = sg.devices().some((d) => d.device.startsWith('cuda'));

/** a later op still works: [[1,2],[3,4]]·[[1],[1]] + 1 = [[4],[8]] */
function stillAlive() {
  const out = sg.tidy(() => {
    const a = sg.tensor([[1, 2], [3, 4]]);
    const b = sg.tensor([[1], [1]]);
    return Array.from(sg.addScalar(sg.matmul(a, b), 1).toArray());
  });
  assert.equal(out, [4, 8], 'a later op gives the right answer');
}

/** fn throws an Error matching every pattern, creates no lasting tensor, and the engine works afterwards */
function refused(fn, ...patterns) {
  const before = sg.liveTensors();
  const e = assertThrows(fn, ...patterns);
  assert.is(sg.liveTensors(), before, `the failed call left ${sg.liveTensors() - before} tensors alive: ${e.message}`);
  stillAlive();
  return e;
}

/** runs fn inside a tidy scope that frees the operands it creates */
function scoped(fn) {
  return () => sg.tidy(fn);
}

s('shape mismatch: matmul inner sizes, with and without transposes', () => {
  const a = sg.zeros([2, 3]);
  const b = sg.zeros([4, 5]);
  try {
    refused(() => sg.matmul(a, b), /matmul/, /\[2,3\]/, /\[4,5\]/);
    refused(() => sg.matmul(a, b, { transA: true }), /matmul/, /\[2,3\]/, /\[4,5\]/);
    refused(scoped(() => a.matmul(sg.zeros([2, 5]))), /matmul/, /\[2,3\]/, /\[2,5\]/);
    refused(scoped(() => sg.matmul(a, sg.zeros([3]))), /matmul/, /\[2,3\]/, /\[3\]/);
  } finally {
    sg.dispose([a, b]);
  }
});

s('shape mismatch: add / sub / mul / div / maximum of non-broadcastable shapes', () => {
  const a = sg.zeros([2, 3]);
  const b = sg.zeros([4]);
  const c = sg.zeros([3, 3]);
  try {
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum']) {
      refused(() => sg[op](a, b), new RegExp(op), /\[2,3\]/, /\[4\]/);
      refused(() => sg[op](c, a), new RegExp(op), /\[3,3\]/, /\[2,3\]/);
    }
    // broadcasts in NumPy's sense but not in a form the kernel has: an error, not a wrong answer
    refused(scoped(() => sg.add(sg.zeros([2, 3, 4]), sg.zeros([3, 1]))), /add/, /\[2,3,4\]/, /\[3,1\]/);
  } finally {
    sg.dispose([a, b, c]);
  }
});

s('shape mismatch: linear with a W or bias that does not fit', () => {
  const x = sg.zeros([2, 3]);
  try {
    refused(scoped(() => sg.linear(x, sg.zeros([4, 5]), null)), /linear/, /\[2,3\]/, /\[4,5\]/);
    refused(scoped(() => sg.linear(x, sg.zeros([3, 5]), sg.zeros([4]))), /linear/, /\[4\]/, /\[3,5\]/);
    refused(scoped(() => sg.linear(x, sg.zeros([3]), null)), /linear/, /\[2,3\]/, /\[3\]/);
    refused(scoped(() => sg.linear(x, sg.zeros([3, 5]), null, 'notAnActivation')), /linear/, /notAnActivation/);
    const layer = new sg.Linear(4, 2);
    refused(() => layer.forward(x), /linear/, /\[2,3\]/, /\[4,2\]/);
    layer.dispose();
  } finally {
    x.dispose();
  }
});

s('shape mismatch: losses, reshape, concatCols, sliceCols', () => {
  sg.tidy(() => {
    const logits = sg.zeros([4, 3]);
    refused(scoped(() => sg.softmaxCrossEntropy(logits, sg.zeros([5]))), /softmaxCrossEntropy/, /\[5\]/, /\[4,3\]/);
    refused(scoped(() => sg.sigmoidCrossEntropy(logits, sg.zeros([4, 2]))), /sigmoidCrossEntropy/, /\[4,3\]/, /\[4,2\]/);
    refused(scoped(() => sg.gaussianKl(logits, sg.zeros([3, 4]))), /gaussianKl/, /\[4,3\]/, /\[3,4\]/);
    refused(scoped(() => sg.reparameterize(logits, sg.zeros([4]))), /reparameterize/, /\[4,3\]/, /\[4\]/);
    refused(() => sg.reshape(logits, [5, 2]), /reshape/, /\[4,3\]/, /\[5,2\]/);
    refused(scoped(() => sg.concatCols([logits, sg.zeros([5, 3])])), /concatCols/, /\[4,3\]/, /\[5,3\]/);
    refused(() => sg.sliceCols(logits, 2, 5), /sliceCols/, /\[4,3\]/);
    refused(scoped(() => sg.sum(sg.zeros([2, 3, 4]), 0)), /sum/, /\[2,3,4\]/);
    refused(() => sg.softmax(logits, 0), /softmax/, /\[4,3\]/);
  });
});

s('a disposed tensor as input', () => {
  const a = sg.tensor([[1, 2, 3], [4, 5, 6]]);
  const b = sg.ones([2, 3]);
  a.dispose();
  try {
    assert.ok(a.isDisposed);
    refused(() => sg.relu(a), /relu/, /disposed/, /\[2,3\]/);
    refused(() => sg.add(b, a), /add/, /disposed/, /\[2,3\]/);
    refused(() => sg.add(a, 1), /add/, /disposed/, /\[2,3\]/);
    refused(() => sg.matmul(a, b, { transB: true }), /matmul/, /disposed/, /\[2,3\]/);
    refused(() => sg.sum(a), /sum/, /disposed/, /\[2,3\]/);
    refused(() => sg.reshape(a, [6]), /reshape/, /disposed/, /\[2,3\]/);
    refused(() => a.toArray(), /toArray/, /disposed/, /\[2,3\]/);
    refused(() => a.item(), /item/, /disposed/, /\[2,3\]/);
    // a view of a disposed tensor still holds its storage; the storage is freed with the last view
    const v = sg.reshape(b, [3, 2]);
    b.dispose();
    assert.equal(Array.from(v.toArray()), [1, 1, 1, 1, 1, 1], 'a view keeps the storage alive');
    v.dispose();
    a.dispose(); // disposing twice is a no-op
  } finally {
    b.dispose();
  }
});

s('wrong array type or data to tensor() and fromArray()', () => {
  refused(() => sg.tensor(new Float64Array(4)), /tensor/, /Float64Array/);
  refused(() => sg.tensor(new Int32Array(4)), /tensor/, /Int32Array/);
  refused(() => sg.tensor('1,2,3'), /tensor/, /string/);
  refused(() => sg.tensor(['a', 'b']), /tensor/, /string/);
  refused(() => sg.tensor([[1, 2], [3]]), /tensor/, /ragged/);
  refused(() => sg.tensor({ length: 2 }), /tensor/, /Object/);
  refused(() => sg.fromArray([1, 2], [2]), /fromArray/, /array/);
  refused(() => sg.fromArray(new Float64Array(2), [2]), /fromArray/, /Float64Array/);
  refused(() => sg.full([2], '1'), /full/, /string/);
});

s('wrong element types inside a nested array to tensor() (strings, undefined, null, booleans, a third level)', () => {
  // the flat form refuses them (tensor(['a']), tensor([true])); the nested form must too, not store NaN or 0
  refused(() => sg.tensor([[1, 'a'], [2, 3]]), /tensor/, /string/);
  refused(() => sg.tensor([[1, undefined], [2, 3]]), /tensor/, /undefined/);
  refused(() => sg.tensor([[1, null], [2, 3]]), /tensor/, /null/);
  refused(() => sg.tensor([[true, false]]), /tensor/, /boolean/);
  refused(() => sg.tensor([[[1, 2], [3, 4]]]), /tensor/, /array/);
});

s('wrong data length or a bad shape for tensor() and the factories', () => {
  refused(() => sg.tensor([1, 2, 3], [2, 2]), /tensor/, /\[2,2\]/, /3 elements/);
  refused(() => sg.tensor(new Float32Array(5), [2, 3]), /tensor/, /\[2,3\]/, /5 elements/);
  refused(() => sg.fromArray(new Float32Array(6), [4]), /fromArray|tensor/, /\[4\]/);
  refused(() => sg.zeros([2, -1]), /full|zeros/, /\[2,-1\]/);
  refused(() => sg.ones([1.5]), /full|ones/, /\[1\.5\]/);
  refused(() => sg.randn([2, NaN]), /randn/, /NaN/);
});

s(`a device that does not exist: ${hasCuda ? 'tensors on different devices are refused' : 'cuda tensor creation says there is no GPU'}`, () => {
  refused(() => sg.zeros([2], { device: 'gpu' }), /zeros|full/, /unknown device/, /gpu/);
  if (!hasCuda) {
    // the engine has no CUDA device here: creating one is a clear error, not a crash
    const e = refused(() => sg.zeros([2, 2], { device: 'cuda:0' }), /cuda:0/, /no CUDA device|not available/i);
    assert.ok(!/undefined/.test(e.message), e.message);
    refused(() => sg.tensor([1, 2], [2], { device: 'cuda:0' }), /cuda:0/, /no CUDA device|not available/i);
    refused(() => sg.randn([3], undefined, { device: 'cuda:0' }), /cuda:0/, /no CUDA device|not available/i);
    refused(scoped(() => sg.to(sg.zeros([2]), 'cuda:0')), /cuda:0/, /no CUDA device|not available/i);
    return;
  }
  sg.tidy(() => {
    const a = sg.zeros([2, 3]);
    const g = sg.zeros([2, 3], { device: 'cuda:0' });
    refused(() => sg.add(a, g), /add/, /cpu/, /cuda:0/, /\[2,3\]/);
    refused(() => sg.matmul(a, g, { transB: true }), /matmul/, /cpu/, /cuda:0/);
    refused(() => sg.linear(a, sg.zeros([3, 2], { device: 'cuda:0' }), null), /linear/, /cpu/, /cuda:0/);
    refused(() => sg.concatCols([a, g]), /concatCols/, /cpu/, /cuda:0/);
    refused(() => sg.zeros([2], { device: 'cuda:99' }), /cuda:99/);
  });
});

s('NaN, negative, fractional or huge seeds to Generator', () => {
  for (const bad of [NaN, -1, 1.5, Infinity, 2 ** 53, '7', undefined]) {
    refused(() => new sg.Generator(bad), /Generator/, /seed/);
  }
  const g = new sg.Generator(1);
  refused(() => g.manualSeed(-3), /Generator/, /seed/, /-3/);
  refused(() => g.setState({ seed: 1, offset: 0.5 }), /Generator/, /offset/, /0\.5/);
  refused(() => g.setState({ seed: NaN, offset: 0 }), /Generator/, /seed/, /NaN/);
  refused(() => g.setState(null), /setState/);
  refused(() => sg.manualSeed(NaN), /Generator/, /seed/);
  assert.equal(g.getState(), { seed: 1, offset: 0 }, 'failed calls leave the generator unchanged');
  refused(() => sg.randn([2], 'not a generator'), /randn/, /Generator/);
  refused(scoped(() => sg.dropout(sg.ones([2]), 0.5, {}, true)), /dropout/, /Generator/);
  refused(() => sg.bernoulli([2], 1.5), /bernoulli/, /1\.5/);
  refused(scoped(() => sg.dropout(sg.ones([2]), 1, undefined, true)), /dropout/, /\b1\b/);
});

s('backward() on a non-scalar without a seed gradient, and with a wrong seed', () => {
  sg.tidy(() => {
    const x = sg.ones([2, 3], { requiresGrad: true });
    const y = sg.relu(x);
    refused(() => y.backward(), /backward/, /\[2,3\]/, /seed/);
    refused(scoped(() => sg.backward(y, sg.ones([3]))), /backward/, /seed/, /\[3\]/, /\[2,3\]/);
    refused(() => sg.backward(y, [1, 2, 3]), /backward/, /seed/);
    refused(scoped(() => sg.ones([2]).sum().backward()), /backward/, /does not require gradients/);
    // the graph is untouched by the refused calls: a seeded backward works
    sg.backward(y, sg.full([2, 3], 2));
    assert.equal(Array.from(x.grad.toArray()), [2, 2, 2, 2, 2, 2]);
  });
});

s('backward() with a seed of the same size but another shape is refused (a wrong shape)', () => {
  sg.tidy(() => {
    const x = sg.ones([2, 3], { requiresGrad: true });
    const y = sg.relu(x);
    refused(scoped(() => sg.backward(y, sg.ones([3, 2]))), /backward/, /seed/, /\[3,2\]/, /\[2,3\]/);
  });
});

s('backward twice through a consumed graph is an error naming the op', () => {
  sg.tidy(() => {
    const x = sg.tensor([1, 2, 3], [3], { requiresGrad: true });
    const L = sg.sum(sg.square(x));
    L.backward();
    assert.equal(Array.from(x.grad.toArray()), [2, 4, 6]);
    refused(() => L.backward(), /backward/, /sum/, /already/);
    // a loss built on an intermediate of the consumed graph is refused too
    const y = sg.square(x);
    const L1 = sg.sum(y);
    L1.backward();
    refused(scoped(() => sg.sum(sg.mul(y, 2)).backward()), /backward/, /square/, /already/);
    assert.equal(Array.from(x.grad.toArray()), [4, 8, 12], 'the refused backward added nothing');
    // disposed graph nodes: backward says so instead of crashing
    const h = sg.exp(x);
    const L2 = sg.sum(sg.tanh(h));
    h.dispose();
    refused(() => L2.backward(), /backward/, /disposed/, /exp/, /\[3\]/);
  });
});

s('item() on a multi-element tensor', () => {
  sg.tidy(() => {
    const t = sg.zeros([2, 3]);
    refused(() => t.item(), /item/, /\[2,3\]/);
    refused(scoped(() => sg.zeros([0]).item()), /item/, /\[0\]/);
    assert.is(sg.full([1, 1], 2.5).item(), 2.5);
    assert.is(sg.full([], -1).item(), -1);
  });
});

s('loadStateDict with a wrong shape, a wrong length, a missing or an unexpected name', () => {
  const m = new sg.MLP([3, 4, 2]);
  const state = m.stateDict();
  try {
    const wrongShape = { ...state, 'layers.0.weight': { shape: [4, 3], data: new Float32Array(12) } };
    refused(() => m.loadStateDict(wrongShape), /loadStateDict/, /layers\.0\.weight/, /\[3,4\]/, /\[4,3\]/);
    const wrongData = { ...state, 'layers.1.bias': { shape: [2], data: new Float32Array(3) } };
    refused(() => m.loadStateDict(wrongData), /loadStateDict/, /layers\.1\.bias/, /2 elements/);
    const missing = { ...state };
    delete missing['layers.1.weight'];
    refused(() => m.loadStateDict(missing), /loadStateDict/, /missing/, /layers\.1\.weight/);
    refused(() => m.loadStateDict({ ...state, extra: { shape: [1], data: new Float32Array(1) } }), /loadStateDict/, /unexpected/, /extra/);
    // nothing was written by the refused loads
    const after = m.stateDict();
    for (const [k, v] of Object.entries(state)) assert.equal(Array.from(after[k].data), Array.from(v.data), `${k} unchanged`);
  } finally {
    m.dispose();
  }
});

s('optimizers with no parameters, bad parameters or bad settings', () => {
  refused(() => new sg.Adam([]), /Adam/, /no parameters/);
  refused(() => new sg.AdamW([]), /AdamW/, /no parameters/);
  refused(() => new sg.SGD([], { lr: 0.1 }), /SGD/, /no parameters/);
  sg.tidy(() => {
    const p = sg.zeros([2, 2], { requiresGrad: true });
    const q = sg.zeros([3]);
    refused(() => new sg.Adam([p, q]), /Adam/, /parameter 1/, /\[3\]/);
    refused(() => new sg.Adam([p, p]), /Adam/, /twice/, /\[2,2\]/);
    refused(scoped(() => new sg.Adam([p, sg.relu(p)])), /Adam/, /parameter 1/, /leaf/);
    refused(() => new sg.Adam([p], { lr: -1 }), /Adam/, /learning rate/, /-1/);
    refused(() => new sg.SGD([p], { lr: 0.1, momentum: 1.5 }), /SGD/, /momentum/, /1\.5/);
    refused(() => new sg.SGD([p], { lr: 0.1, nesterov: true }), /SGD/, /nesterov/);
    const d = sg.zeros([2], { requiresGrad: true });
    d.dispose();
    refused(() => new sg.SGD([d], { lr: 0.1 }), /SGD/, /disposed/, /\[2\]/);
    const opt = new sg.Adam([p]);
    p.dispose();
    refused(() => opt.step(), /Adam\.step/, /disposed/, /\[2,2\]/);
    opt.dispose();
  });
});

s('a refused Adam (bad betas, eps, weightDecay) leaks no buffers and leaves the parameters\' grad alone', () => {
  sg.tidy(() => {
    const p = sg.zeros([2, 2], { requiresGrad: true });
    refused(() => new sg.Adam([p], { betas: [1, 0.999] }), /Adam/, /beta1/, /\b1\b/);
    refused(() => new sg.AdamW([p], { betas: [0.9, -0.5] }), /AdamW/, /beta2/, /-0\.5/);
    refused(() => new sg.Adam([p], { eps: -1 }), /Adam/, /eps/, /-1/);
    refused(() => new sg.Adam([p], { weightDecay: NaN }), /Adam/, /weightDecay/, /NaN/);
    assert.is(p.grad, null, 'the parameter has no gradient after the refused constructors');
  });
});

s('Linear and MLP with bad sizes or options', () => {
  refused(() => new sg.Linear(0, 3), /Linear/, /0 -> 3/);
  refused(() => new sg.Linear(2.5, 3), /Linear/, /2\.5/);
  refused(() => new sg.Linear(2, 3, { init: 'orthogonal' }), /Linear/, /orthogonal/);
  refused(() => new sg.MLP([4]), /MLP/, /\[4\]/);
  refused(() => new sg.MLP([4, 2], { dropout: 1 }), /MLP/, /dropout/);
  refused(() => new sg.MLP([4, 2], { activation: 'swish' }), /MLP/, /swish/);
});

s.run();
