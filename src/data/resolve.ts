// Where a named dataset's files are, in DESIGN.md's order: `--data DIR` (authoritative when given), then
// SEMIGEN_DATA, then the cache (~/.cache/semigen/<name>, its root overridable by SEMIGEN_CACHE). A folder counts
// when it holds the dataset's four IDX files (gzipped or raw). Downloading into the cache is download.ts's job.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DATASETS = ['mnist', 'fashion-mnist'] as const;
export type DatasetName = (typeof DATASETS)[number];

/** The four files of an MNIST-format dataset, without their `.gz`. */
export const DATASET_FILES = [
  'train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte',
] as const;

export function isDatasetName(name: string): name is DatasetName {
  return (DATASETS as readonly string[]).includes(name);
}

export function checkDatasetName(name: string): DatasetName {
  if (!isDatasetName(name)) throw new Error(`unknown dataset '${name}' (expected one of: ${DATASETS.join(', ')})`);
  return name;
}

/** The cache root: SEMIGEN_CACHE, else ~/.cache/semigen. */
export function cacheRoot(): string {
  return process.env.SEMIGEN_CACHE || join(homedir(), '.cache', 'semigen');
}

/** Whether `dir` holds all four files (each gzipped or raw). */
export function holdsDataset(dir: string): boolean {
  return DATASET_FILES.every((f) => existsSync(join(dir, `${f}.gz`)) || existsSync(join(dir, f)));
}

/**
 * The folders looked in, in order. A folder given directly may be the dataset folder itself or its parent; when
 * `dataDir` is given it is the only place looked (the user said where the data is: no silent fallback).
 */
export function datasetCandidates(name: string, dataDir?: string): string[] {
  checkDatasetName(name);
  const candidates: string[] = [];
  const roots = dataDir ? [dataDir] : process.env.SEMIGEN_DATA ? [process.env.SEMIGEN_DATA] : [];
  for (const root of roots) candidates.push(join(root, name), root);
  if (!dataDir) candidates.push(join(cacheRoot(), name));
  return candidates;
}

/** The folder holding `name`'s files, or null when none of the candidates does. */
export function findDataset(name: string, dataDir?: string): string | null {
  for (const dir of datasetCandidates(name, dataDir)) if (holdsDataset(dir)) return dir;
  return null;
}

/** The folder holding `name`'s files; throws naming every place looked. */
export function resolveDataset(name: string, dataDir?: string): string {
  const found = findDataset(name, dataDir);
  if (found) return found;
  const how = dataDir ? 'check --data DIR' : 'pass --data DIR, set SEMIGEN_DATA, or allow the download';
  throw new Error(`dataset '${name}' not found; looked in: ${datasetCandidates(name, dataDir).join(', ')} (${how})`);
}
