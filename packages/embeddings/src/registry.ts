import type { Backend } from '@lers/kernels';
import { FullTable } from './full.js';
import type { TableInit } from './init.js';
import type { EmbeddingTable, SerializedTable } from './table.js';
import { magPruneMethod } from './methods/magprune.js';
import { randPruneMethod } from './methods/randprune.js';
import { magPruneInt8Method } from './methods/magprune-int8.js';
import { ptqMethod } from './methods/ptq.js';
import { qatMethod } from './methods/qat.js';
import { qrMethod } from './methods/qr.js';
import { ttrecMethod } from './methods/ttrec.js';
import { dheMethod } from './methods/dhe.js';
import { pepMethod } from './methods/pep.js';
import { optEmbedMethod } from './methods/optembed.js';
import { cerpMethod } from './methods/cerp.js';

/** What every method's table is created from; methods add their own options next to these. */
export interface CreateTableOptions {
  readonly rows: number;
  readonly dim: number;
  readonly backend: Backend;
  /** Seed of every random choice the method makes at creation (initial values, hashes, ...). */
  readonly seed: number;
  /** Initial values where the method has a dense part; default Xavier-uniform. */
  readonly init?: TableInit;
  /** Prefix of the table's parameter names, unique within a model (e.g. `user`, `item`). */
  readonly name?: string;
  /** Weight decay of the table's parameters; default: the optimizer's. */
  readonly weightDecay?: number;
}

/** Options of createTable: the common ones plus method-specific ones (e.g. QR's `buckets`). */
export type TableOptions = CreateTableOptions & { readonly [option: string]: unknown };

/** A compression method: how to create a fresh table and how to restore a serialised one. */
export interface TableMethod {
  create(options: TableOptions): EmbeddingTable;
  load(serialized: SerializedTable, backend: Backend): EmbeddingTable;
}

/** The built-in methods; a new method is one file plus one line here (or a registerMethod call). */
const methods = new Map<string, TableMethod>([
  ['full', { create: (o) => new FullTable(o), load: (s, be) => FullTable.deserialize(s, be) }],
  ['magprune', magPruneMethod],
  ['randprune', randPruneMethod],
  ['magprune-int8', magPruneInt8Method],
  ['ptq', ptqMethod],
  ['qat', qatMethod],
  ['qr', qrMethod],
  ['ttrec', ttrecMethod],
  ['dhe', dheMethod],
  ['pep', pepMethod],
  ['optembed', optEmbedMethod],
  ['cerp', cerpMethod],
]);

/** Adds a method under `name`; a name can be registered once. */
export function registerMethod(name: string, method: TableMethod): void {
  if (methods.has(name)) throw new Error(`embedding method "${name}" is already registered`);
  methods.set(name, method);
}

/** The registered method names, in registration order. */
export function tableMethods(): string[] {
  return [...methods.keys()];
}

function methodNamed(name: string): TableMethod {
  const m = methods.get(name);
  if (m === undefined) throw new Error(`unknown embedding method "${name}" (registered: ${tableMethods().join(', ')})`);
  return m;
}

/** Creates a table of a registered method, e.g. `createTable('full', { rows, dim, backend, seed })`. */
export function createTable(method: string, options: TableOptions): EmbeddingTable {
  return methodNamed(method).create(options);
}

/** Restores a table from `serialize()` output onto `backend`, through its method's loader. */
export function loadTable(serialized: SerializedTable, backend: Backend): EmbeddingTable {
  return methodNamed(serialized.method).load(serialized, backend);
}
