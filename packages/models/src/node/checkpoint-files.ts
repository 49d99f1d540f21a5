/** Node's checkpoint file operations (see ../train/checkpoint-file.ts); importing this module installs them. */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { writeAll, writeFileAtomic } from '@lers/data/node';
import { installCheckpointFiles, type CheckpointFiles } from '../train/checkpoint-file.js';

/** Checkpoint files on Node's fs (atomic writes through @lers/data's writer). */
export const nodeCheckpointFiles: CheckpointFiles = {
  write: (path, bytes) => writeFileAtomic(path, (fh) => writeAll(fh, bytes)),
  async read(path) {
    try {
      return new Uint8Array(await readFile(path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  },
  makeDir: async (dir) => { await mkdir(dir, { recursive: true }); },
  remove: (path) => rm(path, { force: true }),
};

installCheckpointFiles(nodeCheckpointFiles);
