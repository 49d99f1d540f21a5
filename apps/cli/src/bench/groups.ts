/** The groups of a bench report: one per dataset x backbone. */
import { dataLabel } from '../data/datasets.js';
import type { CellResult } from './run.js';

/** The (dataset, backbone) groups of results in first-seen order, each with its label. */
export function groups(results: readonly CellResult[]): { dataset: string; backbone: string; label: string }[] {
  const seen = new Map<string, { dataset: string; backbone: string; label: string }>();
  for (const r of results) {
    const key = `${r.dataset}/${r.backbone}`;
    if (!seen.has(key)) seen.set(key, { dataset: r.dataset, backbone: r.backbone, label: `${dataLabel(r.dataset)}/${r.backbone}` });
  }
  return [...seen.values()];
}
