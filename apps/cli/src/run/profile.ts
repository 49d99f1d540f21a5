/**
 * The protocol's edge measurements of a model file on this machine: load time and memory, peak
 * memory, CF single-request latency split into propagation, scoring, filtering and top-k, CTR
 * batch latency; min/median/max over repeats.
 */
import { stat } from 'node:fs/promises';
import { Rng, type HostBackend } from '@lers/kernels';
import { memorySnapshot } from '@lers/eval';
import { DataError } from '../cli/errors.js';
import { modelTables } from '../model-io/build.js';
import { loadModel, tableSizes } from '../model-io/model-io.js';
import { CfRecommender, CtrPredictor, LightGcn, openModelFile } from '../model-io/serve.js';

/** min/median/max of a phase, in milliseconds. */
export interface PhaseTiming {
  readonly minMs: number;
  readonly medianMs: number;
  readonly maxMs: number;
}

export function summarize(samples: readonly number[]): PhaseTiming {
  const s = [...samples].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { minMs: s[0], medianMs: s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2, maxMs: s[s.length - 1] };
}

/** Options of profileModelFile. */
export interface ProfileOptions {
  readonly repeats: number;
  readonly warmup: number;
  /** CF: users to request (default: seeded random users, one per repeat). */
  readonly users?: readonly number[];
  readonly k: number;
  /** CTR: rows per batch (default 64). */
  readonly batch: number;
  readonly seed: number;
}

/** The measurements. */
export interface ProfileResult {
  readonly task: 'cf' | 'ctr';
  readonly backbone: string;
  readonly method: string;
  readonly target: number | null;
  readonly backend: string;
  readonly threads: number;
  readonly fileBytes: number;
  readonly params: number;
  readonly sparsity: number;
  readonly embeddingBytes: number;
  readonly load: { readonly readMs: number; readonly buildMs: number; readonly totalMs: number; readonly rssDeltaBytes: number | null; readonly heapDeltaBytes: number | null; readonly arrayBuffersDeltaBytes: number | null };
  readonly peakRssBytes: number | null;
  readonly repeats: number;
  /** CF: propagation, scoring, filtering, topk, total; CTR: batch (of `batch` rows) and single (1 row). */
  readonly latency: Readonly<Record<string, PhaseTiming>>;
  readonly batch: number | null;
  readonly k: number | null;
}

/** Loads and measures a model file (the file is read here so the load is timed). */
export async function profileModelFile(path: string, be: HostBackend, options: ProfileOptions): Promise<ProfileResult> {
  const before = memorySnapshot();
  const t0 = performance.now();
  const file = await openModelFile(path);
  const t1 = performance.now();
  const { model } = loadModel(file, be);
  const t2 = performance.now();
  const after = memorySnapshot();
  const delta = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a - b);
  try {
    const sizes = tableSizes(modelTables(model));
    const latency: Record<string, PhaseTiming> = {};
    const rng = new Rng(options.seed, 0x70726f66);
    if (model instanceof LightGcn) {
      for (const u of options.users ?? []) {
        if (!Number.isInteger(u) || u < 0 || u >= model.users) throw new DataError(`user ${u} is out of range: the model has users 0..${model.users - 1}`);
      }
      const rec = new CfRecommender(model);
      try {
        const phases = { propagation: [] as number[], scoring: [] as number[], filtering: [] as number[], topk: [] as number[], total: [] as number[] };
        for (let r = 0; r < options.warmup + options.repeats; r++) {
          const user = options.users !== undefined && options.users.length > 0 ? options.users[r % options.users.length] : rng.nextU32() % model.users;
          const a = performance.now();
          rec.propagate();
          const b = performance.now();
          rec.score(user);
          const c = performance.now();
          rec.filter(user);
          const d = performance.now();
          rec.topk(options.k);
          const e = performance.now();
          if (r < options.warmup) continue;
          phases.propagation.push(b - a);
          phases.scoring.push(c - b);
          phases.filtering.push(d - c);
          phases.topk.push(e - d);
          phases.total.push(e - a);
        }
        for (const [k, v] of Object.entries(phases)) latency[k] = summarize(v);
      } finally {
        rec.dispose();
      }
    } else {
      const pred = new CtrPredictor(model);
      const ds = model.dataset;
      const rowsOf = (n: number): Int32Array => {
        const x = new Int32Array(n * pred.fields);
        for (let i = 0; i < n; i++) for (let f = 0; f < pred.fields; f++) x[i * pred.fields + f] = ds.fieldOffsets[f] + (rng.nextU32() % ds.fieldDims[f]);
        return x;
      };
      for (const [name, n] of [['batch', options.batch], ['single', 1]] as const) {
        const samples: number[] = [];
        for (let r = 0; r < options.warmup + options.repeats; r++) {
          const x = rowsOf(n);
          const a = performance.now();
          await pred.predict(x, n);
          const b = performance.now();
          if (r >= options.warmup) samples.push(b - a);
        }
        latency[name] = summarize(samples);
      }
    }
    return {
      task: file.header.task,
      backbone: file.header.backbone,
      method: file.header.method.name,
      target: file.header.method.target,
      backend: be.kind,
      threads: be.threads,
      fileBytes: (await stat(path)).size,
      params: sizes.params,
      sparsity: sizes.sparsity,
      embeddingBytes: sizes.memoryBytes,
      load: { readMs: t1 - t0, buildMs: t2 - t1, totalMs: t2 - t0, rssDeltaBytes: delta(after.rssBytes, before.rssBytes), heapDeltaBytes: delta(after.heapUsedBytes, before.heapUsedBytes), arrayBuffersDeltaBytes: delta(after.arrayBuffersBytes, before.arrayBuffersBytes) },
      peakRssBytes: memorySnapshot().maxRssBytes,
      repeats: options.repeats,
      latency,
      batch: model instanceof LightGcn ? null : options.batch,
      k: model instanceof LightGcn ? options.k : null,
    };
  } finally {
    model.dispose();
  }
}
