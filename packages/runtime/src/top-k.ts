import type { Backend, Buf } from '@lers/kernels';
import { topK } from '@lers/data';

/** The largest k the top-k kernel takes; a larger k is ranked on the host. */
export const KERNEL_MAX_K = 100;

/**
 * One user's recommendations: item ids (best first; as the model names items: indices, integer raw
 * ids, or text raw ids) and their scores; masked items never appear.
 */
export interface Recommendation {
  readonly user: number | string;
  readonly items: Int32Array | string[];
  readonly scores: Float32Array;
}

/**
 * Top-k buffers for up to `rows` rows: indices and values are the two halves of one byte buffer, so
 * a batch's results come back with a single read.
 */
export class TopKBuffers {
  private readonly bytes: Buf<'u8'>;
  readonly idx: Buf<'i32'>;
  readonly val: Buf<'f32'>;

  constructor(
    private readonly be: Backend,
    readonly rows: number,
    readonly k: number,
  ) {
    this.bytes = be.alloc('u8', rows * k * 8);
    this.idx = be.reinterpret(this.bytes, 0, 'i32', rows * k);
    this.val = be.reinterpret(this.bytes, rows * k * 4, 'f32', rows * k);
  }

  /**
   * Ranks `count` rows of `scores` (count x cols) and reads the results back once: per row, the
   * items by descending score (ties: lower index first), stopping before the first -Infinity.
   */
  async rank(scores: Buf<'f32'>, count: number, cols: number, k: number): Promise<{ items: Int32Array; scores: Float32Array }[]> {
    const be = this.be;
    const kk = Math.min(k, cols);
    const out: { items: Int32Array; scores: Float32Array }[] = [];
    if (kk > KERNEL_MAX_K) {
      const all = await be.read(be.slice(scores, 0, count * cols));
      for (let r = 0; r < count; r++) {
        const row = all.subarray(r * cols, (r + 1) * cols);
        const items = topK(row, kk);
        out.push(trimmed(items, Float32Array.from(items, (i) => row[i])));
      }
      return out;
    }
    be.topk(count, cols, be.slice(scores, 0, count * cols), kk, be.slice(this.idx, 0, count * kk), be.slice(this.val, 0, count * kk));
    const bytes = await be.read(be.slice(this.bytes, 0, this.rows * this.k * 8));
    const idx = new Int32Array(bytes.buffer, 0, count * kk);
    const val = new Float32Array(bytes.buffer, this.rows * this.k * 4, count * kk);
    for (let r = 0; r < count; r++) out.push(trimmed(idx.slice(r * kk, (r + 1) * kk), val.slice(r * kk, (r + 1) * kk)));
    return out;
  }

  dispose(): void {
    this.be.free(this.bytes);
  }
}

/** Drops the -Infinity tail (masked items fill it when fewer than k are left). */
function trimmed(items: Int32Array, scores: Float32Array): { items: Int32Array; scores: Float32Array } {
  let n = scores.length;
  while (n > 0 && scores[n - 1] === -Infinity) n--;
  return { items: items.slice(0, n), scores: scores.slice(0, n) };
}
