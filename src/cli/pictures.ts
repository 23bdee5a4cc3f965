// Pictures of a model for a run folder or a command: a grid of samples, and originals above their
// reconstructions, as PNG (for square images: 784 features -> 28 x 28).
import { join } from 'node:path';
import { noGrad, tidy } from '../autograd.js';
import type { DataSplit } from '../data/dataset.js';
import type { TrainableModel } from '../train/contract.js';
import { fromArray } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { imageGrid, reconstructionGrid } from '../train/png.js';
import { writeFileAtomic } from '../train/files.js';

type Capable = TrainableModel & {
  sample?: (n: number) => Tensor;
  encode?: (x: Tensor) => Tensor;
  decode?: (z: Tensor) => Tensor;
};

/** Side of a square image of `features` pixels, or null when the rows are not square images. */
export function imageSide(features: number): number | null {
  const side = Math.round(Math.sqrt(features));
  return side * side === features ? side : null;
}

/** n samples from the model as a PNG grid, or null when it cannot sample or its outputs are not square images. */
export function samplePng(model: TrainableModel, n: number, columns = Math.ceil(Math.sqrt(n))): Buffer | null {
  const m = model as Capable;
  const side = imageSide(model.config.inputSize);
  if (typeof m.sample !== 'function' || side === null) return null;
  const pixels = tidy(() => noGrad(() => (m.sample as (n: number) => Tensor)(n).toArray()));
  return imageGrid(pixels, n, side, side, columns);
}

/** The first n rows of a split above their reconstructions, or null when the model cannot reconstruct. */
export function reconstructionPng(model: TrainableModel, split: DataSplit, n: number): Buffer | null {
  const m = model as Capable;
  const side = imageSide(split.features);
  if (typeof m.encode !== 'function' || typeof m.decode !== 'function' || side === null) return null;
  const count = Math.min(n, split.count);
  const originals = split.x.slice(0, count * split.features);
  const reconstructed = tidy(() => noGrad(() => {
    const x = fromArray(originals, [count, split.features]);
    return (m.decode as (z: Tensor) => Tensor)((m.encode as (x: Tensor) => Tensor)(x)).toArray();
  }));
  // missing values (NaN) show as black in the originals
  for (let i = 0; i < originals.length; i++) if (Number.isNaN(originals[i])) originals[i] = 0;
  return reconstructionGrid(originals, reconstructed, count, side, side);
}

/** Writes samples.png and reconstructions.png into a run folder where the model can make them; returns the paths. */
export function writePictures(model: TrainableModel, split: DataSplit, outDir: string): string[] {
  model.module.eval();
  const written: string[] = [];
  const samples = samplePng(model, 64, 8);
  if (samples !== null) {
    writeFileAtomic(join(outDir, 'samples.png'), samples);
    written.push(join(outDir, 'samples.png'));
  }
  const reconstructions = reconstructionPng(model, split, 30);
  if (reconstructions !== null) {
    writeFileAtomic(join(outDir, 'reconstructions.png'), reconstructions);
    written.push(join(outDir, 'reconstructions.png'));
  }
  model.module.train();
  return written;
}
