/**
 * The advisor's measurements on this device: each candidate cell's model (a file the user gave,
 * matched by the bench's cell id, else a stand-in of the same structure built from the cell's
 * settings on synthetic data of the given shape) loaded through the runtime and measured.
 */
import { measureRecommender, PROFILE_LOAD_OPTIONS, shapeDataset, standInModel, standInUnavailable, type BenchCell, type DatasetShape } from '@lers/advisor';
import type { Dataset } from '@lers/data';
import { decodeModelFile } from '@lers/embeddings';
import { chooseBackend, Recommender, type BackendChoice } from '@lers/runtime';
import type { EngineProgress, MeasuredCell } from './protocol.js';

/** The bench cell a model file belongs to: its header's `extra.benchCell` (the bench writes it), else its name `<cell id>.lers`. */
function cellIdOfFile(file: { name: string; bytes: Uint8Array }): string {
  try {
    // The header's `extra` (written by @lers/models' saveModel) is not part of ModelHeader's type.
    const extra = (decodeModelFile(file.bytes, file.name).header as { extra?: { benchCell?: unknown } }).extra;
    if (typeof extra?.benchCell === 'string') return extra.benchCell;
  } catch {
    // Not a model file: matched by name only, and its load error is reported then.
  }
  return file.name.replace(/\.lers$/, '');
}

export interface MeasureRequest {
  readonly cells: readonly BenchCell[];
  readonly shape: DatasetShape | null;
  readonly files: readonly { readonly name: string; readonly bytes: Uint8Array }[];
  readonly backend: BackendChoice;
  readonly threads: number;
  readonly repeats: number;
}

/** Measures every cell in turn; each result is also handed to `onCell` as soon as it is known. */
export async function measureCells(r: MeasureRequest, onCell: (m: MeasuredCell, p: EngineProgress) => void): Promise<MeasuredCell[]> {
  const files = new Map(r.files.map((f) => [cellIdOfFile(f), f]));
  let dataset: Dataset | null = null;
  const builder = await chooseBackend({ backend: 'wasm', threads: 1 });
  const out: MeasuredCell[] = [];
  try {
    for (const [i, cell] of r.cells.entries()) {
      const label = cell.target === null ? cell.method : `${cell.method}@${Math.round(cell.target * 1000) / 10}%`;
      let m: MeasuredCell;
      try {
        const file = files.get(cell.id);
        let bytes: Uint8Array | null = file?.bytes ?? null;
        const why = standInUnavailable(cell) ?? (r.shape === null ? 'no dataset shape to build a stand-in on' : null);
        if (bytes === null && why === null) {
          dataset ??= shapeDataset(r.shape!);
          bytes = await standInModel(builder.backend, dataset, cell);
        }
        if (bytes === null) m = { id: cell.id, profile: null, why: why ?? 'no model' };
        else {
          const rec = await Recommender.load(bytes, { backend: r.backend, threads: r.threads, ...PROFILE_LOAD_OPTIONS });
          try {
            m = { id: cell.id, profile: await measureRecommender(rec, { repeats: r.repeats, warmup: 2, seed: 2023 }), source: file !== undefined ? 'file' : 'stand-in' };
          } finally {
            rec.dispose();
          }
        }
      } catch (err) {
        m = { id: cell.id, profile: null, why: (err as Error).message };
      }
      out.push(m);
      onCell(m, { done: i + 1, total: r.cells.length, label });
    }
  } finally {
    builder.backend.dispose();
  }
  return out;
}
