/** Messages between a queue worker and its cell threads. */
import type { BackendChoice } from '@lers/runtime';
import type { Cell, ProfileName } from '../bench/grid.js';
import type { CellResult } from '../bench/run.js';

/** Run one cell of a run in the store, as a local bench would. */
export interface CellRequest {
  readonly id: number;
  readonly store: string;
  readonly profile: ProfileName;
  readonly backend: BackendChoice;
  readonly threads: number;
  readonly cacheDir: string | null;
  readonly quiet: boolean;
  /** Prefix of the thread's stderr lines. */
  readonly label: string;
  readonly cell: Cell;
  /** Cells the cell may start from (its baseline). */
  readonly context: readonly Cell[];
}

/** The cell's result, or why there is none: its dataset cannot be loaded here (`data`), or the runner threw (`run`). */
export type CellReply = { readonly id: number; readonly ok: true; readonly result: CellResult } | { readonly id: number; readonly ok: false; readonly stage: 'data' | 'run'; readonly message: string };
