import type { Backend, Buf } from '@lers/kernels';
import type { JsonObject, SectionArray } from '@lers/data';
import type { ModelContents, SerializedTable } from '@lers/embeddings';
import { backboneDefinition } from '../backbones/registry.js';
import type { RecommenderModel } from '../backbones/recommender-model.js';
import type { TrainSettings } from '../settings/settings.js';
import type { DatasetInfo } from './header.js';
import { tableSizes } from './sizes.js';
import { LIBRARY_VERSION } from './version.js';

/** The header fields of a model file besides its tables and arrays. */
export interface SaveInfo {
  readonly settings: TrainSettings;
  /** The effective config as stored (normally the settings themselves). */
  readonly config: JsonObject;
  readonly method: { readonly name: string; readonly target: number | null; readonly options?: Record<string, JsonObject> };
  readonly dataset: DatasetInfo;
  readonly metrics: Readonly<Record<string, number>>;
  /** Anything else worth keeping (training history summary, compression details). */
  readonly extra?: JsonObject;
}

/** Host copies of named buffers. */
async function readAll(be: Backend, named: Readonly<Record<string, Buf<'f32'>>>): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [name, buf] of Object.entries(named)) out[name] = await be.read(buf);
  return out;
}

/**
 * Maps a trained model to the contents of a `.lers` file: each table in its method's serialised
 * form, the dense parameters and buffers by name (`dense/<name>`), the backbone's own arrays (the
 * LightGCN train graph and id maps), a CTR dataset's vocabulary, and the header.
 */
export async function saveModel(model: RecommenderModel, info: SaveInfo): Promise<ModelContents> {
  const be = model.backend;
  const live = model.embeddingTables();
  const tables: Record<string, SerializedTable> = {};
  for (const [name, t] of Object.entries(live)) tables[name] = await t.serialize();
  const dense: Record<string, SectionArray> = {
    ...(await readAll(be, Object.fromEntries(model.denseParameters().map((p) => [p.name, p.value])))),
    ...(await readAll(be, model.buffers())),
    ...backboneDefinition(model.backbone).fileSections(model),
  };
  const header: ModelContents['header'] = {
    libraryVersion: LIBRARY_VERSION,
    createdAt: new Date().toISOString(),
    task: model.task,
    backbone: model.backbone,
    method: { name: info.method.name, target: info.method.target, sizes: await tableSizes(live, info.method.options) },
    config: info.config,
    dataset: info.dataset,
    metrics: info.metrics,
    ...(info.extra !== undefined ? { extra: info.extra } : {}),
  };
  const vocabulary = model.dataset.kind === 'ctr' ? model.dataset.vocabulary?.serialize() : undefined;
  return { header, tables, dense, ...(vocabulary !== undefined ? { vocabulary } : {}) };
}
