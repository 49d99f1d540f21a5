/** The dataset of a run's settings, loaded with read progress as plain messages. */
import type { Dataset } from '@lers/data';
import type { ReadProgress } from '@lers/data/node';
import { datasetInfo, type DatasetInfo, type TrainSettings } from '@lers/models';
import type { Io } from '../cli/io.js';
import { dataRefName, expectTask, loadData, resolveDataRef, type DataRef } from './datasets.js';

/** A dataset with the reference that loads it again. */
export interface PreparedData {
  readonly ref: DataRef;
  readonly name: string;
  readonly dataset: Dataset;
}

/** Resolves and loads the settings' dataset (read progress as plain messages every 2 s). */
export async function prepareData(s: TrainSettings, io: Io | null, cacheDir?: string): Promise<PreparedData> {
  const ref = resolveDataRef(s.data, s.dataOptions);
  let last = 0;
  const onProgress = (p: ReadProgress): void => {
    const t = performance.now();
    if (t - last < 2000) return;
    last = t;
    io?.info(`  reading ${p.file}${p.phase !== undefined ? ` (${p.phase})` : ''}: ${p.rows} rows, ${p.mbPerSec.toFixed(1)} MB/s`);
  };
  const dataset = await loadData(ref, { cacheDir, onProgress, onInfo: (t) => io?.info(t) });
  expectTask(dataset, s.task, s.data);
  return { ref, name: dataRefName(ref), dataset };
}

/** The header's description of a prepared dataset (its reference reloads it). */
export function preparedInfo(data: PreparedData): DatasetInfo {
  return datasetInfo(data.ref, data.name, data.dataset);
}
