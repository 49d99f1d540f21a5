import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../src/index.js';
import { forEachLine, forEachLineBytes, readFirstLine, type ReadProgress } from '../src/node/index.js';
import { tempDir, writeText } from './helpers.js';

const dir = tempDir();

async function collect(path: string, chunkBytes?: number): Promise<[number, string][]> {
  const out: [number, string][] = [];
  await forEachLine(path, (line, no) => void out.push([no, line]), { chunkBytes });
  return out;
}

describe('forEachLine', () => {
  it('yields non-blank lines with 1-based numbers, tolerating CRLF and a missing final newline', async () => {
    const path = writeText(dir, 'a.txt', 'first\r\nsecond\n\n  \nlast');
    expect(await collect(path)).toEqual([
      [1, 'first'],
      [2, 'second'],
      [4, '  '],
      [5, 'last'],
    ]);
  });

  it('reassembles lines and multi-byte characters split across small chunks', async () => {
    const text = 'héllo wörld\nzweite Zeile ü\n'.repeat(50);
    const path = writeText(dir, 'utf8.txt', text);
    const lines = await collect(path, 7);
    expect(lines.length).toBe(100);
    expect(lines[99]).toEqual([100, 'zweite Zeile ü']);
    expect(lines.map((l) => l[1]).join('\n') + '\n').toBe(text);
  });

  it('gives the same lines as bytes, for lines straddling chunks and at the end', async () => {
    const text = Array.from({ length: 300 }, (_, k) => `row ${k} ${'x'.repeat(k % 17)}`).join('\r\n') + '\r\n\nlast';
    const path = writeText(dir, 'bytes.txt', text);
    for (const chunkBytes of [5, 64, 1 << 20]) {
      const got: [number, string][] = [];
      const decoder = new TextDecoder();
      await forEachLineBytes(path, (b, start, end, no) => void got.push([no, decoder.decode(b.subarray(start, end))]), { chunkBytes });
      expect(got).toEqual(await collect(path));
      expect(got.length).toBe(301);
      expect(got[300]).toEqual([302, 'last']);
    }
  });

  it('reads gzip by extension and by magic bytes, hashing the bytes on disk', async () => {
    const text = 'a b\nc d\n';
    const gz = writeText(dir, 'x.txt.gz', text, true);
    const noExt = join(dir, 'x-gzip-no-ext');
    writeFileSync(noExt, gzipSync(text));
    for (const path of [gz, noExt]) {
      const seen: string[] = [];
      const res = await forEachLine(path, (line) => void seen.push(line));
      expect(seen).toEqual(['a b', 'c d']);
      expect(res.gzip).toBe(true);
      expect(res.bytes).toBe(8);
      expect(res.sha256).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
  });

  it('reports progress with rows, bytes and rates', async () => {
    const path = writeText(dir, 'p.txt', 'x\n'.repeat(1000));
    const reports: ReadProgress[] = [];
    const res = await forEachLine(path, () => undefined, { onProgress: (p) => reports.push(p), progressIntervalMs: 0, chunkBytes: 256, phase: 'count' });
    expect(reports.length).toBeGreaterThan(2);
    const last = reports[reports.length - 1];
    expect(last).toMatchObject({ rows: 1000, bytes: 2000, diskBytes: 2000, phase: 'count' });
    expect(last.rowsPerSec).toBeGreaterThan(0);
    expect(res.lines).toBe(1000);
  });

  it('stops early when the callback returns false', async () => {
    const path = writeText(dir, 'stop.txt', '\n\nheader\nrow\n');
    expect(await readFirstLine(path)).toEqual({ line: 'header', lineNo: 3 });
    expect(await readFirstLine(writeText(dir, 'empty0.txt', ''))).toBeNull();
  });

  it('raises DataFormatError for empty files and corrupt or truncated gzip', async () => {
    const empty = writeText(dir, 'empty.txt', '');
    await expect(forEachLine(empty, () => undefined)).rejects.toThrow(/empty\.txt:0: empty file/);
    await expect(forEachLine(writeText(dir, 'blank.txt', '\n\r\n'), () => undefined)).rejects.toBeInstanceOf(DataFormatError);

    const good = gzipSync('line one\nline two\n'.repeat(2000));
    const corrupt = Buffer.from(good);
    corrupt.fill(0x55, 20, 60);
    writeFileSync(join(dir, 'bad.gz'), corrupt);
    const err = await forEachLine(join(dir, 'bad.gz'), () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as DataFormatError).reason).toBe('unreadable gzip data');
    expect((err as DataFormatError).file).toBe(join(dir, 'bad.gz'));

    writeFileSync(join(dir, 'short.gz'), good.subarray(0, good.length - 30));
    await expect(forEachLine(join(dir, 'short.gz'), () => undefined)).rejects.toThrow(/unreadable gzip data/);
  });

  it('passes the callback\'s own error through unchanged', async () => {
    const path = writeText(dir, 'cb.txt', 'a\nb\n');
    await expect(
      forEachLine(path, (_l, no) => {
        if (no === 2) throw new DataFormatError(path, no, 'b', 'boom');
      }),
    ).rejects.toThrow(/cb\.txt:2: boom \(value: "b"\)/);
  });
});
