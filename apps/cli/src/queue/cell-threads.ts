/** The cell threads of a queue worker: one per concurrent cell, started on first use, replaced when one dies. */
import { Worker } from 'node:worker_threads';
import type { CellReply, CellRequest } from './cell-protocol.js';

/** One thread running one cell at a time. */
class CellThread {
  private thread: Worker | null = null;
  private pending: { id: number; resolve: (r: CellReply) => void; reject: (e: Error) => void } | null = null;

  run(req: CellRequest): Promise<CellReply> {
    const t = (this.thread ??= this.start());
    return new Promise((resolve, reject) => {
      this.pending = { id: req.id, resolve, reject };
      t.postMessage(req);
    });
  }

  private start(): Worker {
    const t = new Worker(new URL('./cell-thread.js', import.meta.url));
    t.on('message', (reply: CellReply) => {
      if (this.pending?.id === reply.id) {
        const p = this.pending;
        this.pending = null;
        p.resolve(reply);
      }
    });
    const fail = (err: Error): void => {
      this.thread = null;
      const p = this.pending;
      this.pending = null;
      p?.reject(err);
    };
    t.on('error', fail);
    t.on('exit', (code) => {
      fail(new Error(`the cell thread exited (code ${code})`));
    });
    return t;
  }

  async stop(): Promise<void> {
    const t = this.thread;
    this.thread = null;
    if (t !== null) await t.terminate();
  }
}

/** A fixed number of cell threads. */
export class CellThreads {
  private readonly free: CellThread[];
  private readonly all: CellThread[];
  private nextId = 1;

  constructor(size: number) {
    this.all = Array.from({ length: size }, () => new CellThread());
    this.free = [...this.all];
  }

  /** Runs a cell on a free thread (the worker never asks for more cells than threads). */
  async run(req: Omit<CellRequest, 'id'>): Promise<CellReply> {
    const t = this.free.pop();
    if (t === undefined) throw new Error('internal: no free cell thread');
    try {
      return await t.run({ ...req, id: this.nextId++ });
    } finally {
      this.free.push(t);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((t) => t.stop()));
  }
}
