import type { TableOptions } from '../../method.js';

/**
 * The fixed mask of one table, from createTable option `masks`: either a Uint8Array (one table) or
 * an object of Uint8Arrays keyed by table name (`{ user, item }`), because a model passes the same
 * options to all its tables and each picks its own by its `name`. Undefined when `masks` is absent.
 */
export function tableMask(method: string, options: TableOptions, length: number): Uint8Array | undefined {
  const masks = options.masks;
  if (masks === undefined) return undefined;
  let mask: unknown = masks;
  if (!(masks instanceof Uint8Array)) {
    if (typeof masks !== 'object' || masks === null) throw new TypeError(`${method}: option masks must be a Uint8Array or an object of them by table name`);
    const name = options.name ?? method;
    mask = (masks as Record<string, unknown>)[name];
    if (mask === undefined) throw new TypeError(`${method}: option masks has no mask for table "${name}" (has ${Object.keys(masks).join(', ')})`);
  }
  if (!(mask instanceof Uint8Array)) throw new TypeError(`${method}: a mask must be a Uint8Array`);
  if (mask.length !== length) throw new RangeError(`${method}: the mask of table "${options.name ?? method}" must have ${length} entries, has ${mask.length}`);
  return mask;
}

/** Option `targets` (target sparsities to capture), default `fallback`. */
export function targetsOption(method: string, options: TableOptions, fallback: readonly number[]): readonly number[] {
  const v = options.targets;
  if (v === undefined) return fallback;
  if (!Array.isArray(v)) throw new RangeError(`${method}: option targets must be an array of sparsities, got ${JSON.stringify(v)}`);
  return v as number[];
}

/** An optional finite number option. */
export function numberOption(method: string, options: TableOptions, name: string): number | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${method}: option ${name} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

/** Option `thresholdLr` of a soft-threshold search (PEP, CERP): s's own learning rate, > 0. */
export function thresholdLrOption(method: string, options: TableOptions): number | undefined {
  const v = numberOption(method, options, 'thresholdLr');
  if (v !== undefined && !(v > 0)) throw new RangeError(`${method}: option thresholdLr must be > 0, got ${v}`);
  return v;
}
