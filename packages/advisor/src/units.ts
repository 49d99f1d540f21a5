/** Bytes and milliseconds as lers prints and reads them (binary multiples: 1 KB = 1024 bytes). */

/** Bytes as 512 B / 12.3 KB / 1.23 MB (1 KB = 1024 bytes, as every lers table prints them). */
export function formatBytes(b: number | undefined | null): string {
  if (b === undefined || b === null) return '';
  if (b < 1024) return `${b} B`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(1)} KB`;
  return `${(b / 1048576).toFixed(2)} MB`;
}

/** Milliseconds with three significant figures past the unit (0.123 ms, 12.3 ms, 123 ms). */
export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(0)} ms`;
}

const MULTIPLIERS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1048576, mb: 1048576, mib: 1048576, g: 1073741824, gb: 1073741824, gib: 1073741824 };

/**
 * A byte count from text: `500000`, `500KB`, `500 KiB`, `1.5MB`, `2G` (K/KB/KiB are all 1024
 * bytes, as lers prints sizes). A RangeError names `where` and the value when it is not one.
 */
export function parseBytes(text: string, where = 'bytes'): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m?.[2].toLowerCase() ?? '';
  const mult = MULTIPLIERS[unit];
  if (m === null || mult === undefined) throw new RangeError(`${where} must be a size such as 500000, 500KB or 1.5MB; got ${JSON.stringify(text)}`);
  const value = Math.round(Number(m[1]) * mult);
  if (!(value > 0)) throw new RangeError(`${where} must be more than 0 bytes; got ${JSON.stringify(text)}`);
  return value;
}

/** A positive number of milliseconds from text (`20`, `20ms`, `0.5 ms`). */
export function parseMs(text: string, where = 'milliseconds'): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms)?\s*$/i.exec(text);
  const value = m === null ? NaN : Number(m[1]);
  if (!(value > 0)) throw new RangeError(`${where} must be a positive number of milliseconds such as 20 or 0.5; got ${JSON.stringify(text)}`);
  return value;
}
