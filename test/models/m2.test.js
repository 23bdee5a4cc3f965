// M2 against a float64 reference: a tiny model with known weights and the same eps the engine draws; the whole
// training loss (labelled bound, alpha · cross-entropy, the unlabelled bound with every class enumerated and
// weighed by q(y|x), its entropy) and every parameter's gradient by central differences of the reference, for
// several activations, class weights and missing pixels; evaluation sums, classify and sample; a short run that
// beats chance; bad inputs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as sg from '../../dist/src/index.js';
import { M2 } from '../../dist/src/models/m2.js';
import { assertClose, assertThrows, rng } from '../helpers.js';
import { finiteDifferences, matrix, peek, pixels, readGrads, setWeights } from './reference.js';
import { m2Reference, syntheticClasses, syntheticRunError } from './m2_reference.js';

const s = suite('models: M2');
const IN = 5;
const K = 3;
const LATENT = 2;
const NL = 3;
const NU = 2;

function build(options = {}, seed = 11) {
  return new M2({
    inputSize: IN, classes: K, latent: LATENT, classifierHidden: [4], encoderHidden: [3, 4], decoderHidden: [4, 3],
    labelledBatchSize: NL, classifierDropout: 0, ...options,
  }, { generator: new sg.Generator(seed) });
}

const CASES = [
  { activation: 'relu', alpha: 10, classWeights: null, missing: [] },
  { activation: 'softplus', alpha: 0.7, classWeights: [1, 2, 0.5], missing: [[1, 2], [0, 0]] },
  { activation: 'tanh', alpha: 3, classWeights: null, missing: [[0, 4]], classifierHidden: [], encoderHidden: [4], decoderHidden: [3] },
  { activation: 'leakyRelu', alpha: 1, classWeights: null, missing: [] },
  // the labelled bound weighed by the batch's labelled share (labelledWeight null), and by a configured weight
  { activation: 'relu', alpha: 10, classWeights: null, missing: [], share: 0.05, labelledWeight: null },
  { activation: 'softplus', alpha: 2, classWeights: null, missing: [], share: 0.05, labelledWeight: 0.3 },
];

for (const c of CASES) {
  const { missing, share, ...options } = c;
  s(`training loss and all gradients match float64 (${JSON.stringify(options)}, ${missing.length} missing, share ${share})`, () => {
    const model = build(options);
    const r = rng(3);
    const p = setWeights(model, r, 0.9);
    const xl = pixels(r, NL, IN);
    const xu = pixels(r, NU, IN, missing);
    const labels = [2, 0, 2];
    // one draw for the bound's rows: the labelled rows' eps, then the enumerated unlabelled rows' (class-major)
    const { values } = peek(model, NL + K * NU, LATENT, (g) => sg.randn([NL + K * NU, LATENT], g));
    const eps = { labelled: values.slice(0, NL), unlabelled: values.slice(NL) };
    const spec = { ...model.config, x: matrix(xl, NL, IN), labels, xu: matrix(xu, NU, IN), eps, share };
    const metrics = sg.tidy(() => model.trainStep({
      x: sg.tensor(xu, [NU, IN]),
      labelled: { x: sg.tensor(xl, [NL, IN]), labels: sg.tensor(labels, [NL]), ...(share === undefined ? {} : { share }) },
    }));
    const want = m2Reference(p, spec);
    assertClose([metrics.loss, metrics.labelled_bound, metrics.unlabelled_bound, metrics.cross_entropy],
      [want.loss, want.labelled, want.unlabelled, want.crossEntropy], { atol: 1e-5, rtol: 1e-5, what: 'loss parts' });
    const fd = finiteDifferences((q) => m2Reference(q, spec).loss, p, Object.keys(p));
    const got = readGrads(model);
    assert.equal(Object.keys(got).sort(), Object.keys(p).sort());
    for (const name of Object.keys(p)) assertClose(got[name], fd[name], { atol: 5e-5, rtol: 2e-4, what: name });
  });
}

s('evaluateBatch: error and cross-entropy of q(y|x), Σ −ELBO over labelled rows; classify; sample', () => {
  const model = build();
  const r = rng(5);
  const p = setWeights(model, r, 0.9);
  const rows = 4;
  const xs = pixels(r, rows, IN, [[3, 1]]);
  const labels = [1, NaN, 0, 2];
  const labelledRows = [0, 2, 3];
  // only the labelled rows go through q(z|x,y), drawing their eps in order
  const { values: eps } = peek(model, labelledRows.length, LATENT, (g) => sg.randn([labelledRows.length, LATENT], g));
  model.module.eval();
  const got = sg.noGrad(() => sg.tidy(() => model.evaluateBatch({ x: sg.tensor(xs, [rows, IN]), labels: sg.tensor(labels, [rows]) })));
  const x = matrix(xs, rows, IN);
  const ref = m2Reference(p, {
    ...model.config, x: labelledRows.map((i) => x[i]), labels: labelledRows.map((i) => labels[i]), xu: [], eps: { labelled: eps, unlabelled: [] },
  });
  let error = 0;
  let xent = 0;
  labelledRows.forEach((i, j) => {
    const lp = ref.logq[j];
    const best = lp.indexOf(Math.max(...lp));
    if (best !== labels[i]) error++;
    xent -= lp[labels[i]];
  });
  assert.is(got.error, error);
  assertClose([got.cross_entropy, got.neg_elbo], [xent, ref.labelledRows.reduce((a, b) => a + b, 0)],
    { atol: 1e-5, rtol: 1e-5, what: 'cross_entropy, neg_elbo' });
  sg.tidy(() => {
    assert.equal(sg.noGrad(() => model.evaluateBatch({ x: sg.tensor(xs, [rows, IN]) })), {}, 'no labels, no sums');
    const q = model.classify(sg.tensor(xs, [rows, IN])).toArray();
    const all = m2Reference(p, { ...model.config, x, labels: [0, 0, 0, 0], xu: [], eps: { labelled: [[0, 0], [0, 0], [0, 0], [0, 0]], unlabelled: [] } });
    assertClose(q, all.logq.flat().map(Math.exp), { atol: 1e-6, rtol: 1e-5, what: 'classify' });
    const samples = model.sample(7);
    assert.equal(samples.shape, [7, IN]);
    assert.ok(samples.toArray().every((v) => v > 0 && v < 1), 'samples are Bernoulli means');
  });
  sg.disposeModel(model);
});

s('classifierDropout drops units of q(y|x) while training and leaves it deterministic in eval mode', () => {
  const dropped = build({ classifierDropout: 0.5 });
  const plain = build();
  sg.tidy(() => {
    const x = sg.tensor(Array.from({ length: 4 * IN }, (_, i) => (i * 7 % 10) / 10), [4, IN]);
    const reference = plain.classify(x).toArray();
    dropped.module.eval();
    assert.equal(Array.from(dropped.classify(x).toArray()), Array.from(reference), 'eval mode: no dropout');
    dropped.module.train();
    const first = dropped.classify(x).toArray();
    const second = dropped.classify(x).toArray();
    assert.ok(first.some((v, i) => v !== reference[i]), 'training mode: the dropped network differs');
    assert.ok(first.some((v, i) => v !== second[i]), 'training mode: a fresh mask each call');
  });
  assertThrows(() => build({ classifierDropout: 1 }), /m2: classifierDropout must be a number in \[0, 1\), got 1/);
  sg.disposeModel(dropped);
  sg.disposeModel(plain);
});

s('a short run on three noisy prototypes (6 labels, 300 unlabelled rows) beats chance on held-out rows', () => {
  const r = rng(21);
  const data = syntheticClasses(r, 300, 150);
  const model = new M2({
    inputSize: data.features, classes: 3, latent: 4, classifierHidden: [32], encoderHidden: [32], decoderHidden: [32],
    labelledBatchSize: 6, lr: 3e-3, alpha: 10,
  }, { generator: new sg.Generator(4) });
  const labelledIndex = [0, 1, 2, 3, 4, 5].map((k) => data.trainLabels.findIndex((l, i) => l === k % 3 && i >= k));
  const error = syntheticRunError(model, r, data, labelledIndex, 150);
  assert.ok(error < 0.2, `test error ${error} (chance: 0.67)`);
  sg.disposeModel(model);
});

s('bad configs, batches and arguments throw naming what is wrong', () => {
  assertThrows(() => new M2({ inputSize: 0 }), /m2: inputSize/);
  assertThrows(() => new M2({ inputSize: 4, encoderHidden: [] }), /m2: encoderHidden and decoderHidden must each list/);
  assertThrows(() => new M2({ inputSize: 4, decoderHidden: [] }), /m2: encoderHidden and decoderHidden/);
  assertThrows(() => new M2({ inputSize: 4, classifierHidden: [0] }), /m2: classifierHidden must be an array of positive integers/);
  assertThrows(() => new M2({ inputSize: 4, alpha: -1 }), /m2: alpha must be a number/);
  assertThrows(() => new M2({ inputSize: 4, lr: 0 }), /m2: lr/);
  assertThrows(() => new M2({ inputSize: 4, activation: 'gelu' }), /m2: activation must be one of relu, leakyRelu, tanh, softplus/);
  assertThrows(() => new M2({ inputSize: 4, classes: 1 }), /m2: classes must be an integer >= 2/);
  assertThrows(() => new M2({ inputSize: 4, classes: 3, classWeights: [1, 1] }), /m2: classWeights has 2 entries for 3 classes/);
  assertThrows(() => new M2({ inputSize: 4, alhpa: 1 }), /m2: unknown config option alhpa/);
  assertThrows(() => new M2({ inputSize: 4, labelledWeight: 2 }), /m2: labelledWeight must be null or a number in \[0, 1\], got 2/);
  assertThrows(() => new M2({ inputSize: 4, labelledWeight: 'share' }), /m2: labelledWeight must be null or a number/);
  assertThrows(() => new M2({ kind: 'vae', inputSize: 4 }), /config is for kind 'vae'/);
  const model = build();
  sg.tidy(() => {
    const xl = sg.zeros([NL, IN]);
    const labels = sg.tensor([0, 1, 2], [NL]);
    assertThrows(() => model.trainStep({ x: sg.zeros([2, IN]) }), /m2: the batch has no labelled part/);
    assertThrows(() => model.trainStep({ labelled: { x: xl, labels } }), /m2: batch.x must be a Tensor/);
    assertThrows(() => model.trainStep({ x: sg.zeros([2, IN + 1]), labelled: { x: xl, labels } }), /m2: batch.x must be \[rows, 5\], got \[2,6\]/);
    assertThrows(() => model.trainStep({ x: sg.zeros([2, IN]), labelled: { x: sg.zeros([3, 4]), labels } }), /m2: batch.labelled.x must be \[rows, 5\]/);
    assertThrows(() => model.trainStep({ x: sg.zeros([2, IN]), labelled: { x: xl, labels: sg.tensor([0, 1], [2]) } }), /m2: batch.labelled.labels has 2 entries for 3 rows/);
    assertThrows(() => model.trainStep({ x: sg.zeros([2, IN]), labelled: { x: xl, labels: sg.tensor([0, 3, 1], [3]) } }), /m2: label 3 of labelled row 1 is not a class of 0..2/);
    assertThrows(() => model.trainStep({ x: sg.zeros([2, IN]), labelled: { x: xl, labels: sg.tensor([0, NaN, 1], [3]) } }), /m2: label NaN of labelled row 1/);
    assertThrows(() => model.trainStep({ x: sg.zeros([2, IN]), labelled: { x: xl, labels: sg.tensor([0, 1, 1], [3]), share: 0 } }),
      /m2: batch.labelled.share must be a fraction in \(0, 1\], got 0/);
    assertThrows(() => model.evaluateBatch({ x: sg.zeros([2, IN]), labels: sg.tensor([0, 7], [2]) }), /m2: batch.labels holds a label outside 0..2/);
    assertThrows(() => model.classify(sg.zeros([2, 3])), /m2.classify: x must be \[rows, 5\]/);
    assertThrows(() => model.sample(0), /m2.sample: n must be a positive integer/);
  });
  sg.disposeModel(model);
});

s.run();
