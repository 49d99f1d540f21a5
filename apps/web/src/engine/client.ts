/**
 * The page's side of the engine worker: typed calls that resolve with the worker's result, progress
 * callbacks, and `stop()`, which ends the worker at once (whatever it was running) and rejects its
 * pending calls with a StoppedError; the next call starts a fresh worker.
 */
import type { EngineCall, EngineProgress, EngineReply, EngineRequest, EngineResults, MeasuredCell } from './protocol.js';

/** A call ended by `stop()`. */
export class StoppedError extends Error {
  override name = 'StoppedError';
}

/** An error the worker reported: the library's error name and message, as thrown there. */
export class EngineError extends Error {
  constructor(readonly errorName: string, message: string) {
    super(message);
    this.name = errorName;
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  progress?: (p: EngineProgress, partial?: MeasuredCell) => void;
}

export class EngineClient {
  private worker: Worker | null = null;
  private next = 1;
  private readonly pending = new Map<number, Pending>();

  /** Sends a request; `progress` receives its progress events. */
  call<K extends EngineRequest['kind']>(request: Extract<EngineRequest, { kind: K }>, progress?: Pending['progress'], transfer: Transferable[] = []): Promise<EngineResults[K]> {
    const worker = this.started();
    const id = this.next++;
    return new Promise<EngineResults[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve, reject, ...(progress !== undefined ? { progress } : {}) });
      const call: EngineCall = { id, request };
      worker.postMessage(call, transfer);
    });
  }

  /** Ends the worker now: its pending calls reject with a StoppedError, and what it held (a loaded model) is gone. */
  stop(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const p of this.pending.values()) p.reject(new StoppedError('stopped'));
    this.pending.clear();
  }

  private started(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<EngineReply>) => {
      const reply = e.data;
      const p = this.pending.get(reply.id);
      if (p === undefined) return;
      if (reply.type === 'progress') p.progress?.(reply.progress, reply.partial);
      else {
        this.pending.delete(reply.id);
        if (reply.type === 'result') p.resolve(reply.value);
        else p.reject(new EngineError(reply.name, reply.message));
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      for (const p of this.pending.values()) p.reject(new Error(`the engine worker failed: ${e.message}`));
      this.pending.clear();
      this.worker = null;
    };
    this.worker = worker;
    return worker;
  }
}
