import { CtrRowParser, type CtrDataset, type CtrVocabulary } from '@lers/data';
import type { CtrModel } from '@lers/models';
import { RequestError } from './errors.js';

/**
 * Rows to score: global feature ids (field offsets applied) as one Int32Array of rows x fields or
 * one array per row, or raw lines in the format of the model's training data (Criteo TSV, Avazu
 * CSV) when the model carries its vocabulary.
 */
export type PredictRows = Int32Array | readonly ArrayLike<number>[] | readonly string[];

/** The fields a CTR model reads, and the vocabulary of raw rows when it carries one. */
export interface CtrSchema {
  readonly fields: number;
  readonly fieldNames: readonly string[];
  /** First global id of each field (global id = offset + the field's local id). */
  readonly fieldOffsets: Int32Array;
  readonly fieldDims: Int32Array;
  /** Raw Criteo / Avazu value -> feature id, for models trained on those files; null otherwise. */
  readonly vocabulary: CtrVocabulary | null;
}

/** CTR requests on a DeepFM / DCN-Mix built from a model file: rows checked, logits, probabilities. */
export class CtrSession {
  private readonly ds: CtrDataset;

  constructor(readonly model: CtrModel) {
    this.ds = model.dataset;
  }

  get fields(): number {
    return this.ds.fields;
  }

  /** The fields and the raw-row vocabulary. */
  get schema(): CtrSchema {
    const { fields, fieldNames, fieldOffsets, fieldDims, vocabulary } = this.ds;
    return { fields, fieldNames, fieldOffsets, fieldDims, vocabulary: vocabulary ?? null };
  }

  /** Click probabilities of the rows (one per row), in inference mode. */
  async predict(rows: PredictRows): Promise<Float32Array> {
    const x = this.idsOf(rows);
    const logits = await this.model.logitsOf(x);
    for (let i = 0; i < logits.length; i++) logits[i] = 1 / (1 + Math.exp(-logits[i]));
    return logits;
  }

  dispose(): void {
    this.model.dispose();
  }

  /** Rows as one checked rows x fields array of global ids. */
  private idsOf(rows: PredictRows): Int32Array {
    const F = this.fields;
    if (rows instanceof Int32Array) {
      if (rows.length % F !== 0) throw new RequestError(`predict: ${rows.length} ids are not whole rows of ${F} fields`);
      this.checkIds(rows);
      return rows;
    }
    if (rows.length > 0 && typeof rows[0] === 'string') return this.parseRaw(rows as readonly string[]);
    const x = new Int32Array(rows.length * F);
    (rows as readonly ArrayLike<number>[]).forEach((row, r) => {
      if (typeof row === 'string' || row.length !== F) throw new RequestError(`predict: row ${r} has ${typeof row === 'string' ? 'text' : row.length} values; the model has ${F} fields`);
      for (let f = 0; f < F; f++) x[r * F + f] = row[f];
    });
    this.checkIds(x);
    return x;
  }

  /** Every id must be an integer inside its field's range of global ids. */
  private checkIds(x: Int32Array): void {
    const { fields: F, fieldOffsets, fieldDims, fieldNames } = this.ds;
    for (let k = 0; k < x.length; k++) {
      const f = k % F;
      const v = x[k];
      if (!(v >= fieldOffsets[f] && v < fieldOffsets[f] + fieldDims[f])) {
        throw new RequestError(`predict: row ${Math.floor(k / F)} field ${f + 1} (${fieldNames[f]}) has id ${v}, outside ${fieldOffsets[f]}..${fieldOffsets[f] + fieldDims[f] - 1}`);
      }
    }
  }

  /** Raw lines through the model's vocabulary (unseen values -> OOV, as in training). */
  private parseRaw(lines: readonly string[]): Int32Array {
    const vocabulary = this.ds.vocabulary;
    if (vocabulary === undefined) throw new RequestError('predict: this model carries no vocabulary (trained on synthetic or encoded data), so it takes feature ids, not raw rows');
    const parser = new CtrRowParser(vocabulary, { label: false, file: '<request>' });
    const F = this.fields;
    const out: number[] = [];
    lines.forEach((line, i) => {
      const parsed = parser.parse(line, i + 1);
      if (parsed !== null) for (let f = 0; f < F; f++) out.push(parsed.ids[f]);
    });
    return Int32Array.from(out);
  }
}
