/**
 * Node's host functions for the kernels (see ../host.ts): pool workers on worker_threads and
 * `file:` URLs read with fs. Importing this module installs them; the Node entries import it.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { installKernelHost, settleStart, type StartedWorker } from '../host.js';
import type { WorkerInit, WorkerReply } from '../threads/protocol.js';

/**
 * Node's worker script. src/node and dist/node are both two levels deep, so this is dist/node/worker.js
 * from either (tests run the sources; a worker thread cannot run TypeScript).
 */
const NODE_WORKER = new URL('../../dist/node/worker.js', import.meta.url);

function startWorker(init: WorkerInit, url: URL | string | undefined): StartedWorker {
  const worker = new Worker(url ?? NODE_WORKER);
  worker.unref();
  const started = new Promise<void>((resolve, reject) => {
    worker.once('message', (reply: WorkerReply) => { settleStart(reply, resolve, reject); });
    worker.once('error', (e) => { reject(new Error(`pool worker failed to start: ${e.message}`)); });
  });
  worker.postMessage(init);
  return { worker, started };
}

async function readFileUrl(url: URL): Promise<Uint8Array> {
  const path = fileURLToPath(url);
  try {
    const data = await readFile(path);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (e) {
    throw new Error(`cannot read the kernel module ${path}: ${(e as Error).message}. Run \`pnpm build\` in packages/kernels first.`);
  }
}

installKernelHost({ startWorker, readFileUrl });
