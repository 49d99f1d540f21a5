/**
 * Reading a model file by path (the Node entry): the bytes land in backend memory unchanged, the
 * checksum computed while reading equals the container's, a flipped byte anywhere (in any staging
 * piece, or in the last four bytes) is caught, and the model serves what it served from bytes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type HostBackend } from '@lers/kernels';
import { CacheFormatError, Murmur3 } from '@lers/data';
import { Recommender } from '../src/node/index.js';
import { readFileInto } from '../src/node/read-file.js';
import { cfDataset, cfSettings, modelBytes, trained } from './helpers.js';

describe('readFileInto and Recommender.load(path)', () => {
  let dir: string;
  let bytes: Uint8Array;
  let be: HostBackend;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lers-read-'));
    be = await createWasmBackend();
    const s = cfSettings('full', null);
    const model = await trained(be, cfDataset(), s);
    try {
      bytes = await modelBytes(model, s);
    } finally {
      model.dispose();
    }
  });
  afterAll(() => {
    be.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([5, 4096, 1 << 20])('copies the file and hashes all but its last four bytes, %i bytes per read', async (staging) => {
    const path = join(dir, 'model.lers');
    writeFileSync(path, bytes);
    const placed = await readFileInto(be, path, staging);
    expect(placed.resident).toBe(true);
    if (!placed.resident) return;
    try {
      expect(be.view(placed.bytes)).toEqual(bytes);
      expect(placed.bodyChecksum).toBe(new Murmur3().update(bytes.subarray(0, bytes.length - 4)).digest());
    } finally {
      be.free(placed.bytes);
    }
  });

  it('a flipped byte (first, middle, inside the stored checksum) is a checksum error naming the file', async () => {
    for (const at of [0, bytes.length >> 1, bytes.length - 2]) {
      const path = join(dir, `flipped-${at}.lers`);
      const bad = bytes.slice();
      bad[at] ^= 0x10;
      writeFileSync(path, bad);
      const err = await Recommender.load(path, { backend: 'wasm' }).then(
        (r) => (r.dispose(), null),
        (e: unknown) => e,
      );
      // Byte 0 is the magic: caught before the checksum, as a foreign file.
      expect(err).toBeInstanceOf(CacheFormatError);
      expect((err as Error).message).toContain(path);
      if (at !== 0) expect((err as Error).message).toMatch(/checksum/);
    }
  });

  it('serves from a path what it serves from the same bytes', async () => {
    const path = join(dir, 'model.lers');
    writeFileSync(path, bytes);
    for (const serving of ['propagate', 'cached'] as const) {
      const fromPath = await Recommender.load(path, { backend: 'wasm', serving });
      const fromBytes = await Recommender.load(bytes, { backend: 'wasm', serving });
      try {
        expect(await fromPath.recommendMany([0, 5, 17], { k: 10 })).toEqual(await fromBytes.recommendMany([0, 5, 17], { k: 10 }));
      } finally {
        fromPath.dispose();
        fromBytes.dispose();
      }
    }
  });
});
