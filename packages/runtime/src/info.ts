import type { JsonObject } from '@lers/data';
import type { ModelHeader } from '@lers/embeddings';
import type { CfServingMode } from '@lers/models';

/** What a loaded model is and what runs it (`Recommender.info()`). */
export interface ModelInfo {
  readonly task: 'cf' | 'ctr';
  readonly backbone: string;
  /** The compression method, its target sparsity and kind. */
  readonly method: { readonly name: string; readonly target: number | null; readonly kind: string };
  /** Per-table and total sizes as recorded at save time (params as the protocol counts them, bytes). */
  readonly sizes: JsonObject;
  /** Metrics at save time (`valid.ndcg@20`, `test.auc`, ...). */
  readonly metrics: Readonly<Record<string, number>>;
  /** The settings the model was trained with. */
  readonly config: JsonObject;
  /** The dataset's name and shape. */
  readonly dataset: { readonly name: string; readonly users: number; readonly items: number; readonly fields: number };
  /** What runs: backend, threads and why; for WebGPU the adapter (vendor, device, driver), else null. */
  readonly backend: { readonly kind: string; readonly threads: number; readonly reason: string; readonly adapter: string | null };
  /** CF: how requests are served; CTR: null. */
  readonly serving: { readonly mode: CfServingMode; readonly why: string } | null;
  /** CF: how users and results' items are named (indices, integer or text raw ids); CTR: null. */
  readonly ids: { readonly users: 'index' | 'integer' | 'text'; readonly items: 'index' | 'integer' | 'text' } | null;
  /** Bytes held on the backend by the loaded model (tables, graph, caches, the file where used in place). */
  readonly memoryBytes: number;
  readonly file: { readonly name: string; readonly bytes: number; readonly libraryVersion: string; readonly createdAt: string };
}

/** The header fields of ModelInfo. */
export function headerInfo(header: ModelHeader, kind: string): Pick<ModelInfo, 'task' | 'backbone' | 'method' | 'sizes' | 'metrics' | 'config' | 'dataset'> {
  const ds = header.dataset as { name?: unknown; users?: unknown; items?: unknown; fields?: unknown };
  const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
  return {
    task: header.task,
    backbone: header.backbone,
    method: { name: header.method.name, target: header.method.target, kind },
    sizes: header.method.sizes,
    metrics: header.metrics,
    config: header.config,
    dataset: { name: typeof ds.name === 'string' ? ds.name : '', users: num(ds.users), items: num(ds.items), fields: num(ds.fields) },
  };
}
