/**
 * Readers of method-specific createTable options, which arrive untyped (`TableOptions` is an open
 * record): each returns the typed value or undefined when absent, and throws a RangeError that
 * names the method and option when the value has the wrong type or range.
 */

/** An optional positive integer option. */
export function positiveIntOption(method: string, options: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`${method}: option ${name} must be a positive integer, got ${describe(v)}`);
  return v;
}

/** An optional number option in the open interval (lo, hi). */
export function openRangeOption(method: string, options: Readonly<Record<string, unknown>>, name: string, lo: number, hi: number): number | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v > lo && v < hi)) throw new RangeError(`${method}: option ${name} must be a number in (${lo}, ${hi}), got ${describe(v)}`);
  return v;
}

/** An optional number option in the closed interval [lo, hi]. */
export function closedRangeOption(method: string, options: Readonly<Record<string, unknown>>, name: string, lo: number, hi: number): number | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v >= lo && v <= hi)) throw new RangeError(`${method}: option ${name} must be a number in [${lo}, ${hi}], got ${describe(v)}`);
  return v;
}

/** An optional boolean option. */
export function booleanOption(method: string, options: Readonly<Record<string, unknown>>, name: string): boolean | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new RangeError(`${method}: option ${name} must be a boolean, got ${describe(v)}`);
  return v;
}

/** An optional option that must be one of `allowed`. */
export function choiceOption<T extends string>(method: string, options: Readonly<Record<string, unknown>>, name: string, allowed: readonly T[]): T | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new RangeError(`${method}: option ${name} must be one of ${allowed.join(', ')}, got ${describe(v)}`);
  return v as T;
}

/** An optional array of positive integers (`length` entries when given; a number is not accepted). */
export function positiveIntArrayOption(method: string, options: Readonly<Record<string, unknown>>, name: string, length?: number): number[] | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1)) {
    throw new RangeError(`${method}: option ${name} must be an array of positive integers, got ${JSON.stringify(v)}`);
  }
  if (length !== undefined && v.length !== length) throw new RangeError(`${method}: option ${name} needs ${length} entries, got ${v.length}`);
  return (v as number[]).slice();
}

/** A value as it appears in an error message. */
function describe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === undefined || v === null) return String(v);
  return typeof v === 'function' || typeof v === 'symbol' ? typeof v : JSON.stringify(v);
}
