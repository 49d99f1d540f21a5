/**
 * Progress on stderr: a one-line bar with rate and ETA, redrawn in place when stderr is a TTY, or
 * plain lines (at most one every few seconds, and one at the end) when it is not. Nothing is drawn
 * for tasks that finish within `delayMs` (default 1 s), and nothing at all when quiet.
 */

/** Where progress goes. */
export interface ProgressSink {
  write(text: string): void;
  readonly isTTY: boolean;
  /** Terminal width (TTY only). */
  readonly columns?: number;
}

/** Options of a progress task. */
export interface ProgressOptions {
  /** Total units (null when unknown: no bar or ETA, just the count and rate). */
  readonly total: number | null;
  /** Unit name for the rate, e.g. "batches" (default "it"). */
  readonly unit?: string;
  /** Draw only once the task has run this long (default 1000 ms). */
  readonly delayMs?: number;
  /** Least time between two plain (non-TTY) lines (default 5000 ms). */
  readonly lineEveryMs?: number;
  /** Least time between two TTY redraws (default 100 ms). */
  readonly redrawEveryMs?: number;
  /** Clock (tests). */
  readonly now?: () => number;
}

/** Seconds as a short duration: 42s, 3m07s, 1h02m. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A bar of `width` cells filled to `fraction`. */
export function bar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.floor(f * width);
  return `${'#'.repeat(full)}${'-'.repeat(width - full)}`;
}

/** Usable width of a TTY line (terminals that report no width get 100 columns). */
function lineWidth(sink: ProgressSink): number {
  const cols = sink.columns !== undefined && sink.columns > 0 ? sink.columns : 100;
  return Math.max(20, cols - 1);
}

/** One progress task. */
export class Progress {
  private readonly started: number;
  private lastDraw = -Infinity;
  private drawn = false;
  private done = 0;
  private detail = '';
  private finished = false;
  private readonly now: () => number;

  constructor(
    private readonly sink: ProgressSink | null,
    private readonly label: string,
    private readonly options: ProgressOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
  }

  /** Sets the units done (and an optional detail, e.g. "loss 0.53") and redraws when due. */
  update(done: number, detail?: string): void {
    this.done = done;
    if (detail !== undefined) this.detail = detail;
    if (this.sink === null || this.finished) return;
    const t = this.now();
    if (t - this.started < (this.options.delayMs ?? 1000)) return;
    const every = this.sink.isTTY ? (this.options.redrawEveryMs ?? 100) : (this.options.lineEveryMs ?? 5000);
    if (t - this.lastDraw < every) return;
    this.draw(t);
  }

  /** Writes a message line without breaking the bar (TTY: clears it, writes, redraws). */
  note(text: string): void {
    if (this.sink === null) return;
    if (this.sink.isTTY && this.drawn && !this.finished) {
      const width = lineWidth(this.sink);
      this.sink.write(`\r${' '.repeat(width)}\r${text}\n`);
      this.draw(this.now());
    } else this.sink.write(`${text}\n`);
  }

  /** Ends the task: a TTY line is completed (or cleared), a plain line says it finished. */
  finish(detail?: string): void {
    if (this.finished) return;
    if (detail !== undefined) this.detail = detail;
    if (this.sink !== null && this.drawn) {
      if (this.sink.isTTY) {
        this.draw(this.now(), true);
        this.sink.write('\n');
      } else this.sink.write(`${this.line(this.now(), true)}\n`);
    }
    this.finished = true;
  }

  /** The text of the line at time t. */
  line(t: number, final = false): string {
    const elapsed = (t - this.started) / 1000;
    const total = this.options.total;
    const unit = this.options.unit ?? 'it';
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const parts = [this.label];
    if (total !== null && total > 0) {
      const frac = this.done / total;
      if (this.sink?.isTTY === true) parts.push(`[${bar(frac, 24)}]`);
      parts.push(`${this.done}/${total} (${Math.floor(frac * 100)}%)`);
    } else parts.push(`${this.done}`);
    parts.push(`${rate >= 100 ? rate.toFixed(0) : rate.toFixed(1)} ${unit}/s`);
    if (final) parts.push(`done in ${formatDuration(elapsed)}`);
    else if (total !== null && this.done > 0) parts.push(`ETA ${formatDuration(((total - this.done) * elapsed) / this.done)}`);
    if (this.detail !== '') parts.push(this.detail);
    return parts.join(' ');
  }

  private draw(t: number, final = false): void {
    const sink = this.sink!;
    this.lastDraw = t;
    this.drawn = true;
    if (sink.isTTY) {
      const width = lineWidth(sink);
      sink.write(`\r${this.line(t, final).slice(0, width).padEnd(width)}`);
    } else sink.write(`${this.line(t, final)}\n`);
  }
}
