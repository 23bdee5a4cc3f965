// `semigen info`: version, CPU instruction set in use, thread count, the addon file, whether CUDA was compiled in,
// GPUs found.
import { info } from '../backend.js';
import { parse } from './args.js';

export const infoHelp = `Usage: semigen info [--json]

Prints the version, the CPU instruction set in use, the thread count, the addon file loaded (a build from
source or a prebuilt binary), whether the CUDA side was compiled in, and the GPUs found.

Options:
  --json    one JSON object: {"version","isa","threads","addon","cuda":{"compiled","devices"}}
  -h, --help`;

export function runInfo(argv: string[]): void {
  const { values } = parse(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(infoHelp);
    return;
  }
  const facts = info();
  if (values.json) {
    console.log(JSON.stringify(facts));
    return;
  }
  const gpus = facts.cuda.devices.length
    ? facts.cuda.devices.map((d) => `${d.device} ${d.name}`).join(', ')
    : 'none found';
  console.log(`semigen ${facts.version}`);
  console.log(`cpu isa:  ${facts.isa}`);
  console.log(`threads:  ${facts.threads}`);
  console.log(`addon:    ${facts.addon}`);
  console.log(`cuda:     ${facts.cuda.compiled ? 'compiled in' : 'not compiled in'}`);
  console.log(`gpus:     ${gpus}`);
}
