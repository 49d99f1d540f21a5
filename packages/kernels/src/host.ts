/**
 * What the kernels need from the JavaScript host that browsers and Node do differently: starting a
 * pool worker and reading a `file:` URL. Without an installed host the web's ways are used (module
 * Workers, fetch); the package's Node entries (`src/node/`, picked by the `node` export condition)
 * install Node's (worker_threads, fs), so that browser builds never see a `node:` import.
 */
import type { WorkerInit, WorkerReply } from './threads/protocol.js';

/** A started pool worker. */
export interface PoolWorker {
  terminate(): unknown;
}

/** A worker and the promise that settles once it is ready (or failed to start). */
export interface StartedWorker {
  readonly worker: PoolWorker;
  readonly started: Promise<void>;
}

/** Host functions that replace the web defaults. */
export interface KernelHost {
  /** Starts a pool worker from `url` (undefined: the host's own worker script) and posts it `init`. */
  readonly startWorker?: (init: WorkerInit, url: URL | string | undefined) => StartedWorker;
  /** The bytes of a `file:` URL. */
  readonly readFileUrl?: (url: URL) => Promise<Uint8Array>;
}

let installed: KernelHost = {};

/** Installs host functions (the Node entries call this once, when they are imported). */
export function installKernelHost(host: KernelHost): void {
  installed = { ...installed, ...host };
}

/** The installed host functions (empty in browsers). */
export function kernelHost(): KernelHost {
  return installed;
}

/** Settles a worker's start from its first message. */
export function settleStart(reply: WorkerReply, resolve: () => void, reject: (e: Error) => void): void {
  if ('error' in reply) reject(new Error(`pool worker failed to start: ${reply.error}`));
  else resolve();
}
