import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { DataFormatError } from '../errors.js';

/** Progress of a streaming read. */
export interface ReadProgress {
  file: string;
  /** Which pass of a multi-pass reader (e.g. `count`, `encode`), if any. */
  phase?: string;
  /** Non-empty lines delivered so far. */
  rows: number;
  /** Text bytes (after decompression) consumed so far. */
  bytes: number;
  /** Bytes read from disk so far (smaller than `bytes` for gzip input). */
  diskBytes: number;
  seconds: number;
  rowsPerSec: number;
  mbPerSec: number;
}

/** The final statistics of a read, with the sha256 of the bytes on disk (when hashing was on). */
export interface LineReadResult extends ReadProgress {
  /** Total lines including blank ones (the last line number). */
  lines: number;
  sha256: string | null;
  gzip: boolean;
}

/** Options of `forEachLine` and `forEachLineBytes`. */
export interface LineReadOptions {
  /** Called about every `progressIntervalMs` (default 1000; 0 = after every chunk) and at the end. */
  onProgress?: (p: ReadProgress) => void;
  progressIntervalMs?: number;
  /** Label passed through in progress reports. */
  phase?: string;
  /** Hash the bytes on disk with sha256 (default true). */
  hash?: boolean;
  /** Accept a file without any non-blank line (default false: `DataFormatError` "empty file"). */
  allowEmpty?: boolean;
  /** Read size (default 1 MiB). */
  chunkBytes?: number;
}

/** A line callback's answer: `false` stops the read early. */
export type LineAnswer = boolean | void;

/** Whether a file starts with the gzip magic bytes 1f 8b. */
export async function isGzipFile(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = new Uint8Array(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Thrown inside the pipeline to stop reading early; never escapes. */
class StopReading extends Error {}

/** Line bookkeeping shared by the string and byte readers: numbering, blank lines, early stop. */
class LineState {
  lineNo = 0;
  rows = 0;
  stopped = false;
  consumerError = null as Error | null;

  /** Numbers the next line; returns whether it should be delivered (it is not blank). */
  next(nonBlank: boolean): boolean {
    this.lineNo++;
    if (nonBlank) this.rows++;
    return nonBlank;
  }

  /** Ends the read early (the callback returned false). */
  stop(): never {
    this.stopped = true;
    throw new StopReading();
  }
}

/**
 * Streams a file's text bytes (gunzipped when the name ends in `.gz` or the bytes start with the
 * gzip magic) to `onChunk`, hashing the bytes on disk and reporting progress. A corrupt gzip
 * stream becomes a `DataFormatError` at the line reached; a file without lines is an error too.
 */
async function readChunks(
  file: string,
  options: LineReadOptions,
  state: LineState,
  onChunk: (chunk: Buffer) => void,
  onEnd: () => void,
): Promise<LineReadResult> {
  const gzip = file.endsWith('.gz') || (await isGzipFile(file));
  const hash = options.hash === false ? null : createHash('sha256');
  const interval = options.progressIntervalMs ?? 1000;
  const started = performance.now();
  let lastReport = started;
  let diskBytes = 0;
  let bytes = 0;

  const progress = (): ReadProgress => {
    const seconds = (performance.now() - started) / 1000;
    return {
      file,
      phase: options.phase,
      rows: state.rows,
      bytes,
      diskBytes,
      seconds,
      rowsPerSec: seconds > 0 ? state.rows / seconds : 0,
      mbPerSec: seconds > 0 ? bytes / 1e6 / seconds : 0,
    };
  };
  const onDisk = (chunk: Buffer): void => {
    diskBytes += chunk.length;
    hash?.update(chunk);
  };
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      onDisk(chunk);
      done(null, chunk);
    },
  });
  // Errors thrown by the line callbacks are remembered: pipeline() may replace them by an AbortError.
  const guarded = (run: () => void): void => {
    try {
      run();
    } catch (err) {
      if (!(err instanceof StopReading)) state.consumerError = err as Error;
      throw err;
    }
  };
  const consume = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) {
      bytes += chunk.length;
      guarded(() => {
        onChunk(chunk);
      });
      if (options.onProgress && performance.now() - lastReport >= interval) {
        lastReport = performance.now();
        options.onProgress(progress());
      }
    }
    guarded(onEnd);
  };

  const chunkBytes = options.chunkBytes ?? 1 << 20;
  try {
    if (gzip) await pipeline(createReadStream(file, { highWaterMark: chunkBytes }), tap, createGunzip(), consume);
    else await consume(readPlain(file, chunkBytes, onDisk));
  } catch (err) {
    if (state.consumerError !== null) throw state.consumerError;
    if (!state.stopped) {
      if (gzip && isZlibError(err)) throw new DataFormatError(file, state.lineNo + 1, (err as Error).message, 'unreadable gzip data');
      throw err;
    }
  }
  if (state.rows === 0 && !state.stopped && options.allowEmpty !== true) {
    throw new DataFormatError(file, 0, '', bytes === 0 ? 'empty file' : 'file has no non-blank lines');
  }
  const result: LineReadResult = {
    ...progress(),
    lines: state.lineNo,
    sha256: state.stopped ? null : (hash?.digest('hex') ?? null),
    gzip,
  };
  options.onProgress?.(result);
  return result;
}

/**
 * The chunks of an uncompressed file, read into one reused buffer (a stream allocates a fresh buffer
 * per chunk, whose page faults cost as much as the read); each chunk goes to `onDisk` first. A chunk
 * is valid until the next one is requested.
 */
async function* readPlain(file: string, chunkBytes: number, onDisk: (chunk: Buffer) => void): AsyncGenerator<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, chunkBytes, null);
      if (bytesRead === 0) return;
      const chunk = buf.subarray(0, bytesRead);
      onDisk(chunk);
      yield chunk;
    }
  } finally {
    await fh.close();
  }
}

/**
 * Calls `onLine(line, lineNo)` for every non-blank line of a text file (gzip-aware), with 1-based
 * line numbers and `\r\n` tolerated; `onLine` may return `false` to stop. Lines are handed over
 * synchronously per chunk, so a line costs a string slice, not a promise.
 */
export async function forEachLine(file: string, onLine: (line: string, lineNo: number) => LineAnswer, options: LineReadOptions = {}): Promise<LineReadResult> {
  const state = new LineState();
  const decoder = new StringDecoder('utf8');
  let carry = '';
  const emit = (text: string, start: number, end: number): void => {
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    if (state.next(end > start) && onLine(text.slice(start, end), state.lineNo) === false) state.stop();
  };
  return readChunks(
    file,
    options,
    state,
    (chunk) => {
      const text = carry + decoder.write(chunk);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        emit(text, start, nl);
        start = nl + 1;
      }
      carry = text.slice(start);
    },
    () => {
      carry += decoder.end();
      if (carry.length > 0) emit(carry, 0, carry.length);
    },
  );
}

/**
 * The byte-level twin of `forEachLine`: `onLine(bytes, start, end, lineNo)` sees the line as
 * `bytes[start..end)` (no `\r`), without decoding it to a string. The fast path of the big readers:
 * fields are parsed straight from the bytes. `bytes` is only valid during the call.
 */
export async function forEachLineBytes(
  file: string,
  onLine: (bytes: Uint8Array, start: number, end: number, lineNo: number) => LineAnswer,
  options: LineReadOptions = {},
): Promise<LineReadResult> {
  const state = new LineState();
  let carry: Buffer | null = null;
  const emit = (bytes: Uint8Array, start: number, end: number): void => {
    if (end > start && bytes[end - 1] === 13) end--;
    if (state.next(end > start) && onLine(bytes, start, end, state.lineNo) === false) state.stop();
  };
  return readChunks(
    file,
    options,
    state,
    (chunk) => {
      let start = 0;
      if (carry !== null) {
        // Only the line that straddles two chunks is copied.
        const nl = chunk.indexOf(10);
        if (nl < 0) {
          carry = Buffer.concat([carry, chunk]);
          return;
        }
        const joined = Buffer.concat([carry, chunk.subarray(0, nl)]);
        carry = null;
        emit(joined, 0, joined.length);
        start = nl + 1;
      }
      for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
        emit(chunk, start, nl);
        start = nl + 1;
      }
      if (start < chunk.length) carry = Buffer.from(chunk.subarray(start));
    },
    () => {
      if (carry !== null) emit(carry, 0, carry.length);
    },
  );
}

/** The first non-blank line of a file (gzip-aware) and its line number, or null for an empty file. */
export async function readFirstLine(file: string): Promise<{ line: string; lineNo: number } | null> {
  let first: { line: string; lineNo: number } | null = null;
  await forEachLine(
    file,
    (line, lineNo) => {
      first = { line, lineNo };
      return false;
    },
    { hash: false, allowEmpty: true },
  );
  return first;
}

function isZlibError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('Z_');
}
