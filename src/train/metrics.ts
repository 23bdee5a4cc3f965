// Run metrics: running sums of step metrics between log lines, the records of metrics.jsonl (one per log interval,
// per epoch and at the end of a run), reading them back (for plots and for cutting the file back to a checkpoint's
// step when a run resumes), and the process's resident memory.
import { existsSync } from 'node:fs';
import { METRICS_MAX_BYTES, readTextBounded } from '../data/read.js';
import { writeFileAtomic } from './files.js';

/** One line of metrics.jsonl. */
export interface MetricsRecord {
  /** 'log': every logEvery steps; 'epoch': at each epoch's end (with test metrics when evaluated); 'end': a run
   *  stopped between those; 'error': a non-finite metric stopped the run; 'best': written at a run's end with
   *  validation rows, the best epoch's validation and test metrics at its step */
  kind: 'log' | 'epoch' | 'end' | 'error' | 'best';
  step: number;
  epoch: number;
  [metric: string]: number | string;
}

/**
 * Sums of a window of steps' metrics, how many steps, and the samples and seconds they took (for samples/s);
 * JSON round-trips exactly, so a checkpoint carries an unfinished window into the resumed run.
 */
export class MetricSums {
  sums: Record<string, number> = {};
  count = 0;
  samples = 0;
  seconds = 0;

  add(metrics: Record<string, number>, samples = 0, seconds = 0): void {
    for (const [k, v] of Object.entries(metrics)) this.sums[k] = (this.sums[k] ?? 0) + v;
    this.count++;
    this.samples += samples;
    this.seconds += seconds;
  }

  /** training throughput of the window (0 before any timed step) */
  samplesPerSecond(): number {
    return this.seconds > 0 ? Math.round(this.samples / this.seconds) : 0;
  }

  /** Each metric's mean over the additions (metrics missing from some steps are divided by the full count). */
  means(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.sums)) out[k] = v / this.count;
    return out;
  }

  reset(): void {
    this.sums = {};
    this.count = 0;
    this.samples = 0;
    this.seconds = 0;
  }

  toJSON(): { sums: Record<string, number>; count: number; samples: number; seconds: number } {
    return { sums: { ...this.sums }, count: this.count, samples: this.samples, seconds: this.seconds };
  }

  /** Loads toJSON()'s output into this window (a checkpoint's); anything malformed leaves it empty. */
  load(saved: unknown): void {
    this.reset();
    const v = saved as { sums?: unknown; count?: unknown; samples?: unknown; seconds?: unknown } | null;
    if (v === null || typeof v !== 'object' || typeof v.count !== 'number' || v.sums === null || typeof v.sums !== 'object') return;
    for (const [k, x] of Object.entries(v.sums as Record<string, unknown>)) if (typeof x === 'number') this.sums[k] = x;
    this.count = v.count;
    if (typeof v.samples === 'number') this.samples = v.samples;
    if (typeof v.seconds === 'number') this.seconds = v.seconds;
  }
}

/** The first metric whose value is NaN or +-Infinity, with that value, or null when all are finite. */
export function firstNonFinite(metrics: Record<string, number>): [string, number] | null {
  for (const [k, v] of Object.entries(metrics)) if (!Number.isFinite(v)) return [k, v];
  return null;
}

/** Resident set size of this process in MB (one decimal). */
export function rssMegabytes(): number {
  return Math.round((process.memoryUsage.rss() / (1 << 20)) * 10) / 10;
}

/**
 * Reads metrics.jsonl. A last line without its newline (a crash mid-write) is skipped; any other line that is not
 * a JSON object with numeric step and epoch is an Error naming the file and line.
 */
export function readMetrics(path: string): MetricsRecord[] {
  const text = readTextBounded(path, METRICS_MAX_BYTES, 'a metrics.jsonl');
  const lines = text.split('\n');
  const partial = lines.pop(); // '' when the file ends with a newline
  const out: MetricsRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new Error(`${path}: line ${i + 1} is not JSON`);
    }
    const r = record as Partial<MetricsRecord> | null;
    if (r === null || typeof r !== 'object' || typeof r.step !== 'number' || typeof r.epoch !== 'number') {
      throw new Error(`${path}: line ${i + 1} is not a metrics record (needs numeric step and epoch)`);
    }
    out.push(r as MetricsRecord);
  });
  void partial;
  return out;
}

/** Keeps only the records up to `step` (a resumed run rewrites what came after its checkpoint); returns them. */
export function truncateMetrics(path: string, step: number): MetricsRecord[] {
  if (!existsSync(path)) return [];
  // a run's end writes its best record anew, so a resumed run's earlier one goes
  const kept = readMetrics(path).filter((r) => r.step <= step && r.kind !== 'error' && r.kind !== 'best');
  writeFileAtomic(path, Buffer.from(kept.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8'));
  return kept;
}
