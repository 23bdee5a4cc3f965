// The environment variables the addon reads, checked before it loads: SEMIGEN_CUDA_SYNC takes 1 or 0 only,
// since the CUDA kernels read any other value as off.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkEnvironment } from '../../dist/src/backend.js';

const s = suite('native: environment');

s('SEMIGEN_CUDA_SYNC: unset, empty, 0 and 1 are accepted', () => {
  for (const value of [undefined, '', '0', '1']) checkEnvironment({ SEMIGEN_CUDA_SYNC: value });
});

s('SEMIGEN_CUDA_SYNC: another value is refused, naming the variable and the value', () => {
  for (const value of ['2', 'true', 'yes', ' 1', 'on']) {
    assert.throws(() => checkEnvironment({ SEMIGEN_CUDA_SYNC: value }),
      (e) => e instanceof Error && e.message === `SEMIGEN_CUDA_SYNC must be 1 (synchronise and check after every CUDA launch) or 0, got '${value}'`,
      `SEMIGEN_CUDA_SYNC='${value}'`);
  }
});

s.run();
