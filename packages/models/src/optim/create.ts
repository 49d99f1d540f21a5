import type { Backend } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';
import { Adam, type AdamOptions } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { Sgd, type SgdOptions } from './sgd.js';

/** An optimizer by kind and options, as a training config names it. */
export type OptimizerConfig = ({ readonly kind: 'adam' } & AdamOptions) | ({ readonly kind: 'sgd' } & SgdOptions);

/** Builds the optimizer a config names over `params`. */
export function createOptimizer(backend: Backend, params: readonly Parameter[], config: OptimizerConfig): Optimizer {
  switch (config.kind) {
    case 'adam':
      return new Adam(backend, params, config);
    case 'sgd':
      return new Sgd(backend, params, config);
  }
}
