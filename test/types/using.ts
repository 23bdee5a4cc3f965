// Compiled (with the project's compiler settings) and run by test/engine/using.test.js: `using` (TypeScript 5.2+)
// frees a tensor, a module, an optimizer and a model at the end of its block, the way dispose() does.
import { Adam, Linear, VAE, liveTensors, zeros, type Tensor } from '../../src/index.js';

/** Live tensor counts: [at the start, inside each block, after each block], and the objects seen inside. */
export function run(): { counts: number[]; held: { tensor: Tensor; linear: Linear; model: VAE } } {
  const counts = [liveTensors()];
  let tensor: Tensor;
  let linear: Linear;
  let model: VAE;
  {
    using t = zeros([2, 3]);
    tensor = t;
    counts.push(liveTensors());
  }
  counts.push(liveTensors());
  {
    using layer = new Linear(3, 2);
    using opt = new Adam(layer.parameters());
    linear = layer;
    counts.push(liveTensors());
    void opt;
  }
  counts.push(liveTensors());
  {
    using vae = new VAE({ inputSize: 4, hidden: [3], latent: 2 });
    model = vae;
    counts.push(liveTensors());
  }
  counts.push(liveTensors());
  return { counts, held: { tensor, linear, model } };
}
