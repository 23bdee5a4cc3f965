// The public API of semigen: tensors and their factories, every op, autograd and memory scopes, random
// generators, nn modules, initialisers and optimizers, and the engine's device/backend facts.
// Tensor methods (t.add, t.relu, t.backward ...) are declared and attached beside their ops (src/ops/*.ts) and
// beside backward (autograd.ts): whatever imports an op has its method, with no module importing them all.

export {
  addon, native, devices, info, setNumThreads, getNumThreads, memoryStats, emptyCache, synchronize, isLoaded,
  type EngineInfo,
} from './backend.js';
export {
  Tensor, liveTensors, tidy, keep, dispose, type Device, type BackwardFn, type TensorContainer,
} from './tensor.js';
export { backward, noGrad, isGradEnabled } from './autograd.js';
export { Generator, defaultGenerator, manualSeed, type GeneratorState } from './random.js';

export {
  tensor, fromArray, zeros, ones, full, zerosLike, onesLike, fullLike, type TensorOptions,
} from './ops/creation.js';
export { rand, randn, bernoulli, reparameterize, dropout, type RandomOptions } from './ops/random.js';
export {
  add, sub, mul, div, maximum, minimum, neg, scale, addScalar, affine,
} from './ops/elementwise.js';
// every unary op of the list (relu ... abs, missingMask, fillMissing), activate, the Activation type and its check
export * from './ops/activations.js';
export { fill_, assign_, upload_, lerp_ } from './ops/inplace.js';
export { sum, mean, max, logsumexp, softmax, logSoftmax } from './ops/reduce.js';
export { matmul, linear, type MatmulOptions } from './ops/matmul.js';
export { softmaxCrossEntropy, sigmoidCrossEntropy, gaussianKl } from './ops/losses.js';
export { reshape, detach, clone, to, concatCols, sliceCols, gatherRows, repeatRows, concatRows, sliceRows } from './ops/shape.js';

export { Module, type StateDict, type StateEntry } from './nn/module.js';
export { Linear, type LinearOptions, type LinearInit } from './nn/linear.js';
export { MLP, type MLPOptions } from './nn/mlp.js';
export { BatchNorm1d, type BatchNormOptions } from './nn/batchnorm.js';
export { WeightNormLinear, type WeightNormOptions } from './nn/weightnorm.js';
export { batchNormalize, normalizeWith } from './ops/batchnorm.js';
export * as init from './nn/init.js';

export { Optimizer, type OptimizerState, type DeviceGroup, type Triple } from './optim/optimizer.js';
export { Adam, AdamW, type AdamOptions } from './optim/adam.js';
export { SGD, type SGDOptions } from './optim/sgd.js';

export { Unary, Binary, Broadcast, Reduce, Axis, Distribution } from './native.js';
export type { NativeAddon, NativeStorage, NativeDeviceInfo, NativeMemoryStats } from './native.js';

export * from './data/index.js';
export * from './train/index.js';
export { createModel, defaultConfig, disposeModel, MODEL_KINDS } from './models/registry.js';
export { Autoencoder } from './models/ae.js';
export { DenoisingAutoencoder } from './models/dae.js';
export { VAE } from './models/vae.js';
export { GAN } from './models/gan.js';
export { SSAE } from './models/ssae.js';
export { SSGAN } from './models/ssgan.js';
export { M1 } from './models/m1.js';
export { M2 } from './models/m2.js';
export { M1M2 } from './models/m1m2.js';
export { Ladder } from './models/ladder.js';
export { VIME } from './models/vime.js';
export { SupervisedMLP } from './models/supervised.js';
export type { TrainableModel, ModelConfig, Batch, Encoder, Decoder, Sampler, Classifier } from './train/contract.js';
export { isClassifier } from './train/contract.js';
export { balancedClassWeights } from './models/parts/classifier.js';
export { kindSpec, describeKind, type KindSpec } from './models/registry.js';
export { defaultEpochs, sizesForInput } from './models/kind.js';
export { fit, FIT_KINDS, type FitOptions, type FitResult, type FitEntry } from './fit/fit.js';
