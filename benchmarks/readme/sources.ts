/**
 * Reading figures out of the committed results files (benchmarks/results/*.json) for the README
 * tables: every figure a table shows comes from a named file and row, and a missing file, row or
 * field is an error naming it (so a table cannot silently lose or keep a figure).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A results file's rows as the suites write them (`rows`, `means`, `checks`, ...). */
export type Row = Readonly<Record<string, unknown>>;

/** Reads and caches the JSON results files of one folder. */
export class ResultsFolder {
  private readonly cache = new Map<string, Record<string, unknown>>();

  constructor(readonly dir: string) {}

  /** The parsed file (throws naming the path when it is missing or not JSON). */
  file(name: string): Record<string, unknown> {
    let f = this.cache.get(name);
    if (f === undefined) {
      const path = join(this.dir, name);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        throw new Error(`${path}: results file missing (every README figure needs its source file)`);
      }
      f = JSON.parse(text) as Record<string, unknown>;
      this.cache.set(name, f);
    }
    return f;
  }

  /** The one row of `list` (e.g. 'means') in `name` whose fields equal `match`. */
  row(name: string, list: string, match: Readonly<Record<string, unknown>>): Row {
    const rows = this.file(name)[list];
    if (!Array.isArray(rows)) throw new Error(`${name}: no list "${list}"`);
    const found = (rows as Row[]).filter((r) => Object.entries(match).every(([k, v]) => r[k] === v));
    if (found.length !== 1) throw new Error(`${name}: ${found.length} rows of "${list}" match ${JSON.stringify(match)} (need exactly 1)`);
    return found[0];
  }

  /** A numeric field of that row. */
  number(name: string, list: string, match: Readonly<Record<string, unknown>>, field: string): number {
    const v = this.row(name, list, match)[field];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${name}: ${list} row ${JSON.stringify(match)} has no number "${field}"`);
    return v;
  }

  /** The ratio of the check whose name starts with `prefix`. */
  check(name: string, prefix: string): number {
    const checks = this.file(name).checks;
    if (!Array.isArray(checks)) throw new Error(`${name}: no checks`);
    const found = (checks as Row[]).filter((c) => typeof c.name === 'string' && c.name.startsWith(prefix));
    if (found.length !== 1 || typeof found[0].ratio !== 'number') throw new Error(`${name}: ${found.length} checks named "${prefix}..." (need exactly 1 with a ratio)`);
    return found[0].ratio;
  }
}

/** n with `digits` decimals. */
export function fixed(n: number, digits: number): string {
  return n.toFixed(digits);
}

/** n with 3 significant digits (times). */
export function sig(n: number): string {
  return String(Number(n.toPrecision(3)));
}
