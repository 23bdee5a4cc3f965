// Training curves as SVG: axes with "nice" ticks and labels, one polyline per series and a legend; and the series
// a run's metrics.jsonl holds (training metrics from its log lines, test metrics from its epoch lines).
import { existsSync } from 'node:fs';
import { writeFileAtomic } from './files.js';
import { readMetrics, type MetricsRecord } from './metrics.js';

export interface Series {
  name: string;
  points: [number, number][];
}

export interface PlotOptions {
  width?: number;
  height?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** Tick positions at 1, 2 or 5 times a power of ten, about `target` of them across [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  const raw = (hi - lo) / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  // of 1, 2, 5 and 10 times that power, the step whose tick count comes closest to the target
  const step = [1, 2, 5, 10].map((m) => m * power)
    .reduce((best, s) => (Math.abs((hi - lo) / s - target) < Math.abs((hi - lo) / best - target) ? s : best));
  const ticks: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  for (let i = first; i * step <= hi + step * 1e-9; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

function tickLabel(v: number): string {
  return Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(1) : String(v);
}

/** The range of the finite values, widened when flat so the axis still has a length. */
function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  return [lo, hi];
}

/** An SVG document plotting every series' (x, y) points; non-finite points are left out. */
export function lossCurveSvg(series: Series[], options: PlotOptions = {}): string {
  if (!Array.isArray(series) || series.length === 0) throw new Error('lossCurveSvg: needs at least one series');
  for (const s of series) {
    if (typeof s?.name !== 'string' || !Array.isArray(s.points)) throw new Error('lossCurveSvg: each series needs a name and points');
  }
  const finite = ([x, y]: [number, number]): boolean => Number.isFinite(x) && Number.isFinite(y);
  const clean = series.map((s) => ({ name: s.name, points: s.points.filter(finite) }));
  const all = clean.flatMap((s) => s.points);
  if (all.length === 0) throw new Error('lossCurveSvg: no finite points to plot');
  const { width = 720, height = 420, title = '', xLabel = 'step', yLabel = 'value' } = options;
  const [left, right, top, bottom] = [70, 20, title === '' ? 20 : 40, 50];
  const [x0, x1] = extent(all.map((p) => p[0]));
  const [y0, y1] = extent(all.map((p) => p[1]));
  const px = (x: number): number => left + ((x - x0) / (x1 - x0)) * (width - left - right);
  const py = (y: number): number => height - bottom - ((y - y0) / (y1 - y0)) * (height - top - bottom);
  const f = (v: number): string => v.toFixed(2);

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      'font-family="sans-serif" font-size="12">',
    `<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`,
  ];
  if (title !== '') out.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`);
  out.push(`<g class="axes" stroke="black" fill="none">`,
    `<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}"/>`, '</g>');
  out.push('<g class="ticks">');
  for (const t of niceTicks(x0, x1)) {
    out.push(`<line x1="${f(px(t))}" y1="${height - bottom}" x2="${f(px(t))}" y2="${height - bottom + 5}" stroke="black"/>`,
      `<text x="${f(px(t))}" y="${height - bottom + 18}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    out.push(`<line x1="${left - 5}" y1="${f(py(t))}" x2="${left}" y2="${f(py(t))}" stroke="black"/>`,
      `<line x1="${left}" y1="${f(py(t))}" x2="${width - right}" y2="${f(py(t))}" stroke="#e5e5e5"/>`,
      `<text x="${left - 8}" y="${f(py(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`);
  }
  const middle = (top + height - bottom) / 2;
  out.push('</g>',
    `<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text x="16" y="${middle}" text-anchor="middle" transform="rotate(-90 16 ${middle})">${escapeXml(yLabel)}</text>`);
  clean.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const points = s.points.map(([x, y]) => `${f(px(x))},${f(py(y))}`).join(' ');
    out.push(`<polyline class="series" data-name="${escapeXml(s.name)}" fill="none" stroke="${color}" ` +
      `stroke-width="1.5" points="${points}"/>`);
    const ly = top + 14 + 16 * i;
    const lx = width - right - 150;
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 20}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${lx + 25}" y="${ly}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

const BOOKKEEPING = new Set(['kind', 'step', 'epoch', 'samples_per_s', 'rss_mb', 'wall_s', 'error']);

/**
 * Series of a run's records: training metrics from log (and end) lines, or from epoch lines when there are none;
 * test_* metrics from wherever the run evaluated.
 */
export function metricsSeries(records: MetricsRecord[]): Series[] {
  const byName = new Map<string, [number, number][]>();
  const add = (name: string, x: number, y: unknown): void => {
    if (typeof y !== 'number') return;
    if (!byName.has(name)) byName.set(name, []);
    (byName.get(name) as [number, number][]).push([x, y]);
  };
  const logged = records.some((r) => r.kind === 'log');
  for (const r of records) {
    if (r.kind === 'best') continue; // a repeat of an earlier epoch's evaluation
    const trainSource = logged ? r.kind === 'log' || r.kind === 'end' : r.kind === 'epoch' || r.kind === 'end';
    for (const [k, v] of Object.entries(r)) {
      if (BOOKKEEPING.has(k)) continue;
      if (k.startsWith('test_')) add(k, r.step, v);
      else if (trainSource) add(k, r.step, v);
    }
  }
  return [...byName].map(([name, points]) => ({ name, points }));
}

/** Plots metrics.jsonl into an SVG file (atomically); false when there is nothing to plot yet. */
export function writeLossCurve(metricsPath: string, svgPath: string, options: PlotOptions = {}): boolean {
  if (!existsSync(metricsPath)) return false;
  const series = metricsSeries(readMetrics(metricsPath));
  if (!series.some((s) => s.points.some(([x, y]) => Number.isFinite(x) && Number.isFinite(y)))) return false;
  writeFileAtomic(svgPath, Buffer.from(lossCurveSvg(series, { title: 'training curves', yLabel: 'metric', ...options }), 'utf8'));
  return true;
}
