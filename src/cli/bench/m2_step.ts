// The m2-step workload of DESIGN.md, mirroring ../shared/anchors/torch_steps.py's M2: q(y|x) 784-500-500-10,
// q(z|x,y) 794-500-500 with mu and logvar heads to z50, p(x|y,z) 60-500-500-784, ReLU, 100 labelled + 100
// unlabelled Fashion-MNIST rows with the 10 classes enumerated for the unlabelled ones, the same loss (labelled
// −ELBO + 0.1 · 100 · CE + the unlabelled bound, −log p(y) = log 10 included), Adam 3e-4, one read of the loss
// per step; the step is the M2 model's own trainStep. Two FLOP counts: PyTorch's (its layers over [x, onehot(y)]
// for every enumerated row) and ours (x·W_x once per example, the class part as a 10-wide GEMM).
import { tidy } from '../../autograd.js';
import { M2 } from '../../models/m2.js';
import { disposeModel } from '../../models/registry.js';
import { gatherRows } from '../../ops/shape.js';
import { Generator } from '../../random.js';
import type { Device } from '../../tensor.js';

export const M2_BATCH = 100;
const IN = 784;
const H = 500;
const Z = 50;
const K = 10;
/** rows through q(z|x,y) and p(x|y,z): the labelled ones and every (unlabelled row, class) pair */
const ELBO_ROWS = M2_BATCH + K * M2_BATCH;
/** rows through q(y|x): labelled and unlabelled */
const CLASSIFIER_ROWS = 2 * M2_BATCH;
const CLASSIFIER = IN * H + H * H + H * K;
/** q(z|x,y) after its first layer (the second layer and the two heads) and p(x|y,z) after its first layer */
const ENCODER_REST = H * H + 2 * H * Z;
const DECODER_REST = H * H + H * IN;

/**
 * PyTorch's count: forward 2·M multiply-adds; backward dW for every layer and dX for all but the layers whose
 * input is data (q(y|x)'s first; q(z|x,y)'s first, over [x, onehot(y)]), so 2·(3M − those).
 */
export const M2_STEP_TORCH_FLOP = (() => {
  const elbo = (IN + K) * H + ENCODER_REST + (Z + K) * H + DECODER_REST;
  const m = ELBO_ROWS * elbo + CLASSIFIER_ROWS * CLASSIFIER;
  const dataInputs = ELBO_ROWS * (IN + K) * H + CLASSIFIER_ROWS * IN * H;
  return 2 * (3 * m - dataInputs);
})();

/**
 * Ours: x·W_x for each of the 200 examples once, the class parts (onehot·W_y, K = 10) for every row of the
 * bound; no dX for data inputs nor for the one-hot matrices.
 */
export const M2_STEP_FLOP = (() => {
  const m = CLASSIFIER_ROWS * (CLASSIFIER + IN * H) + ELBO_ROWS * (K * H + ENCODER_REST + (Z + K) * H + DECODER_REST);
  const dataInputs = CLASSIFIER_ROWS * 2 * IN * H + ELBO_ROWS * 2 * K * H;
  return 2 * (3 * m - dataInputs);
})();

/** What m2Workload draws its batches from (steps.ts's Data). */
interface StepData {
  images: import('../../tensor.js').Tensor;
  labels: import('../../tensor.js').Tensor;
  batches: { next(): Int32Array };
}

/** One m2-step (labelled rows, then unlabelled rows, from the shuffled stream) and a cleanup. */
export function m2Workload(data: StepData, seed: number, device: Device = 'cpu'): {
  step: () => number; dispose: () => void; model: M2;
} {
  const model = new M2({
    inputSize: IN, classifierHidden: [H, H], encoderHidden: [H, H], decoderHidden: [H, H], latent: Z, classes: K,
    activation: 'relu', alpha: 0.1 * M2_BATCH, lr: 3e-4, labelledBatchSize: M2_BATCH,
    classifierDropout: 0, // the anchor's q(y|x) has no dropout
  }, { generator: new Generator(seed), device });
  const step = (): number => tidy(() => {
    const labelled = data.batches.next();
    const unlabelled = data.batches.next();
    return model.trainStep({
      x: gatherRows(data.images, unlabelled),
      labelled: { x: gatherRows(data.images, labelled), labels: gatherRows(data.labels, labelled) },
    }).loss;
  });
  return { step, model, dispose: () => disposeModel(model) };
}
