import type { JsonObject } from '@lers/data';
import type { EmbeddingTable } from '@lers/embeddings';

/** The per-table and total sizes a model file records under `method.sizes`. */
export interface SizeInfo extends JsonObject {
  /** Parameters as the protocol counts them, all tables together. */
  params: number;
  /** rows x dim over all tables (the uncompressed count). */
  fullParams: number;
  /** 1 - params / fullParams. */
  sparsity: number;
  /** Bytes in memory of the embedding tables (index and cache overhead included). */
  memoryBytes: number;
  diskBytes: number;
  /**
   * Bytes of the tables as served: memoryBytes, except for tables that train in a wider form than
   * they serve (QAT trains an fp32 master and serves its quantized codes).
   */
  servedBytes: number;
  tables: JsonObject;
}

/** The sizes of a model's tables (`options`: the method options per table, recorded beside them). */
export async function tableSizes(tables: Readonly<Record<string, EmbeddingTable>>, options: Readonly<Record<string, JsonObject>> = {}): Promise<SizeInfo> {
  let params = 0;
  let full = 0;
  let memoryBytes = 0;
  let diskBytes = 0;
  let servedBytes = 0;
  const per: JsonObject = {};
  for (const [name, t] of Object.entries(tables)) {
    const size = (await t.size()) as Awaited<ReturnType<EmbeddingTable['size']>> & { sparsity?: number; bitWidth?: number; servedBytes?: number };
    // Quantized tables keep every element; the protocol counts them by bit width (their `sparsity`).
    const counted = size.bitWidth !== undefined && size.sparsity !== undefined ? Math.round((1 - size.sparsity) * t.rows * t.dim) : size.params;
    params += counted;
    full += t.rows * t.dim;
    memoryBytes += size.memoryBytes;
    diskBytes += size.diskBytes;
    servedBytes += size.servedBytes ?? size.memoryBytes;
    per[name] = {
      method: t.method,
      rows: t.rows,
      dim: t.dim,
      params: counted,
      elements: size.params,
      nonZeros: size.nonZeros,
      memoryBytes: size.memoryBytes,
      diskBytes: size.diskBytes,
      ...(size.bitWidth !== undefined ? { bitWidth: size.bitWidth } : {}),
      ...(size.servedBytes !== undefined ? { servedBytes: size.servedBytes } : {}),
      options: options[name] ?? {},
    };
  }
  return { params, fullParams: full, sparsity: full > 0 ? 1 - params / full : 0, memoryBytes, diskBytes, servedBytes, tables: per };
}
