import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll } from 'vitest';

/** The repository root (packages/data/test -> ../../..). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The shared real datasets, `../shared/datasets` from the repository root. */
export const sharedDatasets = resolve(repoRoot, '../shared/datasets');

/** Path of a shared dataset file, whether it exists, and a logged reason when it does not. */
export function sharedFile(...parts: string[]): { path: string; exists: boolean } {
  const path = join(sharedDatasets, ...parts);
  const exists = existsSync(path);
  if (!exists) console.log(`skipping real-data test: ${path} not found (the shared datasets folder is optional)`);
  return { path, exists };
}

/** A temp directory removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lers-data-test-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Writes text (optionally gzipped) into `dir/name` and returns the path. */
export function writeText(dir: string, name: string, text: string, gzip = false): string {
  const path = join(dir, name);
  writeFileSync(path, gzip ? gzipSync(Buffer.from(text)) : text);
  return path;
}

/** Exact ROC AUC; tied scores get their average rank. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = avg;
    i = j + 1;
  }
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] === 1) {
      pos++;
      rankSum += ranks[i];
    }
  }
  const neg = n - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}
