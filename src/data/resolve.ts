// Where a named dataset's files are: `--data DIR`, then SEMIGEN_DATA, then ~/.cache/semigen/<name>; a folder
// counts when it holds the dataset's four IDX files (gzipped or raw).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DATASETS = ['mnist', 'fashion-mnist'] as const;
export type DatasetName = (typeof DATASETS)[number];

const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

function holdsDataset(dir: string): boolean {
  return FILES.every((f) => existsSync(join(dir, `${f}.gz`)) || existsSync(join(dir, f)));
}

/** The folder holding `name`'s files; throws naming every place looked. */
export function resolveDataset(name: string, dataDir?: string): string {
  if (!(DATASETS as readonly string[]).includes(name)) {
    throw new Error(`unknown dataset '${name}' (expected one of: ${DATASETS.join(', ')})`);
  }
  const candidates: string[] = [];
  // a folder given directly may be the dataset folder itself or its parent
  for (const root of [dataDir, process.env.SEMIGEN_DATA]) {
    if (root) candidates.push(join(root, name), root);
  }
  candidates.push(join(homedir(), '.cache', 'semigen', name));
  for (const dir of candidates) if (holdsDataset(dir)) return dir;
  throw new Error(`dataset '${name}' not found; looked in: ${candidates.join(', ')} (set --data DIR or SEMIGEN_DATA)`);
}
