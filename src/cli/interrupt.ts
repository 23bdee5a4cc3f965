// Ctrl-C for the long commands: the first one asks the work to stop after its current step (it keeps what it has
// saved); a second one exits at once with 128 + SIGINT, the code shells expect.
/** Runs `work` with a signal that the first Ctrl-C aborts, while it runs. */
export async function stopOnCtrlC<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130); // a second Ctrl-C: stop now; the last checkpoint stays whole
    process.stderr.write('\nstopping after this step (Ctrl-C again to quit at once)...\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
  }
}
