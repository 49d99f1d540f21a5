/**
 * The candidates of an advice: one per cell of a (dataset, backbone) group that has a test metric;
 * cells without one (unreachable targets, failed runs) are kept aside with the reason.
 */
import { AdviceInputError } from './errors.js';
import { cellGroups, cellLabel, cellMetric, type BenchCell, type BenchResults, type CellGroup } from './results.js';

/** A method at a target, with its accuracy from the bench. */
export interface Candidate {
  readonly cell: BenchCell;
  /** "qr@80%" or "full". */
  readonly label: string;
  /** The test value of the group's selection metric. */
  readonly metric: number;
}

/** A cell that cannot be a candidate, and why. */
export interface SkippedCell {
  readonly cell: BenchCell;
  readonly why: string;
}

/** The candidates of one group. */
export interface CandidateSet {
  readonly group: CellGroup;
  /** The selection metric (ndcg@20, auc). */
  readonly metricName: string;
  readonly candidates: readonly Candidate[];
  readonly skipped: readonly SkippedCell[];
}

/** Which groups to advise on (all when empty). */
export interface GroupFilter {
  readonly task?: 'cf' | 'ctr';
  readonly dataset?: string;
  readonly backbone?: string;
}

function skipReason(cell: BenchCell): string {
  if (cell.status === 'unreachable') return `the method cannot reach this target${cell.message !== undefined ? ` (${cell.message})` : ''}`;
  if (cell.status !== 'ok') return `${cell.status}${cell.message !== undefined ? `: ${cell.message}` : ''}`;
  return 'no test metric recorded';
}

/** The candidate sets of the groups that pass `filter` (an AdviceInputError naming the groups when none does). */
export function candidateSets(results: BenchResults, filter: GroupFilter = {}, file = 'results.json'): CandidateSet[] {
  const all = cellGroups(results.cells);
  const groups = all.filter((g) => (filter.task === undefined || g.task === filter.task) && (filter.dataset === undefined || g.dataset === filter.dataset) && (filter.backbone === undefined || g.backbone === filter.backbone));
  if (groups.length === 0) {
    const asked = Object.entries(filter).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${String(v)}`).join(', ');
    throw new AdviceInputError(`${file}: no cells of ${asked || 'any group'} (the file has ${all.map((g) => `${g.dataset}/${g.backbone} (${g.task})`).join(', ') || 'no cells'})`);
  }
  return groups.map((group) => {
    const cells = results.cells.filter((c) => c.dataset === group.dataset && c.backbone === group.backbone);
    const candidates: Candidate[] = [];
    const skipped: SkippedCell[] = [];
    for (const cell of cells) {
      const metric = cellMetric(cell);
      if (metric === null) skipped.push({ cell, why: skipReason(cell) });
      else candidates.push({ cell, label: cellLabel(cell), metric });
    }
    const metricName = cells.find((c) => c.metric !== undefined)?.metric ?? (group.task === 'cf' ? 'ndcg@20' : 'auc');
    return { group, metricName, candidates, skipped };
  });
}
