import type { Params } from './space.js';
import type { TrialOutcome } from './trial.js';

/** Parent -> worker: evaluate `exportName` of `module` (a file: URL) on one trial's parameters. */
export interface WorkerRequest {
  readonly id: number;
  readonly module: string;
  readonly exportName: string;
  readonly params: Params;
  readonly number: number;
}

/** Worker -> parent: the outcome, or the error the objective threw. */
export type WorkerReply = { readonly id: number; readonly ok: true; readonly outcome: TrialOutcome } | { readonly id: number; readonly ok: false; readonly error: string };

/** What an objective module exports for worker processes: (params, trial) -> outcome. */
export type WorkerObjective = (params: Params, trial: { readonly number: number }) => TrialOutcome | Promise<TrialOutcome>;
