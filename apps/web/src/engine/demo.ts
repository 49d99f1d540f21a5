/**
 * The demo model: synthetic data generated in the page, a model trained on it through
 * `trainFromSettings` on the WASM backend, saved to `.lers` bytes as `lers train` writes them.
 */
import { generateSyntheticCf, generateSyntheticCtr, type JsonObject } from '@lers/data';
import { encodeModelFile } from '@lers/embeddings';
import { datasetInfo, defaultSettings, planOptions, saveModel, trainFromSettings, type TrainSettings } from '@lers/models';
import { chooseBackend } from '@lers/runtime';
import type { DemoRequest, EngineProgress } from './protocol.js';

/** The demo's data: small enough to train in seconds in a browser. */
export const DEMO_DATA = {
  cf: { users: 1000, items: 1500, seed: 7 },
  ctr: { rows: 20000, cardinalities: [1000, 400, 120, 60, 30, 12, 6], seed: 7 },
} as const;

/** The demo's settings: the protocol's defaults, smaller and faster. */
export function demoSettings(d: DemoRequest): TrainSettings {
  const base = defaultSettings(d.task, d.task === 'cf' ? 'lightgcn' : 'deepfm', `synthetic-${d.task}`);
  const common = { method: d.method, target: d.method === 'full' ? null : d.target, epochs: d.epochs, lr: 0.01, budgetTolerance: 0.05, validEvery: 1 };
  if (d.task === 'cf') return { ...base, ...common, dataOptions: { ...DEMO_DATA.cf }, dim: 64, batchSize: 1024, clWeight: 0 };
  return { ...base, ...common, dataOptions: { ...DEMO_DATA.ctr, cardinalities: [...DEMO_DATA.ctr.cardinalities] }, batchSize: 512, hidden: [64, 64], dropout: 0.2 };
}

/** Trains the demo model and returns its file bytes with a one-line summary. */
export async function trainDemo(d: DemoRequest, progress: (p: EngineProgress) => void): Promise<{ bytes: Uint8Array; summary: string }> {
  const s = demoSettings(d);
  const dataset = d.task === 'cf' ? generateSyntheticCf(DEMO_DATA.cf).dataset : generateSyntheticCtr({ ...DEMO_DATA.ctr, cardinalities: [...DEMO_DATA.ctr.cardinalities] }).dataset;
  const chosen = await chooseBackend({ backend: 'wasm', threads: d.threads });
  try {
    let last = 0;
    const outcome = await trainFromSettings(chosen.backend, dataset, s, {
      onEvent: (e) => {
        if (e.type !== 'batch' || e.batches === null) return;
        const now = performance.now();
        if (now - last < 100 && e.batch + 1 < e.batches) return;
        last = now;
        progress({ done: (e.epoch - 1) * e.batches + e.batch + 1, total: s.epochs * e.batches, label: `epoch ${e.epoch}/${s.epochs}, loss ${e.loss.toFixed(4)}` });
      },
    });
    try {
      const contents = await saveModel(outcome.model, {
        settings: s,
        config: s as unknown as JsonObject,
        method: { name: s.method, target: s.target, options: planOptions(outcome.plans) },
        dataset: datasetInfo({ kind: 'synthetic', name: `synthetic-${d.task}`, options: s.dataOptions }, `synthetic-${d.task}`, dataset),
        metrics: outcome.metrics,
        extra: { trainedIn: 'lers web app', trainSeconds: outcome.result.trainSeconds },
      });
      const metric = outcome.model.selectionMetric;
      const test = outcome.result.test?.[metric];
      return {
        bytes: encodeModelFile(contents),
        summary: `${s.backbone} ${s.method}${s.target !== null ? `@${s.target * 100}%` : ''}, ${s.epochs} epochs in ${outcome.result.trainSeconds.toFixed(1)} s on ${chosen.kind} (${chosen.reason}); test ${metric} ${test?.toFixed(4) ?? '-'}`,
      };
    } finally {
      outcome.model.dispose();
    }
  } finally {
    chosen.backend.dispose();
  }
}
