// Imported first by the npm bench scripts: an error (a bad variable, a missing anchor or dataset) ends the script
// with one line naming it and exit code 1, as the CLI does, instead of a stack trace.
import { basename } from 'node:path';

const script = basename(process.argv[1] ?? 'bench', '.js');
process.on('uncaughtException', (e: unknown) => {
  console.error(`${script}: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
