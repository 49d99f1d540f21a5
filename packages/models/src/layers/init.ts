import { hash2, type Backend, type Buf } from '@lers/kernels';

/**
 * Weight initialisers with PyTorch's names and fan rules:
 * - `torch-linear`: nn.Linear's default, kaiming_uniform(a = sqrt(5)), i.e. U(+-1/sqrt(fan_in));
 * - `xavier-uniform` U(+-sqrt(6 / (fan_in + fan_out))), `xavier-normal` N(0, 2 / (fan_in + fan_out));
 * - `kaiming-uniform` U(+-sqrt(6 / fan_in)), `kaiming-normal` N(0, 2 / fan_in) (ReLU gain, fan_in mode);
 * - `zeros`; `{ normal: std }` and `{ uniform: bound }` for fixed scales.
 */
export type InitScheme =
  | 'torch-linear'
  | 'xavier-uniform'
  | 'xavier-normal'
  | 'kaiming-uniform'
  | 'kaiming-normal'
  | 'zeros'
  | { readonly normal: number }
  | { readonly uniform: number };

/**
 * fan_in and fan_out of a weight of `shape` as torch.nn.init computes them: dim 1 is the input
 * maps, dim 0 the output maps, later dims a receptive field multiplying both (so a 3-D
 * `experts x a x b` tensor has fan_in = a * b, as the DCN-Mix reference initialises it).
 */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i];
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** Fills `x` (a tensor of `shape`) with the scheme, seeded; every element depends only on (seed, index). */
export function initTensor(backend: Backend, x: Buf<'f32'>, shape: readonly number[], scheme: InitScheme, seed: number): void {
  const { fanIn, fanOut } = fans(shape);
  if (typeof scheme === 'object') {
    if ('normal' in scheme) backend.fillNormal(x, 0, scheme.normal, seed);
    else backend.fillUniform(x, -scheme.uniform, scheme.uniform, seed);
    return;
  }
  switch (scheme) {
    case 'zeros':
      backend.fill(x, 0);
      return;
    case 'torch-linear':
      uniform(backend, x, 1 / Math.sqrt(fanIn), seed);
      return;
    case 'xavier-uniform':
      uniform(backend, x, Math.sqrt(6 / (fanIn + fanOut)), seed);
      return;
    case 'xavier-normal':
      backend.fillNormal(x, 0, Math.sqrt(2 / (fanIn + fanOut)), seed);
      return;
    case 'kaiming-uniform':
      uniform(backend, x, Math.sqrt(6 / fanIn), seed);
      return;
    case 'kaiming-normal':
      backend.fillNormal(x, 0, Math.sqrt(2 / fanIn), seed);
      return;
  }
}

function uniform(backend: Backend, x: Buf<'f32'>, bound: number, seed: number): void {
  backend.fillUniform(x, -bound, bound, seed);
}

/**
 * Hands out distinct seeds derived from one base seed (counter-based, so the n-th seed does not
 * depend on how the earlier ones were used): every initialiser and every dropout layer gets its own.
 */
export class SeedSequence {
  private next = 0;

  /** A sequence rooted at `base` (any integer, used modulo 2^32). */
  constructor(private readonly base: number) {}

  /** The next seed of the sequence. */
  take(): number {
    return hash2(this.base, this.next++);
  }
}
