import type { Backend } from '@lers/kernels';
import { BatchNorm1d } from './batchnorm.js';
import { Dropout } from './dropout.js';
import { SeedSequence, type InitScheme } from './init.js';
import type { Layer } from './layer.js';
import { Linear } from './linear.js';
import { ReLU } from './relu.js';
import { Sequential } from './sequential.js';

/** Options of `buildMlp`. */
export interface MlpOptions {
  /** Parameter-name prefix; layers are numbered as in nn.Sequential (`dnn.0.weight`, `dnn.1.weight`...). */
  readonly name: string;
  readonly inFeatures: number;
  /** Hidden widths, e.g. [400, 400, 400]. */
  readonly hidden: readonly number[];
  /** Width of the output Linear (default 1, a logit); 0 means no output layer. */
  readonly outFeatures?: number;
  /** BatchNorm1d after each hidden Linear (default true). */
  readonly batchNorm?: boolean;
  /** Dropout after each hidden ReLU (default 0: none). */
  readonly dropout?: number;
  /** Initialiser of every Linear (default `torch-linear`). */
  readonly init?: InitScheme;
  /** Seeds of the initialisers and dropout salts. */
  readonly seed: number;
}

/**
 * The DNN tower of DeepFM and DCN-Mix: per hidden width Linear -> BatchNorm1d -> ReLU -> Dropout,
 * then an output Linear. Indices follow nn.Sequential's numbering, so parameter names match a
 * PyTorch state_dict of the same stack (Dropout and ReLU still take an index).
 */
export function buildMlp(backend: Backend, options: MlpOptions): Sequential {
  const seeds = new SeedSequence(options.seed);
  const batchNorm = options.batchNorm ?? true;
  const p = options.dropout ?? 0;
  const outFeatures = options.outFeatures ?? 1;
  const layers: Layer[] = [];
  const at = (): string => `${options.name}.${layers.length}`;
  let width = options.inFeatures;
  for (const size of options.hidden) {
    layers.push(new Linear(backend, at(), width, size, { init: options.init, seed: seeds.take() }));
    if (batchNorm) layers.push(new BatchNorm1d(backend, at(), size));
    layers.push(new ReLU(backend, at(), size));
    if (p > 0) layers.push(new Dropout(backend, at(), size, p, seeds.take()));
    width = size;
  }
  if (outFeatures > 0) layers.push(new Linear(backend, at(), width, outFeatures, { init: options.init, seed: seeds.take() }));
  return new Sequential(options.name, layers);
}
