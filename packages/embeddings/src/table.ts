import type { Backend, Buf, DType } from '@lers/kernels';
import type { Parameter } from './parameter.js';

/** Where a lookup happens: training passes keep state for backward (dropout, BatchNorm, caches). */
export interface LookupContext {
  readonly training: boolean;
}

/** Sizes of a table as the protocol counts them, and its real memory. */
export interface TableSize {
  /** Parameters as the protocol counts them (pruned methods: non-zeros; QR/TT/DHE: all). */
  readonly params: number;
  /** Non-zero stored values. */
  readonly nonZeros: number;
  /** Bytes in memory, including index and cache overhead. */
  readonly memoryBytes: number;
  /** Bytes in the model file. */
  readonly diskBytes: number;
}

/** The serialised form of a table: a JSON-able header and named typed-array sections. */
export interface SerializedTable {
  readonly method: string;
  readonly header: Record<string, unknown>;
  readonly sections: Record<string, Float32Array | Int32Array | Uint8Array | Uint16Array | Int8Array | Int16Array | Uint32Array>;
  /**
   * The same sections as handles on the loading backend, when the model file was read into its
   * memory: a loader may use one in place (not owned: never freed by the table) instead of
   * copying `sections[name]`.
   */
  readonly resident?: Readonly<Record<string, Buf>>;
  /** A resident section read as another dtype of its element size (fp16 codes stored as u16); present with `resident`. */
  readonly residentAs?: (section: string, dtype: DType) => Buf | undefined;
}

/**
 * Training progress a table keeps outside its parameters (a mask search's captures, a sampling
 * stream): what a training checkpoint needs besides the parameters to resume exactly.
 */
export interface TableTrainingState {
  readonly header: Record<string, unknown>;
  readonly sections: Readonly<Record<string, Float32Array | Int32Array | Uint8Array>>;
}

/**
 * An embedding table of `rows` x `dim`, stored in whatever compressed form a method uses. Every
 * compression method implements this interface; models only ever talk to it.
 */
export interface EmbeddingTable {
  readonly method: string;
  readonly rows: number;
  readonly dim: number;
  readonly backend: Backend;
  /** out (ids.length x dim) = rows `ids` of the (decompressed) table. Ids outside [0, rows) throw. */
  lookup(ids: Buf<'i32'>, out: Buf<'f32'>, ctx: LookupContext): void;
  /** Accumulates parameter gradients for a lookup of `ids` whose output gradient is dOut. */
  backward(ids: Buf<'i32'>, dOut: Buf<'f32'>): void;
  /** out (rows x dim) = the whole table (LightGCN propagates all rows every step). */
  lookupAll(out: Buf<'f32'>, ctx: LookupContext): void;
  /** Accumulates parameter gradients given the gradient of the whole table (rows x dim). */
  backwardAll(dOut: Buf<'f32'>): void;
  /**
   * The table's rows x dim values in place, for tables that store them densely (the full table):
   * serving can read them without copying. Absent for compressed forms.
   */
  denseValues?(): Buf<'f32'>;
  /**
   * Counts the rows a training step really reads when the model takes the whole table through
   * lookupAll (LightGCN: the batch's users, or its positive and negative items; one count per
   * occurrence), for tables that keep access statistics (TT-Rec's LFU cache). `lookup` counts its
   * own ids; ids outside [0, rows) throw.
   */
  countReads?(ids: Int32Array): void;
  /** Trainable parameters, with their optimizer settings. */
  parameters(): readonly Parameter[];
  /** Parameter count, non-zeros and bytes (see TableSize); counting non-zeros may read the values back (non-host backends). */
  size(): Promise<TableSize>;
  /** Training-stage hooks (e.g. a TT-Rec cache refresh, a PEP mask capture). */
  onEpochStart?(epoch: number): void;
  onEpochEnd?(epoch: number): void;
  /** Training progress outside the parameters, for checkpoints (PEP, CERP, OptEmbed search forms). */
  trainingState?(): TableTrainingState;
  /** Restores what `trainingState` returned, on a table created with the same options. */
  restoreTrainingState?(state: TableTrainingState): void;
  /** Exact serialised form; `loadTable` restores an equal table. */
  serialize(): Promise<SerializedTable>;
  /** Frees the table's buffers. */
  dispose(): void;
}
