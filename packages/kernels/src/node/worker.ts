/** Entry point of a pool worker in Node (worker_threads), started by ./host.ts. */
import { parentPort } from 'node:worker_threads';
import { startPoolWorker } from '../threads/worker-loop.js';
import type { WorkerInit } from '../threads/protocol.js';

const port = parentPort;
if (!port) throw new Error('@lers/kernels node/worker: not started as a worker thread');
port.once('message', (init: WorkerInit) => {
  startPoolWorker(init, (message) => { port.postMessage(message); });
});
