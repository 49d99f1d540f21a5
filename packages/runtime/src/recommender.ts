import type { Backend, Buf } from '@lers/kernels';
import { methodNamed, type CfServingMode } from '@lers/models';
import { chooseBackend, type BackendRequest, type ChosenBackend } from './backend-choice.js';
import { CfSession, type Id, type RecommendOptions } from './cf-session.js';
import { CtrSession, type CtrSchema, type PredictRows } from './ctr-session.js';
import { profileCf, profileCtr, type PhaseTiming, type ProfileOptions } from './profile.js';
import { RequestError } from './errors.js';
import { headerInfo, type ModelInfo } from './info.js';
import { budgetedBackend, loadBudget } from './load-budget.js';
import { bufferBytes, loadSession } from './load-model.js';
import { placeSource, type ModelSource, type PlacedBytes } from './source.js';
import type { Recommendation } from './top-k.js';

/** Options of `Recommender.load`. */
export interface LoadOptions extends BackendRequest {
  /**
   * LightGCN only: `cached` (default) propagates once at load and keeps the fp32 final embeddings;
   * `cached-int8` keeps them row-wise int8 (about a quarter of the memory); `propagate` keeps the
   * tables and graph and propagates per request (the paper's edge setting: least memory for
   * compressed tables, a propagation per call).
   */
  readonly serving?: CfServingMode;
  /**
   * Backend memory loading may allocate (default 16 x the file, at least 64 MiB): a header whose
   * sizes do not fit the file cannot make the loader allocate more. Raise it for a model whose
   * serving form is much larger than its file (a DHE or TT-Rec model over a huge catalogue).
   */
  readonly maxLoadBytes?: number;
  /**
   * The most backend memory the loaded model may hold (bytes, the file included when it is held):
   * a model whose serving form needs more is refused with a MemoryLimitError before the
   * allocation that would pass it (for devices with little memory; see `info().memoryBytes`).
   */
  readonly memoryLimit?: number;
}

/**
 * A model loaded for serving: one API whatever the backend, which the caller names (or `auto`) and
 * never touches. Every call is async; a call's kernels run back to back and read the results back
 * once per batch. `backend`, `threads` and `reason` say what actually runs.
 */
export class Recommender {
  /** The backend that runs the model. */
  readonly backend: ChosenBackend['kind'];
  readonly threads: number;
  /** Why this backend and thread count (e.g. "1 thread: SharedArrayBuffer unavailable ..."). */
  readonly reason: string;
  readonly task: 'cf' | 'ctr';
  private disposed = false;

  protected constructor(
    private readonly chosen: ChosenBackend,
    private readonly fileBytes: Buf<'u8'> | null,
    private readonly session: CfSession | CtrSession,
    private readonly infoBase: Omit<ModelInfo, 'memoryBytes' | 'ids'>,
  ) {
    this.backend = chosen.kind;
    this.threads = chosen.threads;
    this.reason = chosen.reason;
    this.task = infoBase.task;
  }

  /**
   * Loads a model from its bytes, a fetch Response or a URL (file paths: `@lers/runtime/node`) on
   * the requested backend. A malformed file is a typed error naming what is wrong (CacheFormatError
   * for the container, ModelFileError / ModelContentError for its contents).
   */
  static async load(source: ModelSource, options: LoadOptions = {}): Promise<Recommender> {
    return Recommender.loadWith((be) => placeSource(be, source), options);
  }

  /** Loads with a function that puts the model's bytes into the chosen backend's memory. */
  protected static async loadWith(place: (be: Backend) => Promise<PlacedBytes>, options: LoadOptions): Promise<Recommender> {
    const chosen = await chooseBackend(options);
    const be = chosen.backend;
    try {
      const placed = await place(be);
      let keep = placed.resident;
      try {
        const mode = options.serving ?? 'cached';
        const { limit, overLimit } = loadBudget(placed.name, placed.byteLength, placed.resident, options);
        const budget = budgetedBackend(be, limit, overLimit);
        const { file, session, keepsFile } = loadSession(budget.backend, placed, mode);
        budget.lift();
        keep = keepsFile && placed.resident;
        const h = file.header;
        const info: Omit<ModelInfo, 'memoryBytes' | 'ids'> = {
          ...headerInfo(h, methodNamed(h.method.name).kind),
          backend: { kind: chosen.kind, threads: chosen.threads, reason: chosen.reason, adapter: chosen.adapter },
          serving: h.task === 'cf' ? { mode, why: options.serving === undefined ? 'default: propagated once at load' : `${mode} as asked` } : null,
          file: { name: placed.name, bytes: placed.byteLength, libraryVersion: h.libraryVersion, createdAt: h.createdAt },
        };
        return new this(chosen, keep && placed.resident ? placed.bytes : null, session, info);
      } finally {
        if (!keep && placed.resident) be.free(placed.bytes);
      }
    } catch (err) {
      be.dispose();
      throw err;
    }
  }

  /** CF: the top-k items of a user (as named in the model: raw ids when it has an id map). */
  async recommend(user: Id, options: RecommendOptions = {}): Promise<Recommendation> {
    const [r] = await this.cf('recommend').recommendMany([user], options);
    return r;
  }

  /** CF: the top-k items of each user, scored in batches. */
  recommendMany(users: readonly Id[], options: RecommendOptions = {}): Promise<Recommendation[]> {
    return this.cf('recommendMany').recommendMany(users, options);
  }

  /** CF: a user's scores for the given items (train items not masked). */
  score(user: Id, items: readonly Id[]): Promise<Float32Array> {
    return this.cf('score').score(user, items);
  }

  /** CTR: click probabilities of rows of feature ids, or of raw rows when the model carries its vocabulary. */
  predict(rows: PredictRows): Promise<Float32Array> {
    return this.ctr('predict').predict(rows);
  }

  /** CTR: the fields the model reads (names, id ranges) and its raw-row vocabulary, if any. */
  ctrSchema(): CtrSchema {
    return this.ctr('ctrSchema').schema;
  }

  /** What the model is and what runs it. */
  info(): ModelInfo {
    this.checkAlive();
    return { ...this.infoBase, ids: this.session instanceof CfSession ? this.session.idKinds : null, memoryBytes: this.memoryBytes() };
  }

  /** Frees the model and its backend (worker threads included); the object is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.session.dispose();
    if (this.fileBytes !== null) this.chosen.backend.free(this.fileBytes);
    this.chosen.backend.dispose();
  }

  /**
   * Times requests on this device: CF single requests split into propagation / scoring /
   * filtering / top-k; CTR batches and single rows. Seeded, so runs compare.
   */
  profile(options: ProfileOptions = {}): Promise<Record<string, PhaseTiming>> {
    this.checkAlive();
    return this.session instanceof CfSession ? profileCf(this.chosen.backend, this.session, options) : profileCtr(this.session, options);
  }

  private memoryBytes(): number {
    const be = this.chosen.backend as Backend & { heap?: { liveBytes: number }; liveBytes?: number };
    // The WASM allocator and the WebGPU backend know exactly; otherwise count the file and the serving buffers.
    if (be.heap !== undefined) return be.heap.liveBytes;
    if (be.liveBytes !== undefined) return be.liveBytes;
    return (this.fileBytes !== null ? bufferBytes(this.fileBytes) : 0) + (this.session instanceof CfSession ? this.session.serving.memoryBytes() : 0);
  }

  private cf(call: string): CfSession {
    this.checkAlive();
    if (!(this.session instanceof CfSession)) throw new RequestError(`${call}: this is a ${this.task} model; recommendations need a cf (LightGCN) model (use predict)`);
    return this.session;
  }

  private ctr(call: string): CtrSession {
    this.checkAlive();
    if (!(this.session instanceof CtrSession)) throw new RequestError(`${call}: this is a ${this.task} model; click prediction needs a ctr (DeepFM / DCN-Mix) model (use recommend)`);
    return this.session;
  }

  private checkAlive(): void {
    if (this.disposed) throw new RequestError('the recommender was disposed');
  }
}
