// Compiled by test/models/types.test.js, never run: each kind's options are a TypeScript type, so a misspelt or
// mistyped option is a compile error for a TS user (every @ts-expect-error below must find its error).
import { GAN, Ladder, M1M2, M2, SSAE, VAE, VIME } from '../../src/index.js';

new VAE({ inputSize: 4, hidden: [3], latent: 2, activation: 'softplus' });
// @ts-expect-error a misspelt option
new VAE({ inputSize: 4, hiden: [3] });
// @ts-expect-error a value of the wrong type
new VAE({ inputSize: 4, latent: '2' });
// @ts-expect-error an activation the kind does not take
new VAE({ inputSize: 4, activation: 'gelu' });
// @ts-expect-error inputSize is required
new SSAE({ code: 3 });
new M2({ inputSize: 4, labelledWeight: null, classWeights: [1, 2] });
// @ts-expect-error M1's option on M2
new M2({ inputSize: 4, classifierLr: 0.1 });
new M1M2({ inputSize: 4, m1Steps: 10, m1Inputs: 'binarized' });
// @ts-expect-error not one of M1's input modes
new M1M2({ inputSize: 4, m1Inputs: 'binary' });
new GAN({ inputSize: 4, ema: 0 });
// @ts-expect-error the GAN has no latent
new GAN({ inputSize: 4, latent: 3 });
new Ladder({ kind: 'gamma', inputSize: 4, hidden: [3] });
// @ts-expect-error not a Ladder kind
new Ladder({ kind: 'm2', inputSize: 4 });
new VIME({ inputSize: 4, hidden: [8], pMask: 0.2, copies: 3, selfSteps: 10 });
// @ts-expect-error the number of copies is a number
new VIME({ inputSize: 4, copies: '3' });
// @ts-expect-error VIME's encoder sizes are hidden, not encoderHidden
new VIME({ inputSize: 4, encoderHidden: [8] });
