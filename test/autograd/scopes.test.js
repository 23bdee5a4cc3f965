// tidy / keep / dispose / noGrad semantics and the autograd bookkeeping around them: what a scope frees and
// what survives it (returned values, kept tensors, leaf gradients), nested scopes, scopes that throw, graph
// recording and gradient accumulation across backward() calls.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';

const s = suite('autograd: tidy, keep, dispose, noGrad');

const live = () => sg.liveTensors();
const values = (t) => Array.from(t.toArray());

s('tidy frees every tensor created inside except the returned one', () => {
  const before = live();
  const bytesBefore = sg.memoryStats().liveBytes;
  const out = sg.tidy(() => {
    const a = sg.ones([3, 4]);
    const b = sg.add(a, 2);
    const c = sg.mul(b, b);
    assert.is(live(), before + 3);
    return sg.sum(c, -1);
  });
  assert.is(live(), before + 1, 'only the returned tensor is alive');
  assert.equal(values(out), [36, 36, 36]);
  assert.ok(!out.isDisposed);
  out.dispose();
  assert.is(live(), before);
  assert.is(sg.memoryStats().liveBytes, bytesBefore, 'native live bytes back where they were');
});

s('tidy returns arrays, plain objects and Maps of tensors (nested), and non-tensor values', () => {
  const before = live();
  const r = sg.tidy(() => {
    const a = sg.ones([2]);
    const b = sg.zeros([2]);
    const c = sg.full([2], 3);
    sg.full([2], 4); // dropped
    return { list: [a, { deep: b }], map: new Map([['c', c]]), n: 5, s: 'x' };
  });
  assert.is(live(), before + 3);
  assert.equal(values(r.list[0]), [1, 1]);
  assert.equal(values(r.list[1].deep), [0, 0]);
  assert.equal(values(r.map.get('c')), [3, 3]);
  assert.is(r.n, 5);
  sg.dispose(r.list);
  assert.is(live(), before + 1);
  r.map.get('c').dispose();
  assert.is(live(), before);
  assert.is(sg.tidy(() => 42), 42);
  assert.is(sg.tidy(() => undefined), undefined);
  assert.is(live(), before);
});

s('keep() survives every enclosing tidy until disposed explicitly', () => {
  const before = live();
  let kept;
  sg.tidy(() => {
    sg.tidy(() => {
      kept = sg.keep(sg.full([2, 2], 7));
      sg.ones([5]);
    });
    assert.ok(!kept.isDisposed);
  });
  assert.ok(!kept.isDisposed, 'a kept tensor outlives its scopes');
  assert.is(live(), before + 1);
  assert.equal(values(kept), [7, 7, 7, 7]);
  kept.dispose();
  assert.ok(kept.isDisposed);
  assert.is(live(), before);
});

s('nested tidy: a returned tensor moves to the enclosing scope, which frees it unless returned again', () => {
  const before = live();
  let inner;
  const outer = sg.tidy(() => {
    inner = sg.tidy(() => sg.add(sg.ones([3]), 1));
    assert.ok(!inner.isDisposed);
    assert.is(live(), before + 1, 'the inner scope freed its temporaries');
    const y = sg.mul(inner, 3);
    return y;
  });
  assert.ok(inner.isDisposed, 'the outer scope freed the inner result it did not return');
  assert.equal(values(outer), [6, 6, 6]);
  assert.is(live(), before + 1);
  outer.dispose();
  // three levels deep, returning through each
  const deep = sg.tidy(() => sg.tidy(() => sg.tidy(() => sg.full([1], 9))));
  assert.equal(values(deep), [9]);
  deep.dispose();
  assert.is(live(), before);
});

s('a tidy that throws frees everything created inside and rethrows; later scopes work', () => {
  const before = live();
  assert.throws(() => sg.tidy(() => {
    sg.ones([4]);
    sg.tidy(() => {
      sg.zeros([4]);
      throw new Error('boom');
    });
  }), /boom/);
  assert.is(live(), before);
  const t = sg.tidy(() => sg.ones([1]));
  assert.is(live(), before + 1);
  t.dispose();
});

s('a tidy whose fn returns a Promise is refused (and frees what it made)', () => {
  const before = live();
  assert.throws(() => sg.tidy(async () => sg.ones([2])), /tidy/);
  assert.is(live(), before);
});

s('dispose() walks arrays and objects; disposing twice is harmless; views keep storage alive', () => {
  const before = live();
  const a = sg.ones([2, 3]);
  const b = sg.zeros([4]);
  sg.dispose({ a, list: [b, 3, 'x', null] });
  assert.ok(a.isDisposed && b.isDisposed);
  sg.dispose([a, b]);
  a.dispose();
  assert.is(live(), before);
  // a view returned from a scope keeps the storage its base (freed by the scope) lived in
  const v = sg.tidy(() => sg.reshape(sg.full([2, 3], 5), [3, 2]));
  assert.equal(values(v), [5, 5, 5, 5, 5, 5]);
  v.dispose();
  assert.is(live(), before);
});

s('noGrad builds no graph: outputs do not require gradients and backward refuses them', () => {
  sg.tidy(() => {
    const w = sg.ones([2, 2], { requiresGrad: true });
    assert.ok(sg.isGradEnabled());
    const y = sg.noGrad(() => {
      assert.ok(!sg.isGradEnabled());
      const inner = sg.noGrad(() => sg.relu(w));
      assert.ok(!sg.isGradEnabled(), 'a nested noGrad leaves grad disabled in its parent');
      return sg.sum(sg.mul(inner, w));
    });
    assert.ok(sg.isGradEnabled(), 'grad is enabled again after noGrad');
    assert.is(y.requiresGrad, false);
    assert.ok(y.isLeaf, 'no graph node');
    assert.throws(() => y.backward(), /does not require gradients/);
    assert.is(w.grad, null, 'no gradient reached w');
    // noGrad restores the mode when fn throws
    assert.throws(() => sg.noGrad(() => { throw new Error('inside'); }), /inside/);
    assert.ok(sg.isGradEnabled());
    // the same expression with grad enabled records a graph
    const z = sg.sum(sg.mul(sg.relu(w), w));
    assert.is(z.requiresGrad, true);
    assert.ok(!z.isLeaf);
    z.backward();
    assert.equal(values(w.grad), [2, 2, 2, 2]);
  });
});

s('requiresGrad propagates only from inputs that require it; factories make leaves', () => {
  sg.tidy(() => {
    const a = sg.ones([2]);
    const b = sg.ones([2], { requiresGrad: true });
    assert.is(sg.add(a, a).requiresGrad, false);
    assert.is(sg.add(a, b).requiresGrad, true);
    assert.is(sg.add(b, 1).requiresGrad, true);
    assert.is(sg.detach(sg.add(b, 1)).requiresGrad, false);
    assert.ok(a.isLeaf && b.isLeaf);
    assert.is(sg.randn([2], new sg.Generator(1), { requiresGrad: true }).requiresGrad, true);
    assert.is(sg.zerosLike(b).requiresGrad, false);
  });
});

s('gradients accumulate into a leaf across backward() calls until the grad is dropped', () => {
  const before = live();
  const w = sg.tensor([1, 2, 3], [3], { requiresGrad: true });
  for (let i = 0; i < 3; i++) sg.tidy(() => sg.sum(sg.mul(w, w)).backward());
  assert.ok(w.grad !== null && !w.grad.isDisposed, 'the leaf gradient outlives the tidy scopes');
  assert.equal(values(w.grad), [6, 12, 18], 'three backward calls summed');
  w.grad.dispose();
  sg.tidy(() => sg.sum(w).backward());
  assert.equal(values(w.grad), [1, 1, 1], 'a disposed grad starts afresh');
  w.dispose();
  assert.ok(w.grad === null || w.grad.isDisposed, 'disposing a leaf frees its gradient');
  assert.is(live(), before);
});

s('backward() frees the graph as it goes: only the leaves, their grads and the graph outputs remain', () => {
  const before = live();
  const bytes0 = sg.memoryStats().liveBytes;
  const x = sg.randn([16, 8], new sg.Generator(3), { requiresGrad: true });
  const W = sg.randn([8, 4], new sg.Generator(4), { requiresGrad: true });
  sg.tidy(() => {
    const loss = sg.mean(sg.logsumexp(sg.tanh(sg.matmul(x, W)), -1));
    loss.backward();
  });
  assert.is(live(), before + 4, 'x, W and their two gradients');
  sg.dispose([x, W]);
  assert.is(live(), before);
  assert.is(sg.memoryStats().liveBytes, bytes0, 'no native block left behind');
});

s('a gradient reaching the same leaf through several paths is summed once per path', () => {
  sg.tidy(() => {
    const x = sg.tensor([2], [1], { requiresGrad: true });
    // y = x * x + x + x * 3 -> dy/dx = 2x + 1 + 3 = 8 at x = 2
    const y = sg.add(sg.add(sg.mul(x, x), x), sg.mul(x, 3));
    y.backward();
    assert.equal(values(x.grad), [8]);
  });
});

s.run();
