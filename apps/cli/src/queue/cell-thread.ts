/**
 * A queue worker's cell thread: runs cells with the bench's own BenchRunner (the same code as a
 * local `lers bench`), off the worker's main thread, whose event loop stays free to renew the
 * queue's job locks while a cell trains. Backends, runners and loaded datasets are kept between
 * cells of the same run settings.
 */
import { parentPort } from 'node:worker_threads';
import { chooseBackend } from '@lers/runtime/node';
import { PROFILES } from '../bench/grid.js';
import { BenchRunner } from '../bench/run.js';
import { messageOf } from '../cli/errors.js';
import { Io } from '../cli/io.js';
import type { CellReply, CellRequest } from './cell-protocol.js';

const runners = new Map<string, Promise<BenchRunner>>();
/** Prefix of this thread's stderr lines: the cell it runs now. */
let label = '';

function runnerFor(req: CellRequest): Promise<BenchRunner> {
  const key = JSON.stringify([req.store, req.profile, req.backend, req.threads, req.cacheDir]);
  let r = runners.get(key);
  if (r === undefined) {
    const io = new Io(
      { json: false, quiet: req.quiet, threads: req.threads, seed: null, backend: req.backend },
      { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t.replace(/^(?=.)/gm, `${label} `)), stderrIsTTY: false },
    );
    r = chooseBackend({ backend: req.backend, threads: req.threads }).then((chosen) => {
      if (chosen.threads !== req.threads) io.warn(chosen.reason);
      return new BenchRunner(chosen.backend, req.store, io, PROFILES[req.profile], req.cacheDir ?? undefined, { fileLocks: false });
    });
    runners.set(key, r);
  }
  return r;
}

async function handle(req: CellRequest): Promise<CellReply> {
  let runner: BenchRunner;
  try {
    runner = await runnerFor(req);
  } catch (err) {
    return { id: req.id, ok: false, stage: 'run', message: messageOf(err) };
  }
  try {
    await runner.checkData(req.cell);
  } catch (err) {
    return { id: req.id, ok: false, stage: 'data', message: messageOf(err) };
  }
  try {
    return { id: req.id, ok: true, result: await runner.runCell(req.cell, req.context) };
  } catch (err) {
    return { id: req.id, ok: false, stage: 'run', message: messageOf(err) };
  }
}

parentPort!.on('message', (req: CellRequest) => {
  label = req.label;
  void handle(req).then((reply) => {
    parentPort!.postMessage(reply);
  });
});
