// The data layer's public surface, re-exported by src/index.ts: named datasets and users' files loaded into
// DataSplits, few-label subsets, shuffled batches with checkpointable state, and the file readers/writers.
export type { DataSplit, LabelledData } from './dataset.js';
export { classCount, makeSplit } from './dataset.js';
export { loadDataset, loadNamedDataset, loadFileDataset, isTablePath, type NamedDatasetOptions, type FileDatasetOptions } from './load.js';
export { DATASETS, type DatasetName, cacheRoot, findDataset, resolveDataset } from './resolve.js';
export { downloadDataset, stderrProgress, type DownloadProgress } from './download.js';
export { balancedSubset, withLabelsOnly, fewLabels, labelledRows, subsetRows, withoutRows, holdOut, stratifiedHoldout, stratifiedFolds } from './subset.js';
export { ShuffledBatches, type BatchesState } from './batches.js';
export { readIdx, readImageSet, type IdxArray, type ImageSet } from './idx.js';
export { readNpy, writeNpy, type NpyArray } from './npy.js';
export { readTable, detectDelimiter, type Table, type TableOptions } from './table.js';
export { fitSchema, encodeTable, encodedLayout, decodeRows, csvText, tableLikelihood, rawSchema, DEFAULT_MISSING, type TableSchema, type ColumnSchema, type SchemaOptions, type EncodedLayout } from './schema.js';
