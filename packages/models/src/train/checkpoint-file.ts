/**
 * The file operations that checkpoints and pipeline states need. They are the host's: the package's
 * Node entry (src/node/, picked by the `node` export condition) installs Node's, so that browser
 * builds never see a `node:` import; elsewhere, training with a checkpoint path is an error that
 * says so (training without one needs no files).
 */
import { CheckpointError } from './errors.js';

/** What checkpointing needs from a file system. */
export interface CheckpointFiles {
  /** Writes `bytes` to `path` atomically (a crash leaves the old file or the new one, never half of one). */
  write(path: string, bytes: Uint8Array): Promise<void>;
  /** The file's bytes, or null when it does not exist. */
  read(path: string): Promise<Uint8Array | null>;
  /** Creates a directory and its parents (no error when it exists). */
  makeDir(dir: string): Promise<void>;
  /** Removes a file (no error when it does not exist). */
  remove(path: string): Promise<void>;
}

let installed: CheckpointFiles | null = null;

/** Installs the file operations (the Node entry calls this when it is imported; null removes them). */
export function installCheckpointFiles(files: CheckpointFiles | null): void {
  installed = files;
}

/** The installed file operations; `path` names the file asked for in the error when there are none. */
export function checkpointFiles(path: string): CheckpointFiles {
  if (installed === null) throw new CheckpointError(`${path}: checkpoint files need a file system: use @lers/models in Node (its node entry), or train without a checkpoint path`);
  return installed;
}
