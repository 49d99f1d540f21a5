/** Typed errors: every failure this package raises on purpose is a subclass of `LersDataError`. */

/** Base class of the package's errors, so callers (and the CLI) can tell data problems from bugs. */
export class LersDataError extends Error {
  override name = 'LersDataError';
}

const MAX_VALUE_CHARS = 120;

/** Shortens a value for a message: whole lines can be megabytes long. */
export function clipValue(value: string): string {
  return value.length <= MAX_VALUE_CHARS ? value : `${value.slice(0, MAX_VALUE_CHARS)}...`;
}

/**
 * A malformed input: names the file, the 1-based line number (0 when the file as a whole is at
 * fault, e.g. an empty file) and the offending value.
 */
export class DataFormatError extends LersDataError {
  override name = 'DataFormatError';
  readonly file: string;
  readonly line: number;
  readonly value: string;
  readonly reason: string;

  constructor(file: string, line: number, value: string, reason: string) {
    super(`${file}:${line}: ${reason} (value: ${JSON.stringify(clipValue(value))})`);
    this.file = file;
    this.line = line;
    this.value = clipValue(value);
    this.reason = reason;
  }
}

/** What is wrong with a binary cache file. */
export type CacheFaultKind = 'magic' | 'version' | 'header' | 'truncated' | 'checksum';

/** A binary dataset cache that is not ours, from a newer version, truncated or corrupted. */
export class CacheFormatError extends LersDataError {
  override name = 'CacheFormatError';
  readonly file: string;
  readonly kind: CacheFaultKind;

  /** `what` names the kind of file in the message (a dataset cache file unless told otherwise). */
  constructor(file: string, kind: CacheFaultKind, detail: string, what = 'cache file') {
    super(`${file}: ${kind === 'version' ? `unsupported ${what} version` : `bad ${what} (${kind})`}: ${detail}`);
    this.file = file;
    this.kind = kind;
  }
}

/** A download failed; `resumable` is true when a partial file was kept for the next attempt. */
export class DownloadError extends LersDataError {
  override name = 'DownloadError';
  readonly url: string;
  readonly resumable: boolean;

  constructor(url: string, detail: string, resumable: boolean) {
    super(`download of ${url} failed: ${detail}${resumable ? ' (partial file kept; run again to resume)' : ''}`);
    this.url = url;
    this.resumable = resumable;
  }
}

/** Downloaded (or manually placed) bytes do not have the expected sha256; a download is removed. */
export class ChecksumMismatchError extends LersDataError {
  override name = 'ChecksumMismatchError';
  readonly file: string;
  readonly expected: string;
  readonly actual: string;

  constructor(file: string, expected: string, actual: string, removed = true) {
    super(`${file}: sha256 mismatch: expected ${expected}, got ${actual}${removed ? ' (the file was removed)' : ''}`);
    this.file = file;
    this.expected = expected;
    this.actual = actual;
  }
}

/** The dataset's licence requires a manual download; the message says where to get it and where to put it. */
export class ManualDownloadRequiredError extends LersDataError {
  override name = 'ManualDownloadRequiredError';
  readonly dataset: string;

  constructor(dataset: string, instructions: string) {
    super(`dataset "${dataset}" must be downloaded manually.\n${instructions}`);
    this.dataset = dataset;
  }
}

/** A reader option that is unknown, of the wrong type, or that the file contradicts (a usage error). */
export class DataOptionError extends LersDataError {
  override name = 'DataOptionError';
}

/** One format a file could be read as, and what in the file says so. */
export interface FormatCandidate {
  format: string;
  reason: string;
}

/**
 * Format detection did not settle on one format: `candidates` lists every format the file fits
 * (two or more: ambiguous; none: unknown), and the message names the flag that settles it.
 */
export class FormatDetectionError extends LersDataError {
  override name = 'FormatDetectionError';
  readonly file: string;
  readonly candidates: FormatCandidate[];

  constructor(file: string, candidates: FormatCandidate[], detail: string, settle: string) {
    const what = candidates.length > 1 ? `ambiguous format: it reads as ${candidates.map((c) => `${c.format} (${c.reason})`).join(' or ')}` : `cannot tell the format: ${detail}`;
    super(`${file}: ${what}; ${settle}`);
    this.file = file;
    this.candidates = candidates;
  }

  /** Whether the file fits several formats (rather than none). */
  get ambiguous(): boolean {
    return this.candidates.length > 1;
  }
}
