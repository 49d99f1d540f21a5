import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CacheFormatError,
  CACHE_VERSION,
  decodeContainer,
  decodeDataset,
  encodeContainer,
  encodeDataset,
  generateSyntheticCf,
  generateSyntheticCtr,
  murmur3,
  Murmur3,
  PREFIX_BYTES,
  type CfDataset,
} from '../src/index.js';
import { DataFormatError, loadDataset, readDatasetFile, readDatasetHeader, writeDatasetFile, writeFileAtomic } from '../src/node/index.js';
import { tempDir, writeText } from './helpers.js';

const dir = tempDir();
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('MurmurHash3 x86_32', () => {
  it('matches published test vectors', () => {
    expect(murmur3(text(''), 0)).toBe(0);
    expect(murmur3(text(''), 1)).toBe(0x514e28b7);
    expect(murmur3(text(''), 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3(text('abc'), 0)).toBe(0xb3dd93fa);
    expect(murmur3(text('The quick brown fox jumps over the lazy dog'), 0)).toBe(0x2e4ff723);
    expect(murmur3(text('Hello, world!'), 0x9747b28c)).toBe(0x24884cba);
  });

  it('gives the same hash when fed in pieces of any size and alignment', () => {
    const bytes = new Uint8Array(1001).map((_, k) => (k * 37 + 11) & 0xff);
    const whole = murmur3(bytes);
    const h = new Murmur3();
    for (let at = 0, step = 1; at < bytes.length; at += step, step = (step % 7) + 1) h.update(bytes.subarray(at, Math.min(bytes.length, at + step)));
    expect(h.digest()).toBe(whole);
    expect(murmur3(bytes.subarray(1))).not.toBe(whole);
  });
});

describe('binary container', () => {
  const sections = [
    { name: 'a', data: Int32Array.of(1, -2, 3) },
    { name: 'b', data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7) },
    { name: 'c', data: Float32Array.of(0.5, -1.25) },
    { name: 'd', data: new Float64Array(0) },
  ];
  const blob = encodeContainer({ hello: 'world' }, sections);

  it('round-trips sections with 16-byte aligned offsets', () => {
    expect(new TextDecoder().decode(blob.subarray(0, 8))).toBe('LERSDATA');
    const { header, sections: got } = decodeContainer(blob);
    expect(header.meta).toEqual({ hello: 'world' });
    expect((PREFIX_BYTES + new DataView(blob.buffer).getUint32(12, true)) % 16).toBe(0);
    for (const s of header.sections) expect(s.offset % 16).toBe(0);
    for (const s of sections) expect(got.get(s.name)).toEqual(s.data);
  });

  it('rejects foreign, newer, truncated, corrupted and overlong files with typed errors', () => {
    const expectFault = (bytes: Uint8Array, kind: string): void => {
      const err = (() => {
        try {
          decodeContainer(bytes, 'x.lersdata');
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(CacheFormatError);
      expect((err as CacheFormatError).kind).toBe(kind);
      expect((err as Error).message).toContain('x.lersdata');
    };
    const foreign = blob.slice();
    foreign[0] = 0x58;
    expectFault(foreign, 'magic');
    const newer = blob.slice();
    new DataView(newer.buffer).setUint32(8, CACHE_VERSION + 1, true);
    expectFault(newer, 'version');
    expectFault(blob.slice(0, blob.length - 5), 'truncated');
    expectFault(blob.slice(0, 10), 'truncated');
    const flipped = blob.slice();
    flipped[flipped.length - 20] ^= 0x01;
    expectFault(flipped, 'checksum');
    const longer = new Uint8Array(blob.length + 3);
    longer.set(blob);
    expectFault(longer, 'header');
  });
});

function cfFixture(): CfDataset {
  const { dataset } = generateSyntheticCf({ users: 60, items: 80, meanInteractions: 8, seed: 3 });
  dataset.userIds = Int32Array.from({ length: 60 }, (_, k) => 1000 + k);
  return dataset;
}

describe('dataset codec and files', () => {
  it('round-trips CF and CTR datasets in memory', () => {
    const cf = cfFixture();
    expect(decodeDataset(encodeDataset(cf, 'k1'))).toEqual(cf);
    const { dataset: ctr } = generateSyntheticCtr({ rows: 500, cardinalities: [7, 5, 3] });
    expect(decodeDataset(encodeDataset(ctr))).toEqual(ctr);
  });

  it('writes and reads files atomically, checking the checksum', async () => {
    const cf = cfFixture();
    const path = join(dir, 'cf.lersdata');
    const bytes = await writeDatasetFile(path, cf, 'key-1');
    expect(readFileSync(path).length).toBe(bytes);
    expect(readFileSync(path)).toEqual(Buffer.from(encodeDataset(cf, 'key-1')));
    const back = await readDatasetFile(path);
    expect(back.cacheKey).toBe('key-1');
    expect(back.dataset).toEqual(cf);
    expect((await readDatasetHeader(path)).meta.kind).toBe('cf');

    const corrupt = readFileSync(path);
    corrupt[corrupt.length - 9] ^= 0x40;
    writeFileSync(join(dir, 'corrupt.lersdata'), corrupt);
    await expect(readDatasetFile(join(dir, 'corrupt.lersdata'))).rejects.toMatchObject({ kind: 'checksum' });
    writeFileSync(join(dir, 'short.lersdata'), corrupt.subarray(0, corrupt.length - 100));
    await expect(readDatasetFile(join(dir, 'short.lersdata'))).rejects.toMatchObject({ kind: 'truncated' });
  });

  it('leaves neither a temp file nor a changed target when a write fails', async () => {
    const sub = join(dir, 'atomic');
    const target = join(sub, 'out.bin');
    await writeFileAtomic(target, async (fh) => {
      await fh.write('old');
    });
    await expect(
      writeFileAtomic(target, async (fh) => {
        await fh.write('partial new content');
        throw new Error('disk on fire');
      }),
    ).rejects.toThrow('disk on fire');
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(readdirSync(sub)).toEqual(['out.bin']);
  });
});

describe('loadDataset cache', () => {
  const row = (label: number, c1: string): string => [label, ...Array<string>(13).fill('1'), c1, ...Array<string>(25).fill('0000000a')].join('\t');
  const source = writeText(dir, 'criteo.txt', [row(1, 'aaaaaaaa'), row(0, 'aaaaaaaa'), row(0, 'bbbbbbbb')].join('\n') + '\n');
  const cacheDir = join(dir, 'cache');

  it('hits on the same source and parameters, misses when either changes, rebuilds a corrupt file', async () => {
    const spec = { reader: 'criteo' as const, files: [source], minCount: 2 };
    const first = await loadDataset(spec, { cacheDir });
    expect(first.hit).toBe(false);
    expect(first.throughput?.rows).toBe(3);
    const second = await loadDataset(spec, { cacheDir });
    expect(second.hit).toBe(true);
    expect(second.path).toBe(first.path);
    expect(second.dataset).toEqual(first.dataset);

    const otherParams = await loadDataset({ ...spec, minCount: 1 }, { cacheDir });
    expect(otherParams.hit).toBe(false);
    expect(otherParams.key).not.toBe(first.key);

    appendFileSync(source, `${row(1, 'bbbbbbbb')}\n`);
    const edited = await loadDataset(spec, { cacheDir });
    expect(edited.hit).toBe(false);
    expect(edited.dataset.kind === 'ctr' && edited.dataset.rows).toBe(4);

    const bytes = readFileSync(edited.path);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(edited.path, bytes);
    const rebuilt = await loadDataset(spec, { cacheDir });
    expect(rebuilt.hit).toBe(false);
    expect((await loadDataset(spec, { cacheDir })).hit).toBe(true);
    expect(readdirSync(join(cacheDir, 'datasets')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes no cache file when the source is malformed', async () => {
    const bad = writeText(dir, 'bad.txt', `${row(1, 'aaaaaaaa')}\n${row(3, 'aaaaaaaa')}\n`);
    const badCache = join(dir, 'bad-cache');
    await expect(loadDataset({ reader: 'criteo', files: [bad] }, { cacheDir: badCache })).rejects.toBeInstanceOf(DataFormatError);
    expect(() => readdirSync(join(badCache, 'datasets'))).toThrow(/ENOENT/);
  });
});
