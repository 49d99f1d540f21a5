import { BYTES_PER_ELEMENT, isHostBackend, requireHostBackend, type Backend, type Buf } from '@lers/kernels';
import { LersDataError } from '@lers/data';
import { ModelFileError, decodeModelFile, decodeResidentModelFile, type ModelFile } from '@lers/embeddings';
import { CtrModel, LightGcnServing, backboneDefinition, loadModel, loadModelTable, residentTrainGraph, settingsOf, shellDataset, type CfServingMode } from '@lers/models';
import { CfSession } from './cf-session.js';
import { CtrSession } from './ctr-session.js';
import { MemoryLimitError } from './errors.js';
import type { PlacedBytes } from './source.js';

/** A model loaded for serving: its session, and whether the file's bytes must stay (tables used in place). */
export interface LoadedSession {
  readonly file: ModelFile;
  readonly session: CfSession | CtrSession;
  /** The file's bytes are still used (resident tables or graph); false: they can be freed. */
  readonly keepsFile: boolean;
}

/** Errors loading raises on purpose (a malformed model, a memory limit); anything else thrown while loading becomes a ModelFileError. */
function isModelError(err: unknown): boolean {
  return err instanceof LersDataError || err instanceof ModelFileError || err instanceof MemoryLimitError;
}

/**
 * Builds the serving session of a model: the header checked, the tables restored by their methods
 * in their serving form (from bytes in a host backend's memory, full, QR, TT-Rec, CSR and PTQ
 * tables are read in place; from bytes on the JS heap, their sections are uploaded), then the backbone's serving form (LightGCN:
 * `LightGcnServing` in `mode`; DeepFM / DCN-Mix: the model on the file's shell dataset). Any
 * failure is a typed error naming the file.
 */
export function loadSession(be: Backend, placed: PlacedBytes, mode: CfServingMode): LoadedSession {
  const name = placed.name;
  const file = placed.resident ? decodeResidentModelFile(requireHostBackend(be, 'a model in backend memory'), placed.bytes, name, placed.bodyChecksum) : decodeModelFile(placed.bytes, name);
  try {
    const definition = backboneDefinition(file.header.backbone);
    if (definition.task === 'cf') return { file, ...cfSession(be, file, name, mode) };
    const { model } = loadModel(file, be, undefined, name, 'serve');
    if (!(model instanceof CtrModel)) throw new ModelFileError(name, `backbone ${file.header.backbone} is not a CTR model`);
    return { file, session: new CtrSession(model), keepsFile: placed.resident };
  } catch (err) {
    if (isModelError(err)) throw err;
    throw new ModelFileError(name, (err as Error).message);
  }
}

function cfSession(be: Backend, file: ModelFile, name: string, mode: CfServingMode): { session: CfSession; keepsFile: boolean } {
  // A file in a host backend's memory: the train graph is checked and used where it lies.
  const resident = isHostBackend(be) ? residentTrainGraph(file, be, name) : undefined;
  const ds = shellDataset(file, name, { trainGraph: resident === undefined });
  if (ds.kind !== 'cf') throw new ModelFileError(name, 'a LightGCN model file must describe a cf dataset');
  const settings = settingsOf(file.header, name);
  const layers = settings.layers;
  if (!Number.isInteger(layers) || layers < 0 || layers > 64) throw new ModelFileError(name, `the config's layers must be an integer in 0..64, got ${JSON.stringify(layers)}`);
  const user = loadModelTable(file, 'user', be, 'serve');
  let item;
  try {
    item = loadModelTable(file, 'item', be, 'serve');
  } catch (err) {
    user.dispose();
    throw err;
  }
  if (user.rows !== ds.users || item.rows !== ds.items || user.dim !== item.dim || user.dim !== settings.dim) {
    user.dispose();
    item.dispose();
    throw new ModelFileError(name, `the tables (${user.rows} x ${user.dim}, ${item.rows} x ${item.dim}) do not fit the dataset (${ds.users} users, ${ds.items} items, dim ${String(settings.dim)})`);
  }
  // The graph is read where it lies in the file; the cached modes copy what they keep of it, so
  // that the file's bytes can be freed after loading.
  const graph = resident === undefined ? { host: ds.train } : { ...resident, owned: false };
  const serving = new LightGcnServing({ backend: be, user, item, layers, graph, mode });
  const { userIds, itemIds, userNames, itemNames } = ds;
  const session = new CfSession(be, serving, { ...(userIds !== undefined ? { users: userIds } : {}), ...(itemIds !== undefined ? { items: itemIds } : {}), ...(userNames !== undefined ? { userNames } : {}), ...(itemNames !== undefined ? { itemNames } : {}) });
  return { session, keepsFile: mode === 'propagate' && file.resident !== undefined };
}

/** Bytes of a buffer. */
export function bufferBytes(b: Buf): number {
  return b.length * BYTES_PER_ELEMENT[b.dtype];
}
