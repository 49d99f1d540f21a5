import { access, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeAll } from '../cache/atomic.js';
import { defaultCacheDir, sha256File } from '../cache/key.js';
import { ChecksumMismatchError, DownloadError, ManualDownloadRequiredError } from '../errors.js';
import { getDatasetEntry, type RegistryEntry } from './datasets.js';
import { extractZipMember } from './zip.js';

/** Progress of a download. */
export interface DownloadProgress {
  url: string;
  received: number;
  total: number | null;
}

/** Options of `downloadFile`. */
export interface DownloadOptions {
  /** Expected sha256 (hex); null/undefined = not pinned (the hash is computed and returned). */
  sha256?: string | null;
  /** Resume attempts after a broken transfer within this call (default 3). */
  retries?: number;
  /** Pause before a retry, in ms (default 500). */
  retryDelayMs?: number;
  /** Abort an attempt when no bytes arrive for this long, in ms (default 60,000); it is then retried. */
  idleTimeoutMs?: number;
  onProgress?: (p: DownloadProgress) => void;
}

/** A finished download. */
export interface DownloadResult {
  path: string;
  sha256: string;
  /** True when the hash was checked against an expected value. */
  verified: boolean;
  /** True when some bytes came from an earlier, interrupted attempt (HTTP Range). */
  resumed: boolean;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Downloads `url` to `dest` through `dest.part`: a broken transfer keeps the partial file and
 * resumes with an HTTP Range request (here, up to `retries` times, or on the next call). The
 * finished file is checked against `sha256`; on mismatch it is deleted and
 * `ChecksumMismatchError` is thrown. An existing `dest` with the right hash is reused.
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const expected = options.sha256 ?? null;
  if (await exists(dest)) {
    const sha256 = await sha256File(dest);
    if (expected === null || sha256 === expected) return { path: dest, sha256, verified: expected !== null, resumed: false };
    await rm(dest);
  }
  await mkdir(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const retries = options.retries ?? 3;
  let resumed = false;
  for (let attempt = 0; ; attempt++) {
    const offset = await sizeOf(part);
    try {
      resumed = (await transfer(url, part, offset, options.idleTimeoutMs ?? 60_000, options.onProgress)) || resumed;
      break;
    } catch (err) {
      if (err instanceof DownloadError && !err.resumable) throw err;
      if (attempt >= retries) throw new DownloadError(url, (err as Error).message, await exists(part));
      await new Promise((r) => setTimeout(r, options.retryDelayMs ?? 500));
    }
  }
  const sha256 = await sha256File(part);
  if (expected !== null && sha256 !== expected) {
    await rm(part, { force: true });
    throw new ChecksumMismatchError(dest, expected, sha256);
  }
  await rename(part, dest);
  return { path: dest, sha256, verified: expected !== null, resumed };
}

/** One HTTP request appending to (or restarting) `part`; returns whether it resumed at `offset`. */
async function transfer(url: string, part: string, offset: number, idleTimeoutMs: number, onProgress?: (p: DownloadProgress) => void): Promise<boolean> {
  const abort = new AbortController();
  let timer = setTimeout(() => {
    abort.abort();
  }, idleTimeoutMs);
  const alive = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      abort.abort();
    }, idleTimeoutMs);
  };
  try {
    return await receive(url, part, offset, abort.signal, alive, onProgress);
  } finally {
    clearTimeout(timer);
  }
}

async function receive(
  url: string,
  part: string,
  offset: number,
  signal: AbortSignal,
  alive: () => void,
  onProgress?: (p: DownloadProgress) => void,
): Promise<boolean> {
  const res = await fetch(url, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, signal });
  if (res.status === 416 && offset > 0) {
    // Nothing after `offset`: the partial file is already complete (the hash check decides).
    await res.body?.cancel();
    return true;
  }
  let append = false;
  if (res.status === 206) {
    const range = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
    if (range === null || Number(range[1]) !== offset) {
      await res.body?.cancel();
      await rm(part, { force: true });
      throw new DownloadError(url, 'server answered a range request with the wrong range; restarting', true);
    }
    append = true;
  } else if (res.status !== 200) {
    await res.body?.cancel();
    throw new DownloadError(url, `HTTP ${res.status} ${res.statusText}`, res.status >= 500);
  }
  const length = res.headers.get('content-length');
  const total = length === null ? null : Number(length) + (append ? offset : 0);
  let received = append ? offset : 0;
  const fh = await open(part, append ? 'a' : 'w');
  try {
    if (res.body === null) throw new DownloadError(url, 'empty response body', true);
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      alive();
      await writeAll(fh, value);
      received += value.length;
      onProgress?.({ url, received, total });
    }
  } finally {
    await fh.close();
  }
  if (total !== null && received < total) throw new DownloadError(url, `connection closed after ${received} of ${total} bytes`, true);
  return append;
}

/** Options of `fetchDataset`. */
export interface FetchOptions extends Omit<DownloadOptions, 'sha256'> {
  /** Cache root (default `defaultCacheDir()`); files go to `<cacheDir>/downloads/<name>/`. */
  cacheDir?: string;
}

/** A dataset's files on disk. */
export interface FetchedDataset {
  entry: RegistryEntry;
  dir: string;
  /** Local paths by file name (extracted members under their `as` name too). */
  files: Record<string, string>;
  /** sha256 of each downloaded or placed file, by name. */
  sha256: Record<string, string>;
}

/**
 * Makes a registry dataset available locally: downloads (with resume and sha256 checks) and
 * extracts archive members; for licence-gated datasets (Criteo, Avazu) checks that the files were
 * placed manually and otherwise throws `ManualDownloadRequiredError` explaining what to do.
 */
export async function fetchDataset(dataset: string | RegistryEntry, options: FetchOptions = {}): Promise<FetchedDataset> {
  const entry = typeof dataset === 'string' ? getDatasetEntry(dataset) : dataset;
  const dir = join(options.cacheDir ?? defaultCacheDir(), 'downloads', entry.name);
  const result: FetchedDataset = { entry, dir, files: {}, sha256: {} };
  for (const file of entry.files) {
    const dest = join(dir, file.name);
    if (file.url === null) {
      const placed = (await exists(dest)) ? dest : (await exists(`${dest}.gz`)) ? `${dest}.gz` : null;
      if (placed === null) {
        const how = entry.manual ? `${entry.manual.instructions}\n  Page: ${entry.manual.page}\n` : '';
        throw new ManualDownloadRequiredError(entry.name, `${how}  Place it at: ${dest} (or ${dest}.gz)`);
      }
      const sha256 = await sha256File(placed);
      if (file.sha256 !== null && placed === dest && sha256 !== file.sha256) throw new ChecksumMismatchError(placed, file.sha256, sha256, false);
      result.files[file.name] = placed;
      result.sha256[file.name] = sha256;
      continue;
    }
    const got = await downloadFile(file.url, dest, { ...options, sha256: file.sha256 });
    result.files[file.name] = got.path;
    result.sha256[file.name] = got.sha256;
    if (file.extract) {
      const out = join(dir, file.extract.as);
      if (!(await exists(out))) await extractZipMember(got.path, file.extract.member, out);
      result.files[file.extract.as] = out;
    }
  }
  return result;
}
