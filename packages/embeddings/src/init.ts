import type { Backend, Buf } from '@lers/kernels';

/**
 * How a table's values are initialised. Every kind draws from the kernels' counter-based fills, so
 * the values depend only on (seed, element index), not on the backend or the thread count.
 */
export type TableInit =
  /** U(-b, b) with b = gain * sqrt(6 / (rows + dim)), as torch.nn.init.xavier_uniform_ on a rows x dim weight. */
  | { readonly kind: 'xavier-uniform'; readonly gain?: number }
  /** N(mean, std^2), e.g. LightGCN's original normal(0, 0.1). */
  | { readonly kind: 'normal'; readonly std: number; readonly mean?: number }
  /** U(low, high). */
  | { readonly kind: 'uniform'; readonly low: number; readonly high: number }
  /** All zeros. */
  | { readonly kind: 'zeros' };

/** The protocol's default: Xavier-uniform. */
export const DEFAULT_INIT: TableInit = { kind: 'xavier-uniform' };

/** The Xavier-uniform bound of a rows x dim weight: gain * sqrt(6 / (fan_in + fan_out)). */
export function xavierUniformBound(rows: number, dim: number, gain = 1): number {
  return gain * Math.sqrt(6 / (rows + dim));
}

/** Fills `values` (rows x dim) according to `init`, seeded by `seed`. */
export function initializeValues(backend: Backend, values: Buf<'f32'>, rows: number, dim: number, init: TableInit, seed: number): void {
  switch (init.kind) {
    case 'xavier-uniform': {
      const b = xavierUniformBound(rows, dim, init.gain);
      backend.fillUniform(values, -b, b, seed);
      return;
    }
    case 'normal':
      if (!(init.std >= 0)) throw new RangeError(`normal init: std must be >= 0, got ${init.std}`);
      backend.fillNormal(values, init.mean ?? 0, init.std, seed);
      return;
    case 'uniform':
      if (!(init.high >= init.low)) throw new RangeError(`uniform init: need low <= high, got [${init.low}, ${init.high}]`);
      backend.fillUniform(values, init.low, init.high, seed);
      return;
    case 'zeros':
      backend.fill(values, 0);
      return;
  }
}
