/**
 * Serving a loaded model: CF recommendations (propagate, score, mask the user's train items,
 * top-k, each phase callable on its own for `lers profile`) and CTR click probabilities for
 * arbitrary rows of global feature ids.
 */
import type { Buf, Csr, HostBackend } from '@lers/kernels';
import { readModelFile } from '@lers/embeddings/node';
import type { ModelFile } from '@lers/embeddings';
import { topK, type CtrDataset } from '@lers/data';
import { LightGcn, uploadBinaryCsr, type DcnMix, type DeepFm } from '@lers/models';
import { DataError, UsageError } from '../cli/errors.js';

/** Reads a model file; a missing file or a bad one is a data error with the path in the message. */
export async function openModelFile(path: string): Promise<ModelFile> {
  try {
    return await readModelFile(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new DataError(`${path}: no such model file`);
    if (e.code === 'EISDIR') throw new DataError(`${path}: is a directory, not a model file`);
    throw err;
  }
}

/** The largest k the top-k kernel takes; larger k fall back to a host heap. */
const KERNEL_MAX_K = 100;

/** One user's recommendations. */
export interface Recommendation {
  readonly items: Int32Array;
  readonly scores: Float32Array;
}

/** Full-ranking recommendations from a LightGCN. */
export class CfRecommender {
  private readonly be: HostBackend;
  private readonly trainMask: Csr;
  private readonly scores: Buf<'f32'>;
  private readonly userId: Buf<'i32'>;
  private readonly idx: Buf<'i32'>;
  private readonly val: Buf<'f32'>;
  private final: Buf<'f32'> | null = null;

  constructor(readonly model: LightGcn) {
    this.be = model.backend;
    this.trainMask = uploadBinaryCsr(this.be, model.dataset.train);
    this.scores = this.be.alloc('f32', model.items);
    this.userId = this.be.alloc('i32', 1);
    this.idx = this.be.alloc('i32', KERNEL_MAX_K);
    this.val = this.be.alloc('f32', KERNEL_MAX_K);
  }

  /** Phase 1: table lookups and graph propagation (all nodes); cached for the next calls. */
  propagate(): void {
    this.final = this.model.finalEmbeddings();
  }

  /** Phase 2: the user's scores over every item. */
  score(user: number): void {
    if (this.final === null) this.propagate();
    const m = this.model;
    const d = m.config.dim;
    const be = this.be;
    be.scores(1, m.items, d, be.slice(this.final!, user * d, d), be.slice(this.final!, m.users * d, m.items * d), this.scores);
  }

  /** Phase 3: the user's train items set to -Infinity. */
  filter(user: number): void {
    this.be.write(this.userId, [user]);
    this.be.maskSeen(this.scores, this.model.items, this.userId, this.trainMask);
  }

  /** Phase 4: the k best items (masked ones never returned). */
  topk(k: number): Recommendation {
    const be = this.be;
    const items = this.model.items;
    const kk = Math.min(k, items);
    let idx: Int32Array;
    let val: Float32Array;
    if (kk <= KERNEL_MAX_K) {
      be.topk(1, items, this.scores, kk, be.slice(this.idx, 0, kk), be.slice(this.val, 0, kk));
      idx = be.view(this.idx).slice(0, kk);
      val = be.view(this.val).slice(0, kk);
    } else {
      const s = be.view(this.scores);
      idx = topK(s, kk);
      val = Float32Array.from(idx, (i) => s[i]);
    }
    let n = val.length;
    while (n > 0 && val[n - 1] === -Infinity) n--;
    return { items: idx.slice(0, n), scores: val.slice(0, n) };
  }

  /** All phases for one user. */
  recommend(user: number, k: number, mask = true): Recommendation {
    if (!Number.isInteger(user) || user < 0 || user >= this.model.users) throw new DataError(`user ${user} is out of range: the model has users 0..${this.model.users - 1}`);
    if (!Number.isInteger(k) || k < 1) throw new UsageError(`-k must be a positive integer, got ${k}`);
    this.score(user);
    if (mask) this.filter(user);
    return this.topk(k);
  }

  dispose(): void {
    const be = this.be;
    be.freeCsr(this.trainMask);
    for (const b of [this.scores, this.userId, this.idx, this.val]) be.free(b);
  }
}

/** Click probabilities of rows of global feature ids from a DeepFM / DCN-Mix loaded for serving. */
export class CtrPredictor {
  private readonly ds: CtrDataset;
  readonly fields: number;
  readonly features: number;

  constructor(readonly model: DeepFm | DcnMix) {
    // The model was built on a shell dataset (no rows): requests are written into it.
    this.ds = model.dataset;
    this.fields = this.ds.fields;
    this.features = this.ds.fieldOffsets[this.fields - 1] + this.ds.fieldDims[this.fields - 1];
  }

  /** Probabilities of `rows` rows (x: rows x fields global ids, checked by the caller). */
  predict(x: Int32Array, rows: number): Float32Array {
    this.ds.x = x;
    if (this.ds.labels.length < rows) this.ds.labels = new Uint8Array(rows);
    const logits = this.model.predictLogits(Int32Array.from({ length: rows }, (_, i) => i));
    for (let i = 0; i < logits.length; i++) logits[i] = 1 / (1 + Math.exp(-logits[i]));
    return logits;
  }
}

/** The dense user index of a user id (raw ids, integer or text, when the dataset has an id map). */
export function userIndex(model: LightGcn, id: number | string): number {
  const { userIds, userNames } = model.dataset;
  if (userNames !== undefined) {
    const at = userNames.indexOf(String(id));
    if (at < 0) throw new DataError(`user ${JSON.stringify(String(id))} is not in the model's id map`);
    return at;
  }
  if (typeof id === 'string') throw new DataError(`user ${JSON.stringify(id)}: the model's user ids are integers`);
  if (userIds === undefined) return id;
  const at = userIds.indexOf(id);
  if (at < 0) throw new DataError(`user ${id} is not in the model's id map`);
  return at;
}

/** Whether the model's users have text ids (so `--user` takes any text). */
export function hasTextUserIds(model: LightGcn): boolean {
  return model.dataset.userNames !== undefined;
}

/** Raw item ids of dense indices (integer or text; identity without an id map). */
export function itemIds(model: LightGcn, items: Int32Array): (number | string)[] {
  const { itemIds: ids, itemNames: names } = model.dataset;
  return Array.from(items, (i) => (names !== undefined ? names[i] : ids === undefined ? i : ids[i]));
}

export { LightGcn };
