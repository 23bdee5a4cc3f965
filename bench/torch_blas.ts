// Which BLAS library PyTorch loads: Debian's python3-torch links libblas.so.3, which is the reference (netlib)
// BLAS unless an optimised one (libopenblas0) is installed beside it; PyTorch's CPU steps are then about ten times
// slower (m2-step 1.86 s against 0.13-0.19 s on the 2-core machine), and a ratio against it means nothing.
import { spawnSync } from 'node:child_process';

const PROBE = [
  'import torch',
  "libs = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower() or 'mkl' in l.lower()})",
  "print('\\n'.join(libs))",
].join('\n');

/** The BLAS shared objects mapped into `python` after `import torch` (empty where /proc is missing). */
function torchBlasLibraries(python: string): string[] {
  const run = spawnSync(python, ['-c', PROBE], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${python} cannot import torch: ${(run.stderr || run.error?.message || '').trim()}`);
  return run.stdout.split('\n').filter((l) => l.startsWith('/'));
}

/**
 * Prints the BLAS PyTorch loads; throws when it is the reference BLAS (set SEMIGEN_ALLOW_REFERENCE_BLAS=1 to
 * measure against it anyway).
 */
export function requireOptimisedBlas(python: string): void {
  const libs = torchBlasLibraries(python);
  const optimised = libs.some((l) => /openblas|mkl|blis/i.test(l));
  const reference = libs.some((l) => /\/blas\/libblas\.so/.test(l));
  if (reference && !optimised && process.env.SEMIGEN_ALLOW_REFERENCE_BLAS !== '1') {
    throw new Error(`PyTorch (${python}) runs on the reference BLAS (${libs.join(', ')}): install an optimised one ` +
      '(Debian: apt-get install libopenblas0) or set SEMIGEN_ALLOW_REFERENCE_BLAS=1 to compare against it anyway');
  }
  console.log(`PyTorch's BLAS: ${libs.join(', ') || 'not found in /proc/self/maps'}`);
}
