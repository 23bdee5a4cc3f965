// The training side of semigen in one import: the loop, checkpoints, the safetensors reader/writer, metrics,
// progress, pictures (PNG grids, SVG curves), crash-safe file writing and the run folder's lock.
export { train, BEST_CHECKPOINT, type TrainOptions, type TrainEvent, type TrainResult, type BestEpoch } from './loop.js';
export {
  saveCheckpoint, loadCheckpoint, captureState, restoreState, previousPath, CHECKPOINT_FORMAT,
  type TrainingState, type SavedOptimizer,
} from './checkpoint.js';
export {
  encodeSafetensors, decodeSafetensors, readSafetensors, writeSafetensors,
  type SafeTensor, type SafetensorsContent, type TensorArray,
} from './safetensors.js';
export { MetricSums, readMetrics, truncateMetrics, rssMegabytes, type MetricsRecord } from './metrics.js';
export { createProgress, formatRecord, formatDuration, type Progress, type ProgressMode, type ProgressStream } from './progress.js';
export { encodePng, imageGrid, reconstructionGrid } from './png.js';
export { lossCurveSvg, metricsSeries, writeLossCurve, niceTicks, type Series, type PlotOptions } from './plot.js';
export { writeFileAtomic, JsonLines, tempPathFor, removeDeadTemps } from './files.js';
export { lockRunFolder, withRunFolderLock, LOCK_FILE, type RunFolderLock } from './lock.js';
