// Benchmark harness over benny: times synchronous cases, reports the median seconds per call, and prints
// rows as a table or, with --json, one JSON object per line (benny's own banner is silenced so stdout
// stays machine-readable). benny is a development dependency (an optional peer of the package): it is imported
// only when a case is timed, so the CLI starts, and every other command runs, without it.

export interface TimedCase {
  name: string;
  fn: () => void;
}

export interface Timing {
  name: string;
  medianSeconds: number;
  samples: number;
}

/** Runs each case under benny (benchmark.js sampling) and returns median seconds per call. */
export async function timeCases(suiteName: string, cases: TimedCase[], maxTime = 1): Promise<Timing[]> {
  const benny = await loadBenny();
  const log = console.log;
  console.log = () => {};
  try {
    const summary = await benny.suite(
      suiteName,
      ...cases.map((c) => benny.add(c.name, c.fn, { maxTime, minSamples: 5, initCount: 1 })),
    );
    return summary.results.map((r) => ({
      name: r.name,
      medianSeconds: r.details.median,
      samples: r.samples,
    }));
  } finally {
    console.log = log;
  }
}

/** benny, or an error that says how to get it (it is not installed with the package, to keep installs small). */
async function loadBenny(): Promise<typeof import('benny')> {
  try {
    return (await import('benny')).default;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw e;
    throw new Error('this benchmark times its cases with benny, which is not installed: run `npm install benny` ' +
      'in your project (a clone of semigen has it)');
  }
}

/** Prints rows either as aligned text columns or as JSON lines. */
export function printRows(rows: Record<string, string | number | boolean>[], json: boolean): void {
  if (json) {
    for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
    return;
  }
  if (rows.length === 0) return;
  const keys = Object.keys(rows[0]);
  const cell = (v: unknown) => (typeof v === 'number' ? formatNumber(v) : String(v));
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r[k]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padStart(widths[i])).join('  ');
  process.stdout.write(`${line(keys)}\n`);
  for (const row of rows) process.stdout.write(`${line(keys.map((k) => cell(row[k])))}\n`);
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3);
}
