/**
 * A trial worker process (forked by ProcessPool): imports the objective module once, evaluates
 * one trial per request and replies with its outcome. It exits when the parent goes away (the
 * IPC channel closes), so a killed study leaves no workers behind.
 */
import type { WorkerObjective, WorkerReply, WorkerRequest } from './worker-protocol.js';

process.on('disconnect', () => {
  process.exit(0);
});

async function objectiveOf(module: string, exportName: string): Promise<WorkerObjective> {
  const mod = (await import(module)) as Record<string, unknown>;
  const fn = mod[exportName];
  if (typeof fn !== 'function') throw new Error(`${module} exports no function "${exportName}"`);
  return fn as WorkerObjective;
}

function reply(message: WorkerReply): void {
  process.send?.(message);
}

process.on('message', (request: WorkerRequest) => {
  void (async () => {
    try {
      const objective = await objectiveOf(request.module, request.exportName);
      reply({ id: request.id, ok: true, outcome: await objective(request.params, { number: request.number }) });
    } catch (err) {
      reply({ id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  })();
});
