/**
 * Messages between the page and its engine worker. Every kernel runs in the worker (training,
 * serving, profiling), so the page stays responsive and threads can block on Atomics there; the
 * page only renders. A request carries an id; the worker answers with progress events and one
 * result or error for that id.
 */
import type { BenchCell, DatasetShape, DeviceProfile } from '@lers/advisor';
import type { BackendChoice, CfServingMode, ModelInfo, PhaseTiming } from '@lers/runtime';

/** What runs here: isolation, threads, WebGPU. */
export interface EnvironmentReport {
  readonly crossOriginIsolated: boolean;
  /** Can WASM threads run (the runtime's own check) and why not. */
  readonly threads: { readonly ok: boolean; readonly why: string };
  readonly hardwareConcurrency: number;
  /** Does the browser expose WebGPU, and does the lers runtime run on it (`chooseBackend('webgpu')`). */
  readonly webgpu: { readonly browser: boolean; readonly runtime: boolean; readonly why: string };
}

/** The demo model trained in the page. */
export interface DemoRequest {
  readonly task: 'cf' | 'ctr';
  readonly method: string;
  readonly target: number | null;
  readonly epochs: number;
  readonly threads: number;
}

/** A loaded model as the page shows it. */
export interface LoadedReport {
  readonly info: ModelInfo;
  /** CTR: the fields (names, first global id, ids per field); CF: null. */
  readonly schema: { readonly fieldNames: readonly string[]; readonly fieldOffsets: readonly number[]; readonly fieldDims: readonly number[] } | null;
  readonly loadMs: number;
}

/** A candidate measured for the advisor (or why it was not). */
export type MeasuredCell = { readonly id: string; readonly profile: DeviceProfile; readonly source: 'file' | 'stand-in' } | { readonly id: string; readonly profile: null; readonly why: string };

export type EngineRequest =
  | { readonly kind: 'env' }
  | { readonly kind: 'train-demo'; readonly demo: DemoRequest }
  | { readonly kind: 'load'; readonly bytes: Uint8Array; readonly name: string; readonly backend: BackendChoice; readonly threads: number; readonly serving: CfServingMode }
  | { readonly kind: 'recommend'; readonly user: string; readonly k: number }
  | { readonly kind: 'predict'; readonly rows: readonly (readonly number[])[] }
  | { readonly kind: 'profile'; readonly repeats: number }
  | { readonly kind: 'measure'; readonly cells: readonly BenchCell[]; readonly shape: DatasetShape | null; readonly files: readonly { readonly name: string; readonly bytes: Uint8Array }[]; readonly backend: BackendChoice; readonly threads: number; readonly repeats: number };

/** Progress of a long request (training batches, models measured). */
export interface EngineProgress {
  readonly done: number;
  readonly total: number;
  readonly label: string;
}

export interface EngineResults {
  env: EnvironmentReport;
  'train-demo': { readonly bytes: Uint8Array; readonly summary: string };
  load: LoadedReport;
  recommend: { readonly user: string; readonly items: readonly (number | string)[]; readonly scores: readonly number[]; readonly ms: number };
  predict: { readonly probabilities: readonly number[]; readonly ms: number };
  profile: { readonly phases: Readonly<Record<string, PhaseTiming>>; readonly memoryBytes: number; readonly backend: string; readonly threads: number; readonly reason: string };
  measure: { readonly cells: readonly MeasuredCell[] };
}

/** Page -> worker. */
export interface EngineCall {
  readonly id: number;
  readonly request: EngineRequest;
}

/** Worker -> page. A measured cell also arrives on its own (`partial`), so a stopped run keeps what it measured. */
export type EngineReply =
  | { readonly id: number; readonly type: 'progress'; readonly progress: EngineProgress; readonly partial?: MeasuredCell }
  | { readonly id: number; readonly type: 'result'; readonly value: unknown }
  | { readonly id: number; readonly type: 'error'; readonly name: string; readonly message: string };
