import type { Backend } from '@lers/kernels';
import type { LoadPurpose, MethodDefinition, TableOptions } from '../../method.js';
import type { EmbeddingTable, SerializedTable } from '../../table.js';
import { CsrTable } from './csr-table.js';
import { MaskedTable } from './masked-table.js';
import { tableMask } from './table-masks.js';

/** Restores any form of a learned-pruning table by its header: masked (retraining) or csr (inference). */
export function loadPrunedForm(serialized: SerializedTable, backend: Backend, purpose: LoadPurpose = 'train'): EmbeddingTable | null {
  const form = serialized.header.form;
  // Served, a masked table is its kept entries: the frozen CSR of the same sections (no dense copy, no mask).
  if (form === 'masked') return purpose === 'serve' ? CsrTable.deserialize(serialized, backend) : MaskedTable.deserialize(serialized, backend);
  if (form === 'csr') return CsrTable.deserialize(serialized, backend);
  return null;
}

/**
 * The registry entry of a search-then-retrain method whose retraining form is a dense table with a
 * fixed rows x dim mask (PEP, OptEmbed): without option `masks` it creates the search table, with it
 * (a Uint8Array, or one per table name) the MaskedTable; loading dispatches on the stored form.
 */
export function searchThenMaskMethod(
  about: { readonly name: string; readonly summary: string; readonly servedAs: string },
  createSearch: (options: TableOptions) => EmbeddingTable,
  loadSearch: (serialized: SerializedTable, backend: Backend) => EmbeddingTable,
): MethodDefinition {
  const method = about.name;
  return {
    ...about,
    kind: 'search-then-retrain',
    create(options: TableOptions): EmbeddingTable {
      const mask = tableMask(method, options, options.rows * options.dim);
      if (mask === undefined) return createSearch(options);
      return new MaskedTable({
        method,
        rows: options.rows,
        dim: options.dim,
        backend: options.backend,
        mask,
        seed: options.seed,
        ...(options.init !== undefined ? { init: options.init } : {}),
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
      });
    },
    load(serialized, backend, purpose) {
      if (serialized.method !== method) throw new TypeError(`${method}: cannot load a ${serialized.method} table`);
      return loadPrunedForm(serialized, backend, purpose) ?? loadSearch(serialized, backend);
    },
  };
}
