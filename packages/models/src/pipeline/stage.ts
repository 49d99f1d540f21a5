import type { TableSpec } from '../ctr/ctr-model.js';
import type { Model } from '../model.js';
import type { TrainConfig } from '../train/config.js';
import type { TrainEventHandler, TrainResult } from '../train/events.js';
import type { Artifact, Artifacts } from './artifacts.js';
import type { Backbone } from './backbone.js';
import type { StepHooks } from './stage-model.js';

/** What a stage produces: artifacts for later stages and JSON-able facts (metrics, sizes, sparsities). */
export interface StageOutput<M extends Model = Model> {
  readonly artifacts?: Artifacts;
  readonly info?: Readonly<Record<string, unknown>>;
  /** A trained model handed to the pipeline's caller, who disposes it (not persisted: see `Stage.reload`). */
  readonly model?: M;
}

/** What a stage can use while it runs. */
export interface StageContext<M extends Model> {
  readonly backbone: Backbone<M>;
  /** The stage's position (0-based) and name. */
  readonly index: number;
  readonly name: string;
  /** An artifact of an earlier stage (throws when there is none of that name). */
  artifact(name: string): Artifact;
  /** The artifacts whose names start with `prefix`, keyed by the rest of the name. */
  artifactsUnder(prefix: string): Readonly<Record<string, Artifact>>;
  /** The info of an earlier completed stage (throws when it has not completed). */
  info(stage: string): Readonly<Record<string, unknown>>;
  /**
   * Writes the initial weights saved under `key` before the first stage into the model's
   * parameters of the same name and size (others keep their values); returns how many it wrote.
   */
  restoreInitial(model: M, key: string): number;
  /**
   * Runs `train` on the model with the stage's hooks; with a state directory and a resumable stage,
   * the stage's own checkpoint file makes an interrupted stage resume inside itself. Resolves to
   * null when `hooks.stopWhen` ended the training early. `config.checkpoint` is ignored.
   */
  train(model: M, config: TrainConfig, hooks?: StepHooks): Promise<TrainResult | null>;
}

/** One step of a method's pipeline (search, supernet training, evolutionary search, retraining). */
export interface Stage<M extends Model> {
  readonly name: string;
  /**
   * The stage can resume inside itself from train()'s checkpoint: true only when its whole state is
   * parameters, optimizer state, model buffers and the tables' training state (retraining; PEP's and
   * CERP's mask search with their captures; OptEmbed's supernet with its sampling stream). Other
   * stages restart when interrupted.
   */
  readonly resumable?: boolean;
  run(ctx: StageContext<M>): Promise<StageOutput<M>>;
  /**
   * For a stage that hands out a model: rebuilds that model from the stage's artifacts when a later
   * run finds the stage already completed (so a resumed pipeline returns the same models).
   */
  readonly reload?: (ctx: StageContext<M>) => M;
}

/** A method's pipeline: the tables whose initial weights are saved first, then its stages in order. */
export interface PipelineDefinition<M extends Model> {
  readonly method: string;
  /** Table specs whose freshly initialised model weights are saved before the first stage, by key. */
  readonly initial: Readonly<Record<string, TableSpec>>;
  readonly stages: readonly Stage<M>[];
}

/** Progress of a pipeline. */
export type PipelineEvent =
  | { readonly type: 'resume'; readonly completed: readonly string[] }
  | { readonly type: 'initial'; readonly keys: readonly string[] }
  | { readonly type: 'stage-start'; readonly index: number; readonly name: string }
  | { readonly type: 'stage-end'; readonly index: number; readonly name: string; readonly seconds: number; readonly info: Readonly<Record<string, unknown>> };

/** How to run a pipeline. */
export interface PipelineOptions {
  /** Directory of the state file and the stages' checkpoints (Node); without it nothing is saved and nothing resumes. */
  readonly dir?: string;
  /** JSON-able description of everything that determines the result; a state file written for another one is refused. */
  readonly fingerprint?: unknown;
  readonly onEvent?: (event: PipelineEvent) => void;
  /** Receives the training events of every stage. */
  readonly onTrainEvent?: TrainEventHandler;
}

/** A completed stage. */
export interface StageRecord {
  readonly name: string;
  /** Wall-clock seconds the stage took when it ran (a resumed run keeps the recorded time). */
  readonly seconds: number;
  readonly info: Readonly<Record<string, unknown>>;
  /** True when this run found the stage already completed in the state file. */
  readonly resumed: boolean;
}

/** What `runPipeline` returns. */
export interface PipelineResult<M extends Model = Model> {
  readonly stages: readonly StageRecord[];
  /** Every artifact (the initial weights under `initial/<key>/<parameter>`). */
  readonly artifacts: Artifacts;
  /** The models stages handed out (run now, or rebuilt by `reload`), by stage name; the caller disposes them. */
  readonly models: Readonly<Record<string, M>>;
}
