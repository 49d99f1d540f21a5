import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { crc32 as zlibCrc32, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32, DATASETS, getDatasetEntry, type RegistryEntry } from '../src/index.js';
import {
  ChecksumMismatchError,
  downloadFile,
  DownloadError,
  extractZipMember,
  fetchDataset,
  listZip,
  ManualDownloadRequiredError,
  type DownloadProgress,
} from '../src/node/index.js';
import { sharedFile, tempDir } from './helpers.js';

const dir = tempDir();
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const payload = Buffer.from(Array.from({ length: 50_000 }, (_, k) => (k * 7919) % 251));
const payloadSha = sha(payload);

/** A minimal zip (deflated members) written independently of the code under test. */
function makeZip(members: Record<string, Buffer>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(members)) {
    const packed = deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const crc = zlibCrc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(members).length, 8);
  end.writeUInt16LE(Object.keys(members).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const udata = Buffer.from('1\t10\t5\t100\n2\t20\t3\t200\n');
const zip = makeZip({ 'ml-100k/README': Buffer.from('readme'), 'ml-100k/u.data': udata });

// Test server: /good, /corrupt, /flaky (drops the first connection halfway), /norange, /missing, /ml.zip.
const requests: { path: string; range: string | undefined }[] = [];
let flakyFailures = 0;
let stalls = 0;
function serve(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '';
  const range = req.headers.range;
  requests.push({ path, range });
  const body = path === '/ml.zip' ? zip : path === '/corrupt' ? Buffer.from(payload).fill(0, 100, 101) : payload;
  if (path === '/missing') {
    res.writeHead(404).end();
    return;
  }
  const match = /^bytes=(\d+)-$/.exec(range ?? '');
  let start = 0;
  if (match && path !== '/norange') {
    start = Number(match[1]);
    if (start >= body.length) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
  } else {
    res.writeHead(200, { 'content-length': body.length });
  }
  const rest = body.subarray(start);
  if (path === '/flaky' && flakyFailures > 0) {
    // Send part of the body, then close the connection short of Content-Length. A graceful close
    // (FIN), not destroy(): a reset makes the client's kernel drop bytes it has not read yet, so
    // on a loaded machine the client could see none of the part.
    // The close waits until the client reports bytes received (releaseFlaky, its onProgress), so
    // the partial file is never empty however late a loaded machine runs the client.
    flakyFailures--;
    res.write(rest.subarray(0, rest.length >> 1));
    flakyClosers.push(() => res.socket?.end());
    return;
  }
  if (path === '/stall' && stalls > 0) {
    // Send part of the body, then go silent with the connection open.
    stalls--;
    res.write(rest.subarray(0, rest.length >> 1));
    return;
  }
  res.end(rest);
}

/** Ends the connections of /flaky once the client has received part of the body. */
const flakyClosers: (() => void)[] = [];
const releaseFlaky = (p: DownloadProgress): void => {
  if (p.received > 0) for (const end of flakyClosers.splice(0)) end();
};

const server = createServer(serve);
let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('registry', () => {
  it('lists the known datasets with formats, licences and well-formed pins', () => {
    const names = DATASETS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of ['gowalla', 'yelp2018', 'amazon-book', 'ml-100k', 'ml-1m', 'criteo-kaggle', 'avazu', 'synthetic-cf', 'synthetic-ctr']) {
      expect(names).toContain(n);
    }
    for (const d of DATASETS) {
      expect(d.license.length).toBeGreaterThan(10);
      for (const f of d.files) {
        if (f.sha256 !== null) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
        if (f.url === null) expect(d.manual?.instructions).toBeTruthy();
        else expect(f.url).toMatch(/^https:\/\//);
      }
    }
    expect(() => getDatasetEntry('nope')).toThrow(/known: gowalla/);
  });

  const criteo = sharedFile('criteo-sample', 'train.txt');
  it.skipIf(!criteo.exists)('pins sha256 values that match the shared copies of the pinned files', () => {
    const check = (entry: string, file: string, ...path: string[]): void => {
      const pinned = getDatasetEntry(entry).files.find((f) => f.name === file);
      const local = readFileSync(sharedFile(...path).path);
      expect(pinned?.sha256).toBe(sha(local));
      expect(pinned?.bytes).toBe(local.length);
    };
    check('criteo-sample', 'train.txt', 'criteo-sample', 'train.txt');
    check('avazu-sample', 'train.csv', 'avazu-sample', 'train.csv');
    for (const s of ['train', 'valid', 'test']) {
      check('ml-1m-lightgcn', `${s}.txt`, 'ml-1m-lightgcn', `${s}.txt`);
      check('lastfm-lightgcn', `${s}.txt`, 'lastfm-lightgcn', `${s}.txt`);
    }
  });
});

describe('downloadFile against a local server', () => {
  it('downloads and verifies the sha256, then reuses the verified file', async () => {
    const dest = join(dir, 'good.bin');
    const got = await downloadFile(`${base}/good`, dest, { sha256: payloadSha });
    expect(got).toMatchObject({ sha256: payloadSha, verified: true, resumed: false });
    expect(readFileSync(dest)).toEqual(payload);
    const before = requests.length;
    await downloadFile(`${base}/good`, dest, { sha256: payloadSha });
    expect(requests.length).toBe(before);
  });

  it('detects a corrupted download and removes it', async () => {
    const dest = join(dir, 'corrupt.bin');
    const err = await downloadFile(`${base}/corrupt`, dest, { sha256: payloadSha }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect((err as ChecksumMismatchError).expected).toBe(payloadSha);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('keeps an interrupted download and resumes it with a Range request', async () => {
    const dest = join(dir, 'flaky.bin');
    flakyFailures = 1;
    const err = await downloadFile(`${base}/flaky`, dest, { sha256: payloadSha, retries: 0, onProgress: releaseFlaky }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as DownloadError).resumable).toBe(true);
    const partial = readFileSync(`${dest}.part`).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(payload.length);

    const got = await downloadFile(`${base}/flaky`, dest, { sha256: payloadSha, retries: 0 });
    expect(got.resumed).toBe(true);
    expect(requests[requests.length - 1]).toEqual({ path: '/flaky', range: `bytes=${partial}-` });
    expect(readFileSync(dest)).toEqual(payload);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('resumes within one call when retries are allowed', async () => {
    flakyFailures = 2;
    const got = await downloadFile(`${base}/flaky`, join(dir, 'flaky2.bin'), { sha256: payloadSha, retries: 3, retryDelayMs: 5, onProgress: releaseFlaky });
    expect(got.resumed).toBe(true);
    expect(flakyFailures).toBe(0);
  });

  it('gives up on a silent connection after the idle timeout and resumes', async () => {
    stalls = 1;
    const dest = join(dir, 'stall.bin');
    const got = await downloadFile(`${base}/stall`, dest, { sha256: payloadSha, idleTimeoutMs: 200, retryDelayMs: 5 });
    expect(got.resumed).toBe(true);
    expect(stalls).toBe(0);
    expect(requests[requests.length - 1]).toEqual({ path: '/stall', range: `bytes=${payload.length >> 1}-` });
  });

  it('restarts when the server ignores Range, and fails clearly on HTTP errors', async () => {
    const dest = join(dir, 'norange.bin');
    writeFileSync(`${dest}.part`, payload.subarray(0, 1000));
    const got = await downloadFile(`${base}/norange`, dest, { sha256: payloadSha });
    expect(got.resumed).toBe(false);
    expect(readFileSync(dest)).toEqual(payload);
    await expect(downloadFile(`${base}/missing`, join(dir, 'missing.bin'))).rejects.toThrow(/HTTP 404/);
  });
});

describe('zip extraction and fetchDataset', () => {
  it('extracts a member, checking its CRC-32', async () => {
    const path = join(dir, 'test.zip');
    writeFileSync(path, zip);
    expect((await listZip(path)).map((m) => m.name)).toEqual(['ml-100k/README', 'ml-100k/u.data']);
    await extractZipMember(path, 'ml-100k/u.data', join(dir, 'u.data'));
    expect(readFileSync(join(dir, 'u.data'))).toEqual(udata);
    expect(crc32(udata)).toBe(zlibCrc32(udata));
    await expect(extractZipMember(path, 'nope', join(dir, 'x'))).rejects.toThrow(/no member "nope"/);
  });

  it.skipIf(!existsSync('/usr/bin/zip'))('reads archives written by the zip tool', async () => {
    const src = join(dir, 'ziptool');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'big.txt'), 'line\n'.repeat(10_000));
    execFileSync('zip', ['-q', '-r', join(dir, 'tool.zip'), 'big.txt'], { cwd: src });
    await extractZipMember(join(dir, 'tool.zip'), 'big.txt', join(dir, 'big-out.txt'));
    expect(readFileSync(join(dir, 'big-out.txt'), 'utf8')).toBe('line\n'.repeat(10_000));
  });

  it('fetches a registry entry, verifying and extracting', async () => {
    const entry: RegistryEntry = {
      name: 'local-ml',
      task: 'cf',
      format: 'movielens-udata',
      description: 'test',
      license: 'test fixture',
      files: [{ name: 'ml.zip', url: `${base}/ml.zip`, sha256: sha(zip), extract: { member: 'ml-100k/u.data', as: 'u.data' } }],
    };
    const cacheDir = join(dir, 'cache');
    const got = await fetchDataset(entry, { cacheDir });
    expect(got.dir).toBe(join(cacheDir, 'downloads', 'local-ml'));
    expect(readFileSync(got.files['u.data'])).toEqual(udata);
    expect(got.sha256['ml.zip']).toBe(sha(zip));
  });

  it('explains manual downloads and accepts a manually placed file', async () => {
    const cacheDir = join(dir, 'manual');
    const err = await fetchDataset('criteo-kaggle', { cacheDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManualDownloadRequiredError);
    const expectedPath = join(cacheDir, 'downloads', 'criteo-kaggle', 'train.txt');
    expect((err as Error).message).toContain(expectedPath);
    expect((err as Error).message).toContain('kaggle.com/c/criteo-display-ad-challenge');
    mkdirSync(join(cacheDir, 'downloads', 'criteo-kaggle'), { recursive: true });
    writeFileSync(`${expectedPath}.gz`, 'placed');
    const got = await fetchDataset('criteo-kaggle', { cacheDir });
    expect(got.files['train.txt']).toBe(`${expectedPath}.gz`);
    await expect(fetchDataset('avazu', { cacheDir })).rejects.toThrow(/accepting the competition rules/);
  });
});
