// Stop signals for the long commands, Ctrl-C (SIGINT) and SIGTERM (kill, a scheduler or a container stopping us)
// alike: the first asks the work to stop after its current step (it keeps what it has saved, a checkpoint of that
// step); a second exits at once. The exit code is 128 + the signal's number (130, 143), the code shells expect.
import { constants } from 'node:os';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** 128 + the signal's number: what a shell reports for a process that a signal stopped. */
function exitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

/**
 * Runs `work` with a signal that the first SIGINT or SIGTERM aborts (its reason the signal's name), while it runs;
 * once one has come, the process's exit code is 128 + its number.
 */
export async function stopOnSignals<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(exitCode(name)); // a second one: stop now; the last checkpoint stays whole
    const again = name === 'SIGINT' ? 'Ctrl-C' : name;
    process.stderr.write(`\n${name}: stopping after this step (${again} again to quit at once)...\n`);
    controller.abort(name);
  };
  for (const name of STOP_SIGNALS) process.on(name, onSignal);
  try {
    return await work(controller.signal);
  } finally {
    for (const name of STOP_SIGNALS) process.off(name, onSignal);
    if (controller.signal.aborted) process.exitCode = exitCode(controller.signal.reason as NodeJS.Signals);
  }
}
