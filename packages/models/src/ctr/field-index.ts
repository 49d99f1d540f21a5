import type { Backend, Buf } from '@lers/kernels';

/**
 * Constant index arrays over a batch of `rows` samples with `fields` fields each, built once for
 * the largest batch and sliced for smaller ones:
 * - `bagOffsets`: 0, F, 2F, ..., rows*F (each sample is one bag of F entries, for embeddingBag);
 * - `iota`: 0 .. rows*F - 1 (the identity ids, to sum rows of an activation with embeddingBag);
 * - `repeat`: each sample index repeated F times (to broadcast a per-sample value to its fields).
 */
export class FieldIndex {
  private offsets: Buf<'i32'> | null = null;
  private ids: Buf<'i32'> | null = null;
  private rep: Buf<'i32'> | null = null;
  private capacity = 0;

  /** Indices for samples of `fields` fields on `backend`. */
  constructor(
    private readonly backend: Backend,
    readonly fields: number,
  ) {}

  /** rows + 1 bag offsets. */
  bagOffsets(rows: number): Buf<'i32'> {
    this.ensure(rows);
    return this.backend.slice(this.offsets!, 0, rows + 1);
  }

  /** rows * fields identity ids. */
  iota(rows: number): Buf<'i32'> {
    this.ensure(rows);
    return this.backend.slice(this.ids!, 0, rows * this.fields);
  }

  /** rows * fields sample ids (b repeated `fields` times). */
  repeat(rows: number): Buf<'i32'> {
    this.ensure(rows);
    return this.backend.slice(this.rep!, 0, rows * this.fields);
  }

  private ensure(rows: number): void {
    if (rows <= this.capacity) return;
    this.dispose();
    const F = this.fields;
    this.offsets = this.backend.upload('i32', Int32Array.from({ length: rows + 1 }, (_, b) => b * F));
    this.ids = this.backend.upload('i32', Int32Array.from({ length: rows * F }, (_, i) => i));
    this.rep = this.backend.upload('i32', Int32Array.from({ length: rows * F }, (_, i) => Math.floor(i / F)));
    this.capacity = rows;
  }

  /** Frees the index arrays. */
  dispose(): void {
    for (const b of [this.offsets, this.ids, this.rep]) if (b) this.backend.free(b);
    this.offsets = this.ids = this.rep = null;
    this.capacity = 0;
  }
}
