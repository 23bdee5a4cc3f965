// A decoder with a pluggable likelihood: an MLP from codes to the likelihood's output layer (Bernoulli logits, a
// Gaussian mean, categorical logits), the likelihood's own parameters beside it, and the per-row negative
// log-likelihood of data under it. Its layers are the MLP's, so a Bernoulli decoder's weights are named as a plain
// MLP's ("decoder.layers.0.weight").
import { MLP, type MLPOptions } from '../../nn/mlp.js';
import type { Tensor } from '../../tensor.js';
import { forwardWithOutput } from '../common.js';
import { createLikelihood, familySums, type DecoderOutput, type Likelihood, type LikelihoodSpec } from './likelihood.js';

export class LikelihoodDecoder extends MLP {
  likelihood: Likelihood;

  /** sizes: [code, hidden..., columns]; the likelihood's parameters are made after the layers. */
  constructor(sizes: readonly number[], likelihood: LikelihoodSpec, options: MLPOptions & Required<Pick<MLPOptions, 'generator'>>) {
    super(sizes, options);
    const columns = sizes[sizes.length - 1];
    this.likelihood = createLikelihood(likelihood, columns, sizes[sizes.length - 2], options.generator,
      options.device ?? 'cpu');
  }

  /** The output layer and the last hidden layer for codes z. */
  output(z: Tensor): DecoderOutput {
    let h = z;
    const last = this.layers.length - 1;
    for (let i = 0; i < last; i++) h = this.layers[i].forward(h);
    return { out: this.layers[last].forward(h), top: h };
  }

  /** −log p(x | z) per row, [rows] (NaN entries of x and entries where mask is 0 left out). */
  nll(z: Tensor, x: Tensor, mask: Tensor | null = null): Tensor {
    return this.likelihood.nll(this.output(z), x, mask);
  }

  /** nll(z, x) and, for a mixed likelihood, its sums over rows per column family (familySums). */
  nllWithFamilies(z: Tensor, x: Tensor): { nll: Tensor; families: Record<string, number> } {
    const o = this.output(z);
    return { nll: this.likelihood.nll(o, x), families: familySums(this.likelihood, o, x) };
  }

  /** E[x | z], [rows, columns]; Bernoulli's sigmoid is fused into the last GEMM. */
  mean(z: Tensor): Tensor {
    const activation = this.likelihood.meanActivation;
    return activation === 'sigmoid' ? forwardWithOutput(this, z, activation) : this.likelihood.mean(this.output(z));
  }
}
