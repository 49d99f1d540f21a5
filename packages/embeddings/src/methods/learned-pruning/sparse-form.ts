import type { SerializedTable } from '../../table.js';

/** A masked rows x dim block as CSR: every kept entry is stored (a kept zero too, so the mask survives). */
export interface MaskedCsr {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** The CSR of `values` restricted to `mask` (both rows x dim, row-major). */
export function maskedCsr(values: Float32Array, mask: Uint8Array, rows: number, dim: number): MaskedCsr {
  let stored = 0;
  for (const m of mask) if (m !== 0) stored++;
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(stored);
  const out = new Float32Array(stored);
  let k = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < dim; c++) {
      const e = r * dim + c;
      if (mask[e] !== 0) {
        indices[k] = c;
        out[k] = values[e];
        k++;
      }
    }
    indptr[r + 1] = k;
  }
  return { indptr, indices, values: out };
}

/**
 * Checks that a CSR describes a rows x dim table as maskedCsr writes it (columns strictly ascending
 * and in range in every row) and calls `entry(r, c, k)` for each stored entry k in order.
 */
export function checkMaskedCsr(what: string, csr: MaskedCsr, rows: number, dim: number, entry?: (r: number, c: number, k: number) => void): void {
  const { indptr, indices, values } = csr;
  if (indptr.length !== rows + 1 || indptr[0] !== 0 || indptr[rows] !== indices.length || indices.length !== values.length) {
    throw new TypeError(`${what}: CSR arrays do not describe a ${rows} x ${dim} table`);
  }
  for (let r = 0; r < rows; r++) {
    let last = -1;
    if (indptr[r + 1] < indptr[r]) throw new TypeError(`${what}: row pointers decrease at row ${r}`);
    for (let k = indptr[r]; k < indptr[r + 1]; k++) {
      const c = indices[k];
      if (!(c > last && c < dim)) throw new TypeError(`${what}: column ${c} in row ${r} is out of order or out of range`);
      last = c;
      entry?.(r, c, k);
    }
  }
}

/** Dense values (zeros outside the stored entries) and the mask of a CSR written by maskedCsr; validated. */
export function csrToMasked(what: string, csr: MaskedCsr, rows: number, dim: number): { values: Float32Array; mask: Uint8Array } {
  const dense = new Float32Array(rows * dim);
  const mask = new Uint8Array(rows * dim);
  checkMaskedCsr(what, csr, rows, dim, (r, c, k) => {
    dense[r * dim + c] = csr.values[k];
    mask[r * dim + c] = 1;
  });
  return { values: dense, mask };
}

/** Bytes of a CSR with int32 row pointers and columns and fp32 values. */
export function csrBytes(rows: number, stored: number): number {
  return 4 * (rows + 1) + 8 * stored;
}

/** The CSR sections `<prefix>indptr`, `<prefix>indices`, `<prefix>values` of a serialised table. */
export function csrSections(serialized: SerializedTable, prefix = ''): MaskedCsr {
  const s = serialized.sections;
  const indptr = s[`${prefix}indptr`];
  const indices = s[`${prefix}indices`];
  const values = s[`${prefix}values`];
  if (!(indptr instanceof Int32Array) || !(indices instanceof Int32Array) || !(values instanceof Float32Array)) {
    throw new TypeError(`${serialized.method} table: sections ${prefix}indptr, ${prefix}indices (Int32Array) and ${prefix}values (Float32Array) are required`);
  }
  return { indptr, indices, values };
}

/** The header's numeric rows and dim (throws naming the method when absent). */
export function headerShape(serialized: SerializedTable): { rows: number; dim: number; name: string | undefined } {
  const { rows, dim, name } = serialized.header;
  if (typeof rows !== 'number' || typeof dim !== 'number') throw new TypeError(`${serialized.method} table: header needs numeric rows and dim`);
  return { rows, dim, name: typeof name === 'string' ? name : undefined };
}
