// `semigen info`: version, CPU instruction set in use, thread count, the addon file, whether CUDA was compiled in,
// GPUs found.
import { info } from '../backend.js';
import type { NativeDeviceInfo } from '../native.js';
import { parse } from './args.js';

export const infoHelp = `Usage: semigen info [--json]

Prints the version, the CPU instruction set in use, the thread count, the addon file loaded (a build from
source or a prebuilt binary), whether the CUDA side was compiled in, and the GPUs found, each with the code of this
build it runs: an sm_ binary built for its architecture, or PTX the driver compiles for it.

Options:
  --json    one JSON object: {"version","isa","threads","addon","cuda":{"compiled","devices"}}
  -h, --help`;

/**
 * Which of the build's code a GPU runs: an sm_ binary of the build (one of an earlier minor version of the same major
 * runs too), or the build's PTX, compiled by the driver for the GPU when no binary fits.
 */
export function deviceCode(d: NativeDeviceInfo): string {
  if (d.code === undefined) return d.codeError === undefined ? 'code unknown' : `no code of this build runs on it: ${d.codeError}`;
  const { capability, binary, ptx, built } = d.code;
  const binaries = built.split(',').filter((a) => !a.endsWith('-virtual')).map((a) => Number.parseInt(a, 10));
  const gpu = `sm_${capability}`;
  if (binaries.includes(binary)) return binary === capability ? `${gpu}: runs the build's sm_${binary} code` : `${gpu}: runs the build's sm_${binary} code, compatible`;
  return `${gpu}: runs the build's compute_${ptx} PTX, compiled by the driver`;
}

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
    ? facts.cuda.devices.map((d) => `${d.device} ${d.name} (${deviceCode(d)})`).join(', ')
    : 'none found';
  console.log(`semigen ${facts.version}`);
  console.log(`cpu isa:  ${facts.isa}`);
  console.log(`threads:  ${facts.threads}`);
  console.log(`addon:    ${facts.addon}`);
  console.log(`cuda:     ${facts.cuda.compiled ? 'compiled in' : 'not compiled in'}`);
  console.log(`gpus:     ${gpus}`);
}
