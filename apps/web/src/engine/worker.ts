/// <reference lib="webworker" />
/** The engine worker: holds the loaded model and runs every request the page sends (see protocol.ts). */
import { Recommender } from '@lers/runtime';
import { trainDemo } from './demo.js';
import { environment } from './env.js';
import { measureCells } from './measure.js';
import type { EngineCall, EngineReply, EngineRequest, EngineResults, EngineProgress, MeasuredCell } from './protocol.js';

let loaded: Recommender | null = null;

function model(): Recommender {
  if (loaded === null) throw new Error('no model is loaded');
  return loaded;
}

function post(reply: EngineReply, transfer: Transferable[] = []): void {
  (globalThis as unknown as DedicatedWorkerGlobalScope).postMessage(reply, transfer);
}

async function handle(request: EngineRequest, progress: (p: EngineProgress, partial?: MeasuredCell) => void): Promise<EngineResults[EngineRequest['kind']]> {
  switch (request.kind) {
    case 'env':
      return environment();
    case 'train-demo':
      return trainDemo(request.demo, progress);
    case 'load': {
      const t0 = performance.now();
      // A file that fails to load leaves the model loaded before it in place.
      const rec = await Recommender.load(request.bytes, { backend: request.backend, threads: request.threads, serving: request.serving }).catch((err: unknown) => {
        // The runtime names raw bytes "<bytes>": name the file the user gave instead.
        if (err instanceof Error && err.message.startsWith('<bytes>: ')) err.message = `${request.name}: ${err.message.slice(9)}`;
        throw err;
      });
      loaded?.dispose();
      loaded = rec;
      const schema = rec.task === 'ctr' ? rec.ctrSchema() : null;
      return {
        info: rec.info(),
        schema: schema === null ? null : { fieldNames: [...schema.fieldNames], fieldOffsets: Array.from(schema.fieldOffsets), fieldDims: Array.from(schema.fieldDims) },
        loadMs: performance.now() - t0,
      };
    }
    case 'recommend': {
      const rec = model();
      const text = rec.info().ids?.users === 'text';
      const user = text ? request.user : Number(request.user);
      if (!text && !(Number.isInteger(user) && (user as number) >= 0)) throw new RangeError(`user must be an integer id >= 0, got ${JSON.stringify(request.user)}`);
      const t0 = performance.now();
      const r = await rec.recommend(user, { k: request.k });
      return { user: request.user, items: Array.from<number | string>(r.items), scores: Array.from(r.scores), ms: performance.now() - t0 };
    }
    case 'predict': {
      const t0 = performance.now();
      const p = await model().predict(request.rows.map((r) => Int32Array.from(r)));
      return { probabilities: Array.from(p), ms: performance.now() - t0 };
    }
    case 'profile': {
      const rec = model();
      const phases = await rec.profile({ repeats: request.repeats, warmup: 3 });
      const info = rec.info();
      return { phases, memoryBytes: info.memoryBytes, backend: info.backend.kind, threads: info.backend.threads, reason: info.backend.reason };
    }
    case 'measure':
      return { cells: await measureCells(request, (m, p) => { progress(p, m); }) };
  }
}

(globalThis as unknown as DedicatedWorkerGlobalScope).onmessage = (e: MessageEvent<EngineCall>) => {
  const { id, request } = e.data;
  handle(request, (progress, partial) => { post({ id, type: 'progress', progress, ...(partial !== undefined ? { partial } : {}) }); }).then(
    (value) => {
      const bytes = (value as { bytes?: unknown }).bytes;
      post({ id, type: 'result', value }, bytes instanceof Uint8Array ? [bytes.buffer] : []);
    },
    (err: unknown) => {
      const e2 = err instanceof Error ? err : new Error(String(err));
      post({ id, type: 'error', name: e2.name, message: e2.message });
    },
  );
};
