/**
 * Entry point of a pool worker in browsers (a module Worker started by pool.ts). No Node imports
 * and no top-level await, so that bundlers can build it in any worker format; Node's worker is
 * ../node/worker.ts. Also exported as `@lers/kernels/worker` for hosts that serve it themselves.
 */
import { startPoolWorker } from './worker-loop.js';
import type { WorkerInit, WorkerReply } from './protocol.js';

interface WorkerScope {
  postMessage(message: WorkerReply): void;
  onmessage: ((event: MessageEvent<WorkerInit>) => void) | null;
}

const scope = globalThis as unknown as WorkerScope;
scope.onmessage = (event) => {
  scope.onmessage = null;
  startPoolWorker(event.data, (message) => { scope.postMessage(message); });
};
