// What a training run shows while it runs: on a TTY one progress bar redrawn in place at most 10 times a second
// (epoch, steps, loss, samples/s, ETA); otherwise plain lines, one per metrics record; or JSON lines (--json).
import type { MetricsRecord } from './metrics.js';

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'json' | 'none';

/** A stream the reporter writes to; TTY streams also tell their width. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  /** after every step: redraws the bar when due */
  step(step: number, metrics: Record<string, number>): void;
  /** after every metrics record: a line (lines/json), or the record shown above the bar */
  record(record: MetricsRecord): void;
  /** clears the bar (call once, at the end or on an error) */
  end(): void;
}

const REDRAW_MS = 100;

/** "1h02m", "3m07s", "12s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Four significant digits, without exponent noise for everyday magnitudes. */
function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e6 || a < 1e-3) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

/** A record as one human line: "epoch 2/10 step 936/4680 loss 254.1 test_neg_elbo 250.3 ... 12.3 s". */
export function formatRecord(r: MetricsRecord, totalSteps: number, totalEpochs: number): string {
  const parts = [`${r.kind === 'epoch' ? 'epoch' : r.kind} ${r.epoch}/${totalEpochs}`, `step ${r.step}/${totalSteps}`];
  for (const [k, v] of Object.entries(r)) {
    if (k === 'kind' || k === 'step' || k === 'epoch' || k === 'wall_s' || k === 'rss_mb') continue;
    parts.push(`${k} ${typeof v === 'number' ? formatNumber(v) : v}`);
  }
  if (typeof r.rss_mb === 'number') parts.push(`rss ${r.rss_mb} MB`);
  if (typeof r.wall_s === 'number') parts.push(`${formatDuration(r.wall_s)}`);
  return parts.join(' ');
}

/**
 * The reporter for a run of totalSteps steps (startStep of them already done when resuming). 'auto' draws a bar
 * when the stream is a TTY and writes plain lines otherwise.
 */
export function createProgress(mode: ProgressMode, stream: ProgressStream, totalSteps: number, stepsPerEpoch: number,
  startStep: number, batchSize: number): Progress {
  const resolved = mode === 'auto' ? (stream.isTTY ? 'bar' : 'lines') : mode;
  const totalEpochs = Math.ceil(totalSteps / stepsPerEpoch);
  const started = performance.now();
  let lastDraw = -Infinity;
  let drawn = false;

  const clear = (): void => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };

  const draw = (step: number, metrics: Record<string, number>): void => {
    const elapsed = (performance.now() - started) / 1000;
    const rate = (step - startStep) / Math.max(elapsed, 1e-9); // steps per second in this process
    const eta = step > startStep ? (totalSteps - step) / rate : NaN;
    const epoch = Math.max(1, Math.ceil(step / stepsPerEpoch));
    const shown = Object.entries(metrics).slice(0, 3).map(([k, v]) => `${k} ${formatNumber(v)}`).join(' ');
    const tail = ` ${step}/${totalSteps} ${shown} ${formatNumber(Math.round(rate * batchSize))} samples/s ETA ${formatDuration(eta)}`;
    const head = `epoch ${epoch}/${totalEpochs} `;
    const width = Math.max(10, Math.min(40, (stream.columns ?? 100) - head.length - tail.length - 3));
    const filled = Math.round((width * step) / totalSteps);
    stream.write(`\r\x1b[2K${head}[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]${tail}`);
    drawn = true;
  };

  return {
    step(step, metrics) {
      if (resolved !== 'bar') return;
      const now = performance.now();
      if (now - lastDraw < REDRAW_MS && step < totalSteps) return;
      lastDraw = now;
      draw(step, metrics);
    },
    record(r) {
      if (resolved === 'json') stream.write(`${JSON.stringify(r)}\n`);
      else if (resolved === 'lines') stream.write(`${formatRecord(r, totalSteps, totalEpochs)}\n`);
      else if (resolved === 'bar' && r.kind !== 'log') {
        clear(); // epoch summaries stay on screen above the bar
        stream.write(`${formatRecord(r, totalSteps, totalEpochs)}\n`);
        lastDraw = -Infinity;
      }
    },
    end() {
      clear();
    },
  };
}
