/**
 * A run as BullMQ flows, one per dataset x backbone:
 *
 *   group                       (completes when the whole group is done)
 *   ├── cell ... cell           (cells that train on their own)
 *   └── after-baseline          (waits for its child, the full model's cell)
 *       └── cell full           (the baseline)
 *
 * When the baseline's cell is done, the after-baseline job adds the cells that start from the full
 * model (post-training methods; with --tune, cells that take its tuned settings) as further children
 * of the group. Job ids are derived from the run and cell ids, so adding a job twice adds it once.
 * A child that fails for good does not block its parent (ignoreDependencyOnFailure): the cells
 * after a failed baseline run and record "the baseline is not available".
 */
import type { FlowJob, JobsOptions } from 'bullmq';
import { baselineId, safeName, type Cell } from '../bench/grid.js';
import { QUEUE_NAME } from './run-state.js';

/** Data of every job of a run. */
export interface JobData {
  readonly runId: string;
  readonly nonce: string;
}

/** A cell's job. */
export interface CellJobData extends JobData {
  readonly cellId: string;
}

/** The job that releases a group's dependent cells. */
export interface AfterBaselineData extends JobData {
  readonly group: string;
  readonly dependents: readonly string[];
}

/** A cell that starts from its group's full model (so it waits for the baseline's cell). */
export function startsFromBaseline(cell: Cell): boolean {
  return cell.kind === 'post-training' || cell.inheritTuned;
}

/** The group key of a cell: dataset x backbone. */
export function groupOf(cell: Pick<Cell, 'dataset' | 'backbone'>): string {
  return `${safeName(cell.dataset)}__${cell.backbone}`;
}

/** BullMQ job ids (no ':' allowed in custom ids); with the run's nonce, so a run cancelled and queued again gets new jobs. */
export const jobIds = {
  cell: (run: JobData, cellId: string) => `${run.runId}.${run.nonce}.cell.${cellId}`,
  group: (run: JobData, group: string) => `${run.runId}.${run.nonce}.group.${group}`,
  after: (run: JobData, group: string) => `${run.runId}.${run.nonce}.after.${group}`,
};

/** Options of a cell's job: bounded attempts, a short fixed backoff. */
export function cellJobOptions(run: JobData, cellId: string, attempts: number): JobsOptions {
  return { jobId: jobIds.cell(run, cellId), attempts, backoff: { type: 'fixed', delay: 1000 }, ignoreDependencyOnFailure: true };
}

/** A run's flows, one per dataset x backbone, in grid order. */
export function runFlows(run: JobData, cells: readonly Cell[], attempts: number): FlowJob[] {
  const groups = new Map<string, Cell[]>();
  for (const c of cells) {
    const g = groupOf(c);
    groups.set(g, [...(groups.get(g) ?? []), c]);
  }
  const cellJob = (c: Cell): FlowJob => ({ name: 'cell', queueName: QUEUE_NAME, data: { ...run, cellId: c.id } satisfies CellJobData, opts: cellJobOptions(run, c.id, attempts) });
  return [...groups].map(([group, members]) => {
    const base = members.find((c) => c.id === baselineId(c.dataset, c.backbone));
    if (base === undefined) throw new Error(`internal: the group ${group} has no baseline cell`);
    const dependents = members.filter((c) => c !== base && startsFromBaseline(c));
    const independent = members.filter((c) => c !== base && !startsFromBaseline(c));
    const after: FlowJob = {
      name: 'after-baseline',
      queueName: QUEUE_NAME,
      data: { ...run, group, dependents: dependents.map((c) => c.id) } satisfies AfterBaselineData,
      opts: { jobId: jobIds.after(run, group), ignoreDependencyOnFailure: true },
      children: [cellJob(base)],
    };
    return { name: 'group', queueName: QUEUE_NAME, data: { ...run, group }, opts: { jobId: jobIds.group(run, group) }, children: [...independent.map(cellJob), after] };
  });
}
