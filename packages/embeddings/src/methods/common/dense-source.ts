import type { Backend } from '@lers/kernels';
import { checkTableShape } from '../full/full.js';
import { DEFAULT_INIT, initializeValues, type TableInit } from '../../init.js';
import type { TableOptions } from '../../method.js';
import type { EmbeddingTable } from '../../table.js';
import { requireHostBackend, withHostBackend } from './host-access.js';

/** A dense rows x dim fp32 table held on the host: the input of every post-training method. */
export interface DenseValues {
  readonly rows: number;
  readonly dim: number;
  /** Row-major, rows * dim values. */
  readonly values: Float32Array;
}

/** A post-training method's input: a (trained) table, or its dense values. */
export type DenseSource = EmbeddingTable | DenseValues;

/** Checks a DenseValues' shape and that every value is finite (a NaN would make |w| order meaningless). */
export function checkDenseValues(method: string, dense: DenseValues): void {
  checkTableShape(method, dense.rows, dense.dim);
  if (dense.values.length !== dense.rows * dense.dim) {
    throw new RangeError(`${method}: values must have ${dense.rows} x ${dense.dim} = ${dense.rows * dense.dim} elements, has ${dense.values.length}`);
  }
  for (let k = 0; k < dense.values.length; k++) {
    if (!Number.isFinite(dense.values[k])) throw new RangeError(`${method}: value ${dense.values[k]} at element ${k} is not finite`);
  }
}

/**
 * The dense values of a table (its eval-mode lookupAll), copied to the host synchronously: the
 * table must be on a host backend (elsewhere `await readTableValues(table)` and pass `values`).
 */
export function tableValues(table: EmbeddingTable): DenseValues {
  const be = requireHostBackend(table.backend, `reading the values of a ${table.method} table synchronously (pass values: await readTableValues(table))`);
  const tmp = be.alloc('f32', table.rows * table.dim);
  try {
    table.lookupAll(tmp, { training: false });
    return { rows: table.rows, dim: table.dim, values: be.view(tmp).slice() };
  } finally {
    be.free(tmp);
  }
}

/** The dense values of a table (its eval-mode lookupAll) on the host, after one read-back: any backend. */
export async function readTableValues(table: EmbeddingTable): Promise<DenseValues> {
  const be = table.backend;
  const tmp = be.alloc('f32', table.rows * table.dim);
  try {
    table.lookupAll(tmp, { training: false });
    return { rows: table.rows, dim: table.dim, values: await be.read(tmp) };
  } finally {
    be.free(tmp);
  }
}

/** DenseValues of a source: a table is read through lookupAll, values are checked and used as they are. */
export function denseOf(method: string, source: DenseSource): DenseValues {
  const dense = 'lookupAll' in source ? tableValues(source) : source;
  checkDenseValues(method, dense);
  return dense;
}

/**
 * The dense input of a post-training method created through the registry: option `source` (an
 * EmbeddingTable, e.g. a trained FullTable) or `values` (a Float32Array of rows x dim), or else a
 * fresh table initialised from `init` and `seed` (as FullTable would be; useful for tests and benchmarks).
 */
export function denseFromOptions(method: string, options: TableOptions): DenseValues {
  const { rows, dim } = options;
  checkTableShape(method, rows, dim);
  const source = options.source;
  const values = options.values;
  if (source !== undefined && values !== undefined) throw new TypeError(`${method}: give either option "source" or "values", not both`);
  if (source !== undefined) {
    if (typeof source !== 'object' || source === null || !('lookupAll' in source)) throw new TypeError(`${method}: option "source" must be an EmbeddingTable`);
    const table = source as EmbeddingTable;
    if (table.rows !== rows || table.dim !== dim) throw new RangeError(`${method}: source table is ${table.rows} x ${table.dim}, options say ${rows} x ${dim}`);
    return denseOf(method, table);
  }
  if (values !== undefined) {
    if (!(values instanceof Float32Array)) throw new TypeError(`${method}: option "values" must be a Float32Array`);
    return denseOf(method, { rows, dim, values });
  }
  return freshValues(options.backend, rows, dim, options.init ?? DEFAULT_INIT, options.seed);
}

/** Initial values made on the host (the initialisers give the same values on every host backend). */
function freshValues(backend: Backend, rows: number, dim: number, init: TableInit, seed: number): DenseValues {
  return withHostBackend(backend, (be) => {
    const tmp = be.alloc('f32', rows * dim);
    try {
      initializeValues(be, tmp, rows, dim, init, seed);
      return { rows, dim, values: be.view(tmp).slice() };
    } finally {
      be.free(tmp);
    }
  });
}
