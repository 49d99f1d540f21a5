/**
 * A run of named checks: each prints one line as it ends (ok / FAIL with the reason and its
 * time), and the run ends with one summary line, `<title>: N passed, N failed (T s)`, and an exit
 * status that is non-zero when any check failed.
 */
import { rmSync } from 'node:fs';

/** A check for CheckRun.checkAll. */
export interface CheckSpec<T> {
  readonly name: string;
  readonly body: () => Promise<T>;
  readonly note?: (value: T) => string;
}

export class CheckRun {
  private passed = 0;
  private failed = 0;
  private readonly started = performance.now();

  constructor(private readonly title: string) {}

  /** Checks failed so far. */
  get failures(): number {
    return this.failed;
  }

  /** Runs one check; a throw fails it. Returns the body's value, or undefined when it failed. */
  async check<T>(name: string, body: () => Promise<T> | T, note?: (value: T) => string): Promise<T | undefined> {
    const t0 = performance.now();
    try {
      const value = await body();
      this.pass(name, `${note ? `${note(value)}, ` : ''}${seconds(t0)}`);
      return value;
    } catch (e) {
      this.fail(name, `${messageOf(e)} (${seconds(t0)})`);
      return undefined;
    }
  }

  /**
   * Runs checks `concurrency` at a time (independent ones: separate processes), printed in the
   * order given once all are done; resolves to their values (undefined where one failed).
   */
  async checkAll<T>(specs: readonly CheckSpec<T>[], concurrency: number): Promise<(T | undefined)[]> {
    const outcomes: { value?: T; error?: unknown; started: number; ended: number }[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < specs.length) {
        const k = next++;
        const started = performance.now();
        try {
          outcomes[k] = { value: await specs[k].body(), started, ended: performance.now() };
        } catch (error) {
          outcomes[k] = { error, started, ended: performance.now() };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker));
    return specs.map((spec, k) => {
      const { value, error, started, ended } = outcomes[k];
      const time = `${((ended - started) / 1000).toFixed(1)} s`;
      if (error !== undefined) {
        this.fail(spec.name, `${messageOf(error)} (${time})`);
        return undefined;
      }
      this.pass(spec.name, `${spec.note ? `${spec.note(value as T)}, ` : ''}${time}`);
      return value;
    });
  }

  /** Records a check decided elsewhere. */
  record(name: string, problem: string | null, detail = ''): void {
    if (problem === null) this.pass(name, detail);
    else this.fail(name, problem);
  }

  /**
   * Prints the summary line and exits (status 1 when a check failed). `scratch`, the run's
   * temporary folder, is removed when every check passed and kept (and named) otherwise.
   */
  finish(scratch?: string): never {
    if (scratch !== undefined && this.failed === 0) rmSync(scratch, { recursive: true, force: true });
    else if (scratch !== undefined) console.log(`(kept ${scratch} for inspection)`);
    console.log(`${this.title}: ${this.passed} passed, ${this.failed} failed (${seconds(this.started)})`);
    process.exit(this.failed > 0 ? 1 : 0);
  }

  private pass(name: string, detail: string): void {
    this.passed++;
    console.log(`ok   ${name}${detail ? ` (${detail})` : ''}`);
  }

  private fail(name: string, reason: string): void {
    this.failed++;
    console.log(`FAIL ${name}: ${reason}`);
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}
