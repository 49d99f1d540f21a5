import type { Backend } from '@lers/kernels';
import { createTable, type EmbeddingTable } from '@lers/embeddings';
import type { ResolvedLightGcnConfig } from './config.js';

/** LightGCN's two embedding tables: `user` (users x dim) and `item` (items x dim). */
export interface LightGcnTables {
  readonly user: EmbeddingTable;
  readonly item: EmbeddingTable;
}

/**
 * The tables a LightGCN runs on: `ready` ones after a shape check (restored from a file, or sized
 * per side by a budget solver), else both created from `config.table` (seeds `seed`, `seed + 1`).
 */
export function lightGcnTables(backend: Backend, users: number, items: number, c: ResolvedLightGcnConfig, ready?: LightGcnTables): LightGcnTables {
  if (ready !== undefined) {
    for (const [side, table, rows] of [['user', ready.user, users], ['item', ready.item, items]] as const) {
      if (table.rows !== rows || table.dim !== c.dim) throw new RangeError(`LightGCN: the ${side} table is ${table.rows} x ${table.dim}, the dataset needs ${rows} x ${c.dim}`);
    }
    if (ready.user === ready.item) throw new RangeError('LightGCN: the user and item tables must be two different tables');
    return ready;
  }
  const options = { ...c.table.options, dim: c.dim, backend, ...(c.table.init !== undefined ? { init: c.table.init } : {}) };
  return {
    user: createTable(c.table.method, { ...options, rows: users, seed: c.seed, name: 'user' }),
    item: createTable(c.table.method, { ...options, rows: items, seed: c.seed + 1, name: 'item' }),
  };
}
